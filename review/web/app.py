"""Building the app: settings and engine on ``app.state``, the routers, and one translation of
claimwatch's errors into HTTP answers (404 for what does not exist, 400 for refused input, 403
for a missing role)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from claimwatch import __version__
from claimwatch.errors import AuthError, ClaimwatchError, NotFoundError
from claimwatch.settings import Settings, load_settings
from review.web import api
from store.db import engine_for
from store.migrate import upgrade


def _error_status(error: ClaimwatchError) -> int:
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, AuthError):
        return 403
    return 400


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    engine = engine_for(settings.resolved_database_url)
    upgrade(engine)
    app = FastAPI(
        title="claimwatch",
        version=__version__,
        description="Review queue and rebuttal library of claimwatch. The API needs a token.",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.include_router(api.router)

    @app.exception_handler(ClaimwatchError)
    async def claimwatch_error(_request: Request, error: ClaimwatchError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=_error_status(error))

    return app
