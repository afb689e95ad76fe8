"""Signing in and out. A failed sign-in says only that the name or password is wrong.

Sign-ins go through ``claimwatch.web.throttle``: a username or client address with too many recent
failures is answered 429 with ``Retry-After`` (even with the right password) until its lock-out
ends, and only a few password checks run at once (503 with ``Retry-After`` when none is free in
time). Signing out ends the server-side session, so the old cookie signs nobody in.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from claimwatch.errors import AuthError
from claimwatch.review.auth import authenticate
from claimwatch.web.deps import AppSettings, DbSession
from claimwatch.web.sessions import Csrf, sign_in, sign_out
from claimwatch.web.templating import render
from claimwatch.web.throttle import LoginThrottle, PasswordChecks, retry_after_header

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only a path of this site (never another site) to go to after signing in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/queue"


def client_address(request: Request) -> str:
    """The address the request came from (behind a proxy: what the server was told it is)."""
    return request.client.host if request.client else "unknown"


def _refused(
    request: Request, status_code: int, message: str, wait_s: float, next: str
) -> HTMLResponse:
    page = render(
        request, "login.html", None, status_code=status_code, error=message, next=safe_next(next)
    )
    page.headers.update(retry_after_header(wait_s))
    return page


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> HTMLResponse:
    return render(request, "login.html", None, next=safe_next(next))


@router.post("/login", dependencies=[Csrf], response_model=None)
def login(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/queue",
) -> HTMLResponse | RedirectResponse:
    throttle: LoginThrottle = request.app.state.login_throttle
    checks: PasswordChecks = request.app.state.password_checks
    address = client_address(request)
    wait_s = throttle.retry_after(username, address)
    if wait_s > 0:
        message = (
            f"Too many failed sign-ins; try again in {retry_after_header(wait_s)['Retry-After']} s."
        )
        return _refused(request, 429, message, wait_s, next)
    with checks.slot() as free:
        if not free:
            message = "The server is busy checking other sign-ins; try again in a moment."
            return _refused(request, 503, message, 1, next)
        try:
            user = authenticate(session, username, password)
        except AuthError as error:
            throttle.failed(username, address)
            return render(
                request, "login.html", None, status_code=401, error=str(error), next=safe_next(next)
            )
    throttle.succeeded(username)
    sign_in(request, session, user, dt.timedelta(hours=settings.session_hours))
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Csrf])
def logout(request: Request, session: DbSession) -> RedirectResponse:
    sign_out(request, session)
    return RedirectResponse("/login", status_code=303)
