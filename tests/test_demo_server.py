"""The demo corpus server: a client that goes away mid-request (a killed crawl) is not an error
worth a traceback, and pages are still served after it."""

from __future__ import annotations

import socket
import struct
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from claimwatch.demo.server import serve_directory


def test_a_client_resetting_its_connection_prints_nothing(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "index.html").write_text("<p>page</p>", encoding="utf-8")
    with serve_directory(tmp_path) as server:
        address = urlsplit(server.base_url)
        for _ in range(3):
            client = socket.create_connection((address.hostname, address.port))
            client.sendall(b"GET /index.html HTTP/1.1\r\nHost: x")  # never finished
            # close with a reset (linger 0), as the kernel does for a killed process
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()
        time.sleep(0.3)
        assert httpx.get(f"{server.base_url}/index.html").text == "<p>page</p>"
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err and "Exception occurred" not in captured.err
