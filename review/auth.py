"""Who may do what: users with a role, and API tokens.

Roles grow by inclusion: a ``reviewer`` triages the queue; an ``editor`` also manages the
rebuttal library; an ``admin`` also manages users and tokens. An API token acts as its user. A
token is 32 random bytes (URL-safe text, prefixed ``cw_``); only its SHA-256 is stored, so it is
shown once, when created, and a lost token is revoked and replaced, never recovered.

A signed-in browser holds a web session: a random id in its (signed) cookie, of which only the
SHA-256 is stored with an expiry. Signing out deletes it; a new password or deactivating the user
deletes every session of that user, so a copied cookie stops working at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from claimwatch.errors import AuthError
from claimwatch.store.audit import record
from claimwatch.store.schema import ApiToken, User, WebSession, utcnow

ROLES = ("reviewer", "editor", "admin")
TOKEN_PREFIX = "cw_"
MIN_PASSWORD = 10


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the library's current defaults


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash(secrets.token_urlsafe(16))


def role_allows(role: str, needed: str) -> bool:
    """Whether ``role`` includes ``needed`` (admin ⊇ editor ⊇ reviewer)."""
    return ROLES.index(role) >= ROLES.index(needed)


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise AuthError(f"no user {username!r}")
    return user


def create_user(session: Session, username: str, role: str, *, actor: str) -> User:
    username = username.strip()
    if not username or len(username) > 100:
        raise AuthError("a username is 1 to 100 characters")
    if role not in ROLES:
        raise AuthError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AuthError(f"user {username!r} already exists")
    user = User(username=username, role=role)
    session.add(user)
    session.flush()
    record(
        session,
        actor=actor,
        action="create",
        entity="user",
        entity_id=user.id,
        before=None,
        after={"username": username, "role": role},
    )
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    id: int
    name: str
    token: str  # shown once


def create_token(session: Session, username: str, name: str, *, actor: str) -> NewToken:
    user = get_user(session, username)
    if not name.strip():
        raise AuthError("a token needs a name (what it is for)")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user=user, name=name.strip(), token_hash=_digest(token), prefix=token[:10])
    session.add(row)
    session.flush()
    record(
        session,
        actor=actor,
        action="create",
        entity="api_token",
        entity_id=row.id,
        before=None,
        after={"user": username, "name": row.name, "prefix": row.prefix},
    )
    return NewToken(row.id, row.name, token)


def revoke_token(session: Session, token_id: int, *, actor: str) -> None:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise AuthError(f"no token {token_id}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        record(
            session,
            actor=actor,
            action="revoke",
            entity="api_token",
            entity_id=row.id,
            before={"revoked": False},
            after={"revoked": True},
        )


def user_for_token(session: Session, token: str) -> User:
    """The active user a valid, unrevoked token belongs to (its last use is recorded)."""
    row = session.scalar(
        select(ApiToken)
        .where(ApiToken.token_hash == _digest(token))
        .options(selectinload(ApiToken.user))
    )
    if row is None or row.revoked_at is not None or not row.user.active:
        raise AuthError("invalid or revoked token")
    row.last_used_at = utcnow()
    return row.user


def set_password(session: Session, username: str, password: str, *, actor: str) -> None:
    """Store an argon2id hash of ``password`` (at least ``MIN_PASSWORD`` characters)."""
    if len(password) < MIN_PASSWORD:
        raise AuthError(f"a password has at least {MIN_PASSWORD} characters")
    user = get_user(session, username)
    user.password_hash = _hasher().hash(password)
    ended = end_sessions_of(session, user)
    record(
        session,
        actor=actor,
        action="set_password",
        entity="user",
        entity_id=user.id,
        before=None,
        after={"username": username, "sessions_ended": ended},
    )


def set_active(session: Session, username: str, active: bool, *, actor: str) -> None:
    """Let a user sign in again, or stop them: a deactivated user's sessions end at once and
    their API tokens stop working (``user_for_token`` checks the user is active)."""
    user = get_user(session, username)
    if user.active == active:
        return
    user.active = active
    ended = 0 if active else end_sessions_of(session, user)
    record(
        session,
        actor=actor,
        action="activate" if active else "deactivate",
        entity="user",
        entity_id=user.id,
        before={"active": not active},
        after={"active": active, "sessions_ended": ended},
    )


def authenticate(session: Session, username: str, password: str) -> User:
    """The active user with this name and password; the same error (and about the same time)
    whether the name or the password is wrong."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    stored = user.password_hash if user is not None and user.active else None
    try:
        _hasher().verify(stored or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        raise AuthError("wrong username or password") from None
    if user is None or stored is None:
        raise AuthError("wrong username or password")
    if _hasher().check_needs_rehash(stored):
        user.password_hash = _hasher().hash(password)
    return user


def start_session(session: Session, user: User, lifetime: dt.timedelta) -> str:
    """A new web session for ``user``, valid for ``lifetime``; returns the id for the cookie
    (stored only as its SHA-256). Expired sessions of every user are cleared on the way."""
    now = utcnow()
    session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    session.add(WebSession(user=user, token_hash=_digest(token), expires_at=now + lifetime))
    session.flush()
    return token


def session_user(session: Session, token: str) -> User | None:
    """The active user of an unexpired web session (``None``: ended, expired or unknown)."""
    row = session.scalar(
        select(WebSession)
        .where(WebSession.token_hash == _digest(token), WebSession.expires_at > utcnow())
        .options(selectinload(WebSession.user))
    )
    if row is None or not row.user.active:
        return None
    return row.user


def end_session(session: Session, token: str) -> None:
    """Sign one browser out: its session no longer exists (a copy of the cookie is useless)."""
    session.execute(delete(WebSession).where(WebSession.token_hash == _digest(token)))


def end_sessions_of(session: Session, user: User) -> int:
    """End every web session of ``user`` (after a new password or deactivation); how many."""
    ended = session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    return int(ended.rowcount)  # type: ignore[attr-defined]
