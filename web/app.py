"""Building the app: settings, engine and sign-in limits on ``app.state``, signed session
cookies, security headers on every answer, the origin check on every state-changing request, the
routers, and one translation of claimwatch's errors into HTTP answers (404 for what does not
exist, 400 for refused input, 403 for a missing role): JSON under ``/api``, a page elsewhere.

Nothing answers without a signed-in session or an API token except the sign-in page and the
static files; the OpenAPI schema (``/openapi.json``, also published as ``docs/openapi.json``) is
served to either. Pages load nothing from other sites: the app works offline.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from claimwatch import __version__
from claimwatch.errors import AuthError, ClaimwatchError, NotFoundError
from claimwatch.resources import open_database
from claimwatch.review.auth import user_for_token
from claimwatch.settings import Settings, load_settings
from claimwatch.store.migrate import upgrade
from claimwatch.store.schema import User
from claimwatch.web import api, evidence_pages, library_pages, login, pages
from claimwatch.web.deps import DbSession, bearer
from claimwatch.web.security import HEADERS, SecurityHeaders, check_origin
from claimwatch.web.sessions import LoginRequired, page_user
from claimwatch.web.templating import render
from claimwatch.web.throttle import BackOff, LoginThrottle, PasswordChecks

STATIC = Path(__file__).with_name("static")


def _error_status(error: ClaimwatchError) -> int:
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, AuthError):
        return 403
    return 400


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/openapi"))


def any_user(
    request: Request,
    session: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User:
    """A token user, else the signed-in user (for the API documentation)."""
    if credentials is not None:
        try:
            return user_for_token(session, credentials.credentials)
        except AuthError as exc:
            raise HTTPException(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from exc
    return page_user(request, session)


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, error: LoginRequired) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "sign in or send an API token"}, status_code=401)
        return RedirectResponse(f"/login?next={error.next_url}", status_code=303)

    @app.exception_handler(ClaimwatchError)
    async def claimwatch_error(request: Request, error: ClaimwatchError) -> Response:
        code = _error_status(error)
        if _wants_json(request):
            return JSONResponse({"detail": str(error)}, status_code=code)
        return render(request, "error.html", None, status_code=code, message=str(error))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        if _wants_json(request):
            return JSONResponse(
                {"detail": error.detail}, status_code=error.status_code, headers=error.headers
            )
        return render(
            request, "error.html", None, status_code=error.status_code, message=str(error.detail)
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        if _wants_json(request):
            return JSONResponse({"detail": error.errors()}, status_code=422)
        return render(request, "error.html", None, status_code=422, message=problems)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, error: Exception) -> Response:
        # Answered outside the middleware stack: the security headers are added here.
        message = "Internal error; nothing more is shown here (see the server's log)."
        if _wants_json(request) or "session" not in request.scope:
            return JSONResponse({"detail": message}, status_code=500, headers=HEADERS)
        page = render(request, "error.html", None, status_code=500, message=message)
        page.headers.update(HEADERS)
        return page


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    engine = open_database(settings)
    upgrade(engine)
    app = FastAPI(
        title="claimwatch",
        version=__version__,
        description="The review queue and the rebuttal library of claimwatch. Every API route "
        "needs an API token (Authorization: Bearer …).",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(check_origin)],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.login_throttle = LoginThrottle(BackOff.from_settings(settings))
    app.state.password_checks = PasswordChecks(
        settings.password_checks_at_once, settings.password_check_wait_s
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_secret(),
        session_cookie="claimwatch_session",
        max_age=int(dt.timedelta(hours=settings.session_hours).total_seconds()),
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in (
        api.router,
        login.router,
        pages.router,
        library_pages.router,
        evidence_pages.router,
    ):
        app.include_router(router)
    _handlers(app)

    @app.get("/openapi.json", include_in_schema=False)
    def openapi(_user: Annotated[User, Depends(any_user)]) -> dict[str, Any]:
        return app.openapi()

    return app
