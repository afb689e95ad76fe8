"""Signed-in pages: who the session belongs to, roles, CSRF tokens and one-time messages.

The cookie is Starlette's signed session (itsdangerous), holding the id of a server-side web
session (``claimwatch.review.auth.start_session``), a CSRF token and flash messages. The server decides
whether the id still signs someone in: signing out, a new password or a deactivated user ends it,
so a replayed cookie is worth nothing. Every page needs a signed-in user (``page_user``; a visitor
is sent to the login page); every form post needs the session's CSRF token, as the ``csrf_token``
field or the ``X-CSRF-Token`` header (``check_csrf``), so another site cannot post on a reviewer's
behalf.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.orm import Session

from claimwatch.review.auth import end_session, role_allows, session_user, start_session
from claimwatch.store.schema import User
from claimwatch.web.deps import FLASHES, DbSession

SESSION_ID = "sid"  # the cookie's key for the server-side session id


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


def sign_in(request: Request, session: Session, user: User, lifetime: dt.timedelta) -> None:
    """Start a server-side session for ``user`` and put its id (and a fresh CSRF token) in a
    fresh cookie."""
    request.session.clear()
    request.session[SESSION_ID] = start_session(session, user, lifetime)
    csrf_token(request)


def sign_out(request: Request, session: Session) -> None:
    """End this browser's server-side session and empty its cookie."""
    token = request.session.get(SESSION_ID)
    if isinstance(token, str):
        end_session(session, token)
    request.session.clear()


def flash(request: Request, message: str, kind: str = "info") -> None:
    request.session.setdefault(FLASHES, []).append([kind, message])


def take_flashes(request: Request) -> list[tuple[str, str]]:
    return [(kind, text) for kind, text in request.session.pop(FLASHES, [])]


def page_user(request: Request, session: DbSession) -> User:
    token = request.session.get(SESSION_ID)
    user = session_user(session, token) if isinstance(token, str) else None
    if user is None:
        request.session.pop(SESSION_ID, None)
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
