"""The HTTP API: nothing without a valid token, editors pull what the command line pulls (JSON,
CSV, Markdown, ClaimReview) with the same filters, and the OpenAPI schema lists every route."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from claimwatch.rebuttals.library import load_seed
from claimwatch.review.auth import create_token, create_user, revoke_token
from claimwatch.review.queue import decide
from claimwatch.settings import Settings
from claimwatch.web import create_app
from tests.factories import flagged_item


@pytest.fixture
def client(settings: Settings, session: Session) -> Iterator[TestClient]:
    load_seed(session)
    session.commit()
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def token(session: Session) -> str:
    create_user(session, "ed", "editor", actor="admin")
    token = create_token(session, "ed", "pull", actor="admin").token
    session.commit()
    return token


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_no_token_no_answer(client: TestClient, token: str, session: Session) -> None:
    for path in ("/api/v1/snippets", "/api/v1/snippets/asean-exit/en", "/api/v1/items/1/draft"):
        response = client.get(path)
        assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
        assert client.get(path, headers=auth("cw_wrong")).status_code == 401
    revoke_token(session, 1, actor="admin")
    session.commit()
    assert client.get("/api/v1/snippets", headers=auth(token)).status_code == 401


def test_pull_filters_and_formats(client: TestClient, token: str) -> None:
    answer = client.get("/api/v1/snippets", params={"lang": "fr"}, headers=auth(token))
    assert answer.status_code == 200 and answer.headers["x-count"] == "5"
    document = answer.json()
    assert document["format"] == "claimwatch-library/1"
    assert {s["language"] for s in document["snippets"]} == {"fr"}
    assert all(s["status"] == "vetted" and s["sources"] for s in document["snippets"])
    drafts = client.get(
        "/api/v1/snippets",
        params={"status": "draft", "narrative": "asean-exit", "format": "md"},
        headers=auth(token),
    )
    assert drafts.headers["content-type"].startswith("text/markdown")
    assert "**DRAFT" in drafts.text and drafts.headers["x-count"] == "1"
    as_csv = client.get("/api/v1/snippets", params={"format": "csv"}, headers=auth(token))
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len({r["key"] for r in rows}) == 15 and all(r["source_url"] for r in rows)
    later = client.get(
        "/api/v1/snippets", params={"updated_since": "2999-01-01"}, headers=auth(token)
    )
    assert later.headers["x-count"] == "0"
    bad = client.get("/api/v1/snippets", params={"format": "pdf"}, headers=auth(token))
    assert bad.status_code == 400 and "format must be one of" in bad.json()["detail"]


@pytest.mark.usefixtures("public_desk")
def test_snippet_history_draft_and_claimreview(
    client: TestClient, token: str, session: Session
) -> None:
    one = client.get("/api/v1/snippets/asean-exit/vi", headers=auth(token)).json()
    assert one["key"] == "asean-exit/vi" and one["version"] == 1
    history = client.get("/api/v1/snippets/asean-exit/vi/history", headers=auth(token)).json()
    assert [v["action"] for v in history] == ["import"]
    assert client.get("/api/v1/snippets/nope/xx", headers=auth(token)).status_code == 404
    item = flagged_item(session)
    session.commit()
    draft = client.get(f"/api/v1/items/{item.id}/draft", headers=auth(token)).json()
    assert draft["status"] == "draft" and draft["markdown"].startswith("> DRAFT")
    assert (
        client.get(f"/api/v1/items/{item.id}/claimreview", headers=auth(token)).status_code == 400
    )
    decide(session, item.id, "misleading", actor="rev")
    session.commit()
    review = client.get(f"/api/v1/items/{item.id}/claimreview", headers=auth(token))
    assert review.headers["content-type"] == "application/ld+json"
    assert review.json()["reviewRating"]["alternateName"] == "Misleading"
    pulled = client.get("/api/v1/snippets", params={"format": "claimreview"}, headers=auth(token))
    assert [r["claimReviewed"] for r in json.loads(pulled.text)] == [review.json()["claimReviewed"]]
    assert client.get("/api/v1/items/999/draft", headers=auth(token)).status_code == 404


def test_openapi_lists_every_route_with_bearer_auth(client: TestClient, token: str) -> None:
    assert client.get("/openapi.json").status_code == 401
    schema = client.get("/openapi.json", headers=auth(token)).json()
    assert {
        "/api/v1/snippets",
        "/api/v1/snippets/{key}",
        "/api/v1/snippets/{key}/history",
        "/api/v1/items/{item_id}/draft",
        "/api/v1/items/{item_id}/claimreview",
    } <= set(schema["paths"])
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
