"""Signed-in pages: who the session belongs to, roles, CSRF tokens and one-time messages.

The session is Starlette's signed cookie (itsdangerous), holding the user's id, a CSRF token and
flash messages. Every page needs a signed-in user (``page_user``; a visitor is sent to the login
page); every form post needs the session's CSRF token, as the ``csrf_token`` field or the
``X-CSRF-Token`` header (``check_csrf``), so another site cannot post on a reviewer's behalf.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.orm import Session

from review.auth import role_allows
from review.web.deps import db_session
from store.schema import User


class LoginRequired(Exception):
    """Raised by page dependencies when no user is signed in (answered with a redirect)."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


def sign_in(request: Request, user: User) -> None:
    request.session.clear()
    request.session["user_id"] = user.id
    csrf_token(request)


def sign_out(request: Request) -> None:
    request.session.clear()


def flash(request: Request, message: str, kind: str = "info") -> None:
    request.session.setdefault("flash", []).append([kind, message])


def take_flashes(request: Request) -> list[tuple[str, str]]:
    return [(kind, text) for kind, text in request.session.pop("flash", [])]


def page_user(request: Request, session: Annotated[Session, Depends(db_session)]) -> User:
    user_id = request.session.get("user_id")
    user = session.get(User, user_id) if user_id else None
    if user is None or not user.active:
        request.session.pop("user_id", None)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(quote(target, safe="/?=&"))
    return user


def page_role(needed: str) -> Callable[[User], User]:
    def check(user: Annotated[User, Depends(page_user)]) -> User:
        if not role_allows(user.role, needed):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this page needs the {needed} role")
        return user

    return check


async def check_csrf(request: Request) -> None:
    """Refuse a state-changing request whose CSRF token is missing or wrong."""
    expected = request.session.get("csrf")
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not secrets.compare_digest(str(expected), sent):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "missing or wrong CSRF token; reload the page"
        )


Reviewer = Annotated[User, Depends(page_role("reviewer"))]
Editor = Annotated[User, Depends(page_role("editor"))]
Csrf = Depends(check_csrf)
