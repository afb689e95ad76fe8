"""Signing in and out. A failed sign-in says only that the name or password is wrong."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from claimwatch.errors import AuthError
from review.auth import authenticate
from review.web.deps import DbSession
from review.web.sessions import Csrf, sign_in, sign_out
from review.web.templating import render

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only a path of this site (never another site) to go to after signing in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/queue"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> HTMLResponse:
    return render(request, "login.html", None, next=safe_next(next))


@router.post("/login", dependencies=[Csrf], response_model=None)
def login(
    request: Request,
    session: DbSession,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/queue",
) -> HTMLResponse | RedirectResponse:
    try:
        user = authenticate(session, username, password)
    except AuthError as error:
        return render(
            request, "login.html", None, status_code=401, error=str(error), next=safe_next(next)
        )
    sign_in(request, user)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Csrf])
def logout(request: Request) -> RedirectResponse:
    sign_out(request)
    return RedirectResponse("/login", status_code=303)
