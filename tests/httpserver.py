"""A local HTTP server for tests that need answers a static site does not give (errors, loops,
bodies that arrive a byte at a time)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# A body is bytes, or chunks written and flushed one by one as the iterable yields them.
Body = bytes | Iterable[bytes]
Route = Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], Body]]


@contextmanager
def serve_routes(routes: dict[str, Route], log: list[str] | None = None) -> Iterator[str]:
    """Serve ``routes`` (path -> handler returning status, headers, body) on 127.0.0.1; every
    request's target is appended to ``log`` when one is given."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            if log is not None:
                log.append(self.path)
            route = routes.get(self.path.split("?")[0])
            status, headers, body = route(self) if route else (404, {}, b"not found")
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if isinstance(body, bytes):
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.send_header("Connection", "close")  # the body ends when the connection does
            self.close_connection = True
            self.end_headers()
            try:
                for chunk in body:
                    self.wfile.write(chunk)
                    self.wfile.flush()
            except OSError:  # the client gave up
                return

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def fixed(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> Route:
    return lambda _request: (status, headers or {}, body)


def dripping(
    body: bytes, every_s: float, headers: dict[str, str] | None = None, status: int = 200
) -> Route:
    """A route that sends ``body`` one byte every ``every_s`` seconds."""

    def chunks() -> Iterator[bytes]:
        for index in range(len(body)):
            yield body[index : index + 1]
            time.sleep(every_s)

    return lambda _request: (status, headers or {}, chunks())
