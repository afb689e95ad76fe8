"""Request dependencies: the database session of a request, and who is asking.

Every handler gets its database session from ``DbSession``: one transaction per request, committed
*before* the response is sent (a FastAPI dependency of ``scope="function"``: its code after
``yield`` runs when the handler returns, not after the answer has gone out). A reviewer who sees
"Item #N: misleading" therefore sees a saved decision, and "next item" right after it never finds
the decided item still held. A commit that fails rolls back and answers an error (500, page or
JSON), never the handler's success; the one-time messages the handler queued are dropped with it.

An API request names its user with ``Authorization: Bearer <token>``; a request without a valid
token is answered 401 (with ``WWW-Authenticate``), one whose user lacks the role 403.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from claimwatch.errors import AuthError
from claimwatch.review.auth import role_allows, user_for_token
from claimwatch.settings import Settings
from claimwatch.store.db import session_factory
from claimwatch.store.schema import User

log = logging.getLogger(__name__)
bearer = HTTPBearer(auto_error=False, description="An API token (claimwatch users token).")
FLASHES = "flash"  # where the session cookie keeps one-time messages


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


class NotSaved(HTTPException):
    """The request's transaction could not be committed: nothing it changed was kept."""

    def __init__(self, error: SQLAlchemyError) -> None:
        super().__init__(
            status.HTTP_500_INTERNAL_SERVER_ERROR,
            f"Not saved: the database refused the change ({type(error).__name__}). Nothing was "
            "changed; reload the page and try again.",
        )


def _queued_flashes(request: Request) -> int:
    return len(request.session.get(FLASHES, []))


def _drop_flashes_after(request: Request, kept: int) -> None:
    """Forget the one-time messages queued since ``kept`` (they announced what was not saved)."""
    queued = request.session.get(FLASHES, [])
    if len(queued) > kept:
        request.session[FLASHES] = queued[:kept]


def commit_or_refuse(session: Session, request: Request, flashes_before: int) -> None:
    """Commit the request's transaction; if that fails, roll back and raise ``NotSaved``."""
    try:
        session.commit()
    except SQLAlchemyError as error:
        log.exception("commit failed for %s %s", request.method, request.url.path)
        session.rollback()
        _drop_flashes_after(request, flashes_before)
        raise NotSaved(error) from error


def db_session(request: Request) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent (use ``DbSession``,
    which asks for this scope; a plain ``Depends(db_session)`` would commit after it)."""
    session = session_factory(request.app.state.engine)()
    flashes_before = _queued_flashes(request)
    try:
        yield session
        commit_or_refuse(session, request, flashes_before)
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


DbSession = Annotated[Session, Depends(db_session, scope="function")]
AppSettings = Annotated[Settings, Depends(settings_of)]


def token_user(
    session: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User:
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "an API token is required (Authorization: Bearer <token>)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        return user_for_token(session, credentials.credentials)
    except AuthError as exc:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, str(exc), headers={"WWW-Authenticate": "Bearer"}
        ) from exc


def api_role(needed: str) -> Callable[[User], User]:
    """A dependency that lets through token users whose role includes ``needed``."""

    def check(user: Annotated[User, Depends(token_user)]) -> User:
        if not role_allows(user.role, needed):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs the {needed} role")
        return user

    return check
