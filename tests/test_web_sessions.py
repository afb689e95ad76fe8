"""Server-side sessions: a cookie replayed after signing out signs nobody in, a new password
(from the command line too) or deactivating a user ends every session of theirs, an expired
session is refused, signing out of one browser leaves the others signed in, and the database
keeps only a hash of the session id."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from claimwatch.cli import app as cli
from claimwatch.review.auth import create_token, set_active, set_password
from claimwatch.settings import Settings
from claimwatch.store.schema import AuditEvent, WebSession, utcnow
from claimwatch.web import create_app
from tests.factories import flagged_item
from tests.web_helpers import add_people, cookie_of, sign_in


@pytest.fixture
def web(settings: Settings, session: Session) -> FastAPI:
    add_people(session)
    flagged_item(session)
    session.commit()
    return create_app(settings)


@pytest.fixture
def browser(web: FastAPI) -> Iterator[TestClient]:
    with TestClient(web) as client:
        yield client


def replay(web: FastAPI, cookie: str) -> int:
    """The status of /queue for a new client that presents a copied session cookie."""
    with TestClient(web, cookies={"claimwatch_session": cookie}) as copy:
        return copy.get("/queue", follow_redirects=False).status_code


def test_a_cookie_replayed_after_signing_out_signs_nobody_in(
    web: FastAPI, browser: TestClient
) -> None:
    token = sign_in(browser, "rev1")
    cookie = cookie_of(browser)
    assert replay(web, cookie) == 200
    signed_out = browser.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert signed_out.headers["location"] == "/login"
    assert replay(web, cookie) == 303
    assert browser.get("/queue", follow_redirects=False).status_code == 303


def test_signing_out_of_one_browser_leaves_the_others(web: FastAPI, browser: TestClient) -> None:
    with TestClient(web) as laptop:
        sign_in(laptop, "rev1")
        token = sign_in(browser, "rev1")
        browser.post("/logout", data={"csrf_token": token})
        assert laptop.get("/queue", follow_redirects=False).status_code == 200


def test_a_new_password_ends_every_session_of_the_user(
    web: FastAPI, browser: TestClient, session: Session
) -> None:
    sign_in(browser, "rev1")
    with TestClient(web) as other:
        sign_in(other, "rev2")
        set_password(session, "rev1", "a-brand-new-password", actor="admin")
        session.commit()
        assert browser.get("/queue", follow_redirects=False).status_code == 303
        assert other.get("/queue", follow_redirects=False).status_code == 200  # not rev2's
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "set_password")).all()
    assert event[-1].after == {"username": "rev1", "sessions_ended": 1}


def test_the_password_command_ends_the_users_sessions(browser: TestClient) -> None:
    sign_in(browser, "rev1")
    cookie = cookie_of(browser)
    result = CliRunner().invoke(cli, ["users", "password", "rev1"], input="another-password-1\n")
    assert result.exit_code == 0, result.output
    assert browser.get("/queue", follow_redirects=False).status_code == 303
    with TestClient(browser.app, cookies={"claimwatch_session": cookie}) as copy:
        assert copy.get("/queue", follow_redirects=False).status_code == 303


def test_deactivating_a_user_ends_their_sessions_and_tokens(
    web: FastAPI, browser: TestClient, session: Session
) -> None:
    sign_in(browser, "ed")
    api_token = create_token(session, "ed", "cms", actor="admin").token
    session.commit()
    bearer = {"Authorization": f"Bearer {api_token}"}
    assert browser.get("/api/v1/snippets", headers=bearer).status_code == 200
    result = CliRunner().invoke(cli, ["users", "deactivate", "ed"])
    assert result.exit_code == 0, result.output
    assert browser.get("/snippets", follow_redirects=False).status_code == 303
    assert browser.get("/api/v1/snippets", headers=bearer).status_code == 401
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(WebSession)) == 0
    set_active(session, "ed", True, actor="admin")
    session.commit()
    sign_in(browser, "ed")  # active again: a fresh sign-in works
    assert browser.get("/snippets").status_code == 200


def test_an_expired_session_is_refused(browser: TestClient, session: Session) -> None:
    sign_in(browser, "rev1")
    assert browser.get("/queue", follow_redirects=False).status_code == 200
    session.execute(update(WebSession).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    session.commit()
    assert browser.get("/queue", follow_redirects=False).status_code == 303


def test_only_a_hash_of_the_session_id_is_stored(
    settings: Settings, browser: TestClient, session: Session
) -> None:
    sign_in(browser, "rev1")
    signed = cookie_of(browser).encode()
    payload = TimestampSigner(settings.session_secret()).unsign(signed)
    session_id = json.loads(base64.b64decode(payload))["sid"]
    stored = session.scalars(select(WebSession.token_hash)).one()
    assert stored == hashlib.sha256(session_id.encode()).hexdigest() != session_id
    row = session.scalars(select(WebSession)).one()
    hours = (row.expires_at - row.created_at).total_seconds() / 3600
    assert hours == pytest.approx(settings.session_hours, abs=0.01)
