"""A small static HTTP server for a corpus directory, on 127.0.0.1, as a news site would serve it.

``{{BASE}}`` in any served file becomes the server's own base URL, so feeds and canonical links
point back at it. Every response carries an ``ETag`` and ``Last-Modified``; conditional requests
get ``304 Not Modified``, as real publishers' servers answer them.
"""

from __future__ import annotations

import email.utils
import hashlib
import mimetypes
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

PLACEHOLDER = b"{{BASE}}"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
}
LAST_MODIFIED = email.utils.formatdate(1_795_000_000, usegmt=True)


@dataclass
class RequestLog:
    """What the server was asked, for tests: (method, path, status) in order."""

    entries: list[tuple[str, str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, method: str, path: str, status: int) -> None:
        with self.lock:
            self.entries.append((method, path, status))

    def paths(self, status: int | None = None) -> list[str]:
        with self.lock:
            return [p for _, p, s in self.entries if status is None or s == status]


class _CorpusHandler(BaseHTTPRequestHandler):
    server: _CorpusServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        body = self.server.render(path)
        if body is None:
            self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain; charset=utf-8")
            return
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        if self.headers.get("If-None-Match") == etag or (
            "If-None-Match" not in self.headers
            and self.headers.get("If-Modified-Since") == LAST_MODIFIED
        ):
            self._send(HTTPStatus.NOT_MODIFIED, b"", None, etag)
            return
        content_type = CONTENT_TYPES.get(Path(path).suffix) or mimetypes.guess_type(path)[0]
        self._send(HTTPStatus.OK, body, content_type or "application/octet-stream", etag)

    def _send(
        self, status: HTTPStatus, body: bytes, content_type: str | None, etag: str | None = None
    ) -> None:
        self.server.log.add("GET", self.path, int(status))  # before the client can see the answer
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        if etag:
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", LAST_MODIFIED)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # quiet: the log is kept in memory
        return


class _CorpusServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path, host: str, port: int) -> None:
        super().__init__((host, port), _CorpusHandler)
        self.root = root.resolve()
        self.log = RequestLog()

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that went away mid-request (a crawl killed, a fetch timed out) is normal
        here; anything else is printed as the standard library does."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def render(self, path: str) -> bytes | None:
        target = (self.root / path.lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(self.root) or not target.is_file():
            return None
        return target.read_bytes().replace(PLACEHOLDER, self.base_url.encode())


@dataclass(frozen=True)
class RunningServer:
    base_url: str
    log: RequestLog


@contextmanager
def serve_directory(root: Path, host: str = "127.0.0.1", port: int = 0) -> Iterator[RunningServer]:
    """Serve ``root`` in a background thread for the duration of the ``with`` block."""
    server = _CorpusServer(root, host, port)
    thread = threading.Thread(
        target=server.serve_forever, name="claimwatch-demo-server", daemon=True
    )
    thread.start()
    try:
        yield RunningServer(server.base_url, server.log)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def corpus_root() -> Path:
    """The demo corpus bundled with claimwatch."""
    return Path(__file__).with_name("corpus")
