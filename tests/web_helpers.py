"""Signing in through the real login form in tests, reading the CSRF token off a page, and
serving the app on 127.0.0.1 for tests that need real HTTP timing."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from claimwatch.review.auth import create_user, set_password

PASSWORDS = {"rev1": "reviewer-one-pw", "rev2": "reviewer-two-pw", "ed": "editor-pw-123"}
ROLES = {"rev1": "reviewer", "rev2": "reviewer", "ed": "editor"}


def add_people(session: Session) -> None:
    for name, password in PASSWORDS.items():
        create_user(session, name, ROLES[name], actor="admin")
        set_password(session, name, password, actor="admin")


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(client: httpx.Client, username: str) -> str:
    """Sign ``username`` in (a TestClient or a real HTTP client); returns the CSRF token."""
    page = client.get("/login")
    answer = client.post(
        "/login",
        data={
            "csrf_token": csrf_of(page.text),
            "username": username,
            "password": PASSWORDS[username],
            "next": "/queue",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return csrf_of(client.get("/queue").text)


def cookie_of(client: TestClient) -> str:
    """The signed session cookie a client holds (to replay it from another client)."""
    value = client.cookies.get("claimwatch_session")
    assert value, "no session cookie"
    return value


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """``app`` served by uvicorn on 127.0.0.1 in a thread (real HTTP: a response reaches the
    client as soon as it is sent, whatever the app does after); yields the base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the app did not start"
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def slow_commits(engine: Engine, seconds: float) -> Iterator[None]:
    """Every COMMIT on ``engine`` waits ``seconds`` before it reaches the database, so a
    response sent before its commit is caught reading the database right after it."""

    def wait(_connection: object) -> None:
        time.sleep(seconds)

    event.listen(engine, "commit", wait)
    try:
        yield
    finally:
        event.remove(engine, "commit", wait)
