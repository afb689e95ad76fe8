"""Request dependencies: the database session of a request, and who is asking.

An API request names its user with ``Authorization: Bearer <token>``; a request without a valid
token is answered 401 (with ``WWW-Authenticate``), one whose user lacks the role 403.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from claimwatch.errors import AuthError
from claimwatch.settings import Settings
from review.auth import role_allows, user_for_token
from store.db import session_scope
from store.schema import User

bearer = HTTPBearer(auto_error=False, description="An API token (claimwatch users token).")


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def db_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the handler succeeds."""
    with session_scope(request.app.state.engine) as session:
        yield session


DbSession = Annotated[Session, Depends(db_session)]
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
