"""Every answer carries the security headers (a Content Security Policy without inline script,
no framing, no MIME sniffing, a referrer policy), the pages need nothing the policy forbids, and
a state-changing request sent from another site (by its Origin, or else its Referer) is refused
even with a valid CSRF token, while same-site forms and header-less clients keep working."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from claimwatch.review.auth import create_token
from claimwatch.settings import Settings
from claimwatch.web import create_app
from tests.factories import flagged_item
from tests.web_helpers import add_people, csrf_of, sign_in

TEMPLATES = Path(__file__).resolve().parent.parent / "review" / "web" / "templates"
EVIL = "https://evil.example"


@pytest.fixture
def client(settings: Settings, session: Session) -> Iterator[TestClient]:
    add_people(session)
    flagged_item(session)
    session.commit()
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def assert_secured(headers: object, what: str) -> None:
    get = headers.get  # type: ignore[attr-defined]
    policy = get("content-security-policy") or ""
    directives = {part.strip() for part in policy.split(";")}
    assert {
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    } <= directives, what
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, what
    assert get("x-frame-options") == "DENY", what
    assert get("x-content-type-options") == "nosniff", what
    assert get("referrer-policy") in ("same-origin", "no-referrer"), what


def test_every_kind_of_answer_carries_the_headers(client: TestClient, session: Session) -> None:
    token = create_token(session, "ed", "cms", actor="admin").token
    session.commit()
    answers = {
        "sign-in page": client.get("/login"),
        "redirect to sign in": client.get("/queue", follow_redirects=False),
        "static file": client.get("/static/app.js"),
        "API without a token": client.get("/api/v1/snippets"),
        "API with a token": client.get(
            "/api/v1/snippets", headers={"Authorization": f"Bearer {token}"}
        ),
        "missing CSRF token": client.post("/login", data={"username": "x", "password": "y"}),
    }
    csrf = sign_in(client, "rev1")
    answers |= {
        "queue page": client.get("/queue"),
        "item page": client.get("/items/1"),
        "not found": client.get("/items/999"),
        "decision": client.post(
            "/items/1/decide",
            data={"csrf_token": csrf, "decision": "accurate"},
            follow_redirects=False,
        ),
        "forbidden page": client.get("/snippets"),
    }
    for what, answer in answers.items():
        assert_secured(answer.headers, what)
    assert answers["not found"].status_code == 404


def test_the_pages_need_no_inline_script_or_style() -> None:
    for template in TEMPLATES.glob("*.html"):
        html = template.read_text(encoding="utf-8")
        inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html)
        assert inline_scripts == [], template.name
        assert not re.search(r"\son[a-z]+\s*=", html), f"{template.name}: inline handler"
        assert not re.search(r"\sstyle\s*=", html), f"{template.name}: inline style"
        assert "<style" not in html and "javascript:" not in html, template.name


def post_next(client: TestClient, csrf: str, **headers: str) -> int:
    answer = client.post(
        "/queue/next", data={"csrf_token": csrf}, headers=headers, follow_redirects=False
    )
    return answer.status_code


def test_a_post_from_another_site_is_refused(client: TestClient) -> None:
    csrf = sign_in(client, "rev1")
    assert post_next(client, csrf, origin=EVIL) == 403
    assert post_next(client, csrf, origin="null") == 403
    assert post_next(client, csrf, origin="http://testserver.evil.example") == 403
    assert post_next(client, csrf, origin="https://testserver") == 403  # another scheme
    assert post_next(client, csrf, referer=f"{EVIL}/page") == 403
    refused = client.post("/queue/next", data={"csrf_token": csrf}, headers={"origin": EVIL})
    assert "sent from another site" in refused.text
    assert client.get("/queue", headers={"origin": EVIL}).status_code == 200  # reading is fine


def test_same_site_and_header_less_posts_work(client: TestClient, settings: Settings) -> None:
    csrf = sign_in(client, "rev1")
    assert post_next(client, csrf, origin="http://testserver") == 303
    assert post_next(client, csrf, origin="http://TESTSERVER:80") == 303
    assert post_next(client, csrf, referer="http://testserver/items/1") == 303
    assert post_next(client, csrf, origin=settings.public_url) == 303  # behind a proxy
    assert post_next(client, csrf) == 303  # no Origin, no Referer: a script or the CLI
    assert post_next(client, "forged", origin="http://testserver") == 403  # CSRF still checked


def test_signing_in_from_another_site_is_refused(client: TestClient) -> None:
    page = client.get("/login")
    answer = client.post(
        "/login",
        data={"csrf_token": csrf_of(page.text), "username": "rev1", "password": "whatever"},
        headers={"origin": EVIL},
    )
    assert answer.status_code == 403
