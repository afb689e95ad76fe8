"""Signing in through the real login form in tests, and reading the CSRF token off a page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from review.auth import create_user, set_password

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


def sign_in(client: TestClient, username: str) -> str:
    """Sign ``username`` in; returns the session's CSRF token."""
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
