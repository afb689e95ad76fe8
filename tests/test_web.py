"""The web app through HTTP: signing in, roles, CSRF, escaping of crawled text, the queue and its
filters, next item, decisions with undo and history, bulk actions, the editors' pages, and the
published OpenAPI schema."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from claimwatch.rebuttals.editing import get_snippet
from claimwatch.settings import REPO_ROOT, Settings
from claimwatch.store.schema import QueueItem
from claimwatch.web import create_app
from tests.factories import ALLIANCE, Occurrence, flagged_item
from tests.web_helpers import add_people, csrf_of, sign_in

HOSTILE = "Vietnam <script>alert('x')</script> joined NATO & <b>left</b> ASEAN"


@pytest.fixture
def items(session: Session) -> list[int]:
    add_people(session)
    made = [
        flagged_item(session, priority=0.9).id,
        flagged_item(
            session, [Occurrence("wire", "en", HOSTILE, ALLIANCE[0].published)], priority=0.5
        ).id,
        flagged_item(
            session,
            [ALLIANCE[2]],
            narrative="asean-exit",
            snippet_keys=("asean-exit/vi",),
            priority=0.3,
        ).id,
    ]
    session.commit()
    return made


@pytest.fixture
def app_client(settings: Settings, items: list[int]) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def other_client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings))


def test_every_page_needs_a_session(app_client: TestClient) -> None:
    for path in ("/queue", "/items/1", "/snippets", "/snippets/1", "/openapi.json"):
        answer = app_client.get(path, follow_redirects=False)
        assert answer.status_code in (303, 401), path
    assert app_client.get("/queue", follow_redirects=False).headers["location"] == (
        "/login?next=/queue"
    )
    assert app_client.post("/queue/next", follow_redirects=False).status_code in (303, 403)


def test_sign_in_roles_and_wrong_passwords(app_client: TestClient) -> None:
    page = app_client.get("/login")
    wrong = app_client.post(
        "/login",
        data={"csrf_token": csrf_of(page.text), "username": "rev1", "password": "nope"},
    )
    assert wrong.status_code == 401 and "wrong username or password" in wrong.text
    sign_in(app_client, "rev1")
    assert app_client.get("/queue").status_code == 200
    assert app_client.get("/snippets").status_code == 403  # reviewers do not edit the library
    sign_in(app_client, "ed")
    assert app_client.get("/snippets").status_code == 200


def test_forms_need_the_csrf_token(app_client: TestClient) -> None:
    token = sign_in(app_client, "rev1")
    assert app_client.post("/queue/next", follow_redirects=False).status_code == 403
    assert app_client.post("/queue/next", data={"csrf_token": "forged"}).status_code == 403
    answer = app_client.post("/queue/next", data={"csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/items/")


def test_crawled_text_is_shown_as_text(app_client: TestClient, items: list[int]) -> None:
    sign_in(app_client, "rev1")
    for path in ("/queue", f"/items/{items[1]}"):
        html = app_client.get(path).text
        assert "<script>alert" not in html and "<b>left</b>" not in html
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def test_queue_filters_search_and_counts(app_client: TestClient, items: list[int]) -> None:
    sign_in(app_client, "rev1")

    def shown(**params: str) -> set[int]:
        html = app_client.get("/queue", params=params).text
        return {i for i in items if f'href="/items/{i}"' in html}

    assert shown() == set(items)
    assert 'data-status="new">3' in app_client.get("/queue").text
    assert shown(lang="fr") == {items[0]}
    assert shown(narrative="asean-exit") == {items[2]}
    assert shown(source="wire") == {items[1]}
    assert shown(q="NATO left") == {items[1]}
    assert shown(q="100%_") == set()
    assert shown(since="2030-01-01") == set()
    assert "is not a date" in app_client.get("/queue", params={"since": "soon"}).text


def test_decide_with_snippets_undo_and_history(
    app_client: TestClient, items: list[int], session: Session
) -> None:
    token = sign_in(app_client, "rev1")
    item = items[0]
    snippet = get_snippet(session, "military-alliance/en").id
    answer = app_client.post(
        f"/items/{item}/decide",
        data={"csrf_token": token, "decision": "misleading", "note": "classic", "snippet": snippet},
    )
    assert "Item #1: misleading" in answer.text
    session.expire_all()
    decided = session.get_one(QueueItem, item)
    assert (decided.decision, decided.decided_by, decided.decision_note) == (
        "misleading",
        "rev1",
        "classic",
    )
    assert [s.snippet_id for s in decided.suggestions if s.chosen] == [snippet]
    undone = app_client.post("/undo", data={"csrf_token": token})
    assert "was undone" in undone.text
    session.expire_all()
    assert session.get_one(QueueItem, item).decision is None
    assert "has no decision to undo" in app_client.post("/undo", data={"csrf_token": token}).text
    history = app_client.get(f"/items/{item}").text.split("<h2>History</h2>")[1]
    assert history.count("<td>rev1</td>") == 2 and "<td>decide</td>" in history
    assert "<td>undo</td>" in history and '"decision": "misleading"' in history
    bad = app_client.post(f"/items/{item}/decide", data={"csrf_token": token, "decision": "maybe"})
    assert "unknown decision" in bad.text


def test_two_reviewers_never_get_the_same_item(settings: Settings, app_client: TestClient) -> None:
    other = other_client(settings)
    first_token = sign_in(app_client, "rev1")
    second_token = sign_in(other, "rev2")
    first = app_client.post("/queue/next", data={"csrf_token": first_token}, follow_redirects=False)
    second = other.post("/queue/next", data={"csrf_token": second_token}, follow_redirects=False)
    assert first.headers["location"] != second.headers["location"]
    taken = first.headers["location"].rsplit("/", 1)[1]
    blocked = other.post(
        f"/items/{taken}/decide", data={"csrf_token": second_token, "decision": "accurate"}
    )
    assert "is being reviewed by rev1" in blocked.text


def test_bulk_dismiss_and_assign(
    app_client: TestClient, items: list[int], session: Session
) -> None:
    token = sign_in(app_client, "rev1")
    answer = app_client.post(
        "/queue/bulk",
        data={
            "csrf_token": token,
            "action": "out_of_scope",
            "scope": "selected",
            "ids": [items[2]],
        },
    )
    assert "1 item(s) dismissed as out of scope" in answer.text
    answer = app_client.post(
        "/queue/bulk",
        data={
            "csrf_token": token,
            "action": "assign",
            "assignee": "rev2",
            "scope": "matching",
            "status": "new",
            "lang": "en",
        },
    )
    assert "2 item(s) assigned to rev2" in answer.text
    session.expire_all()
    rows = session.execute(select(QueueItem.id, QueueItem.decision, QueueItem.assigned_to)).all()
    assert sorted(rows) == [
        (items[0], None, "rev2"),
        (items[1], None, "rev2"),
        (items[2], "out_of_scope", None),
    ]
    nothing = app_client.post("/queue/next", data={"csrf_token": token})
    assert "Nothing left to review" in nothing.text  # the rest is rev2's


def test_editors_create_vet_edit_retire_and_translate(
    app_client: TestClient, session: Session
) -> None:
    token = sign_in(app_client, "ed")
    form = {
        "csrf_token": token,
        "key": "asean-exit/en-3",
        "narrative": "asean-exit",
        "language": "en",
        "title": "Still a member",
        "text": "Vietnam took part in the 47th ASEAN Summit in October 2025.",
        "sources": "https://asean.org/summit | ASEAN Secretariat | Chairman's statement | 2025-10-28",
    }
    bad = app_client.post("/snippets/new", data={**form, "sources": "ftp://x | a | b"})
    assert bad.status_code == 400 and "source URL must be http(s)" in bad.text
    created = app_client.post("/snippets/new", data=form)
    assert "Draft asean-exit/en-3 created" in created.text
    snippet_id = get_snippet(session, "asean-exit/en-3").id
    vetted = app_client.post(f"/snippets/{snippet_id}/vet", data={"csrf_token": token})
    assert "asean-exit/en-3: vetted" in vetted.text
    edited = app_client.post(
        f"/snippets/{snippet_id}/edit",
        data={
            **form,
            "text": "Vietnam attended the 47th ASEAN Summit in Kuala Lumpur in October 2025.",
        },
    )
    assert "saved (version 3)" in edited.text and "Draft: not offered" in edited.text
    translated = app_client.post(
        f"/snippets/{snippet_id}/translate",
        data={
            "csrf_token": token,
            "language": "vi",
            "title": "Vẫn là thành viên",
            "text": "Việt Nam dự Hội nghị Cấp cao ASEAN 47 vào tháng 10/2025.",
        },
    )
    assert "Draft translation asean-exit/vi-3 created" in translated.text
    retired = app_client.post(f"/snippets/{snippet_id}/retire", data={"csrf_token": token})
    assert "asean-exit/en-3: retired" in retired.text
    page = app_client.get(f"/snippets/{snippet_id}").text
    assert page.count("<td>ed</td>") == 4  # create, vet, edit, retire


def test_the_published_openapi_schema_is_the_apps(app_client: TestClient, session: Session) -> None:
    sign_in(app_client, "rev1")
    served = app_client.get("/openapi.json").json()
    published = json.loads((REPO_ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert served == published, "regenerate docs/openapi.json (claimwatch openapi)"
    assert all(path.startswith("/api/v1/") for path in served["paths"])


def test_the_emerging_lane_is_filtered_shown_and_promoted_by_an_editor(
    app_client: TestClient, settings: Settings, session: Session
) -> None:
    japan = [
        Occurrence(
            "hanoi-ledger", "en", "Japan has cancelled all aid to Vietnam.", ALLIANCE[0].published
        ),
        Occurrence(
            "courrier-mekong",
            "fr",
            "Le Japon a annulé toute son aide au Vietnam.",
            ALLIANCE[1].published,
        ),
    ]
    emerging = flagged_item(session, japan, narrative=None, snippet_keys=(), priority=0.4).id
    session.commit()
    reviewer = other_client(settings)
    reviewer_csrf = sign_in(reviewer, "rev1")
    page = reviewer.get("/queue?lane=emerging").text
    assert "Japan has cancelled" in page and "secret military alliance" not in page
    assert "Promote to narrative" not in reviewer.get(f"/items/{emerging}").text
    refused = reviewer.post(
        f"/items/{emerging}/promote",
        data={"csrf_token": reviewer_csrf, "slug": "japan-aid-cut", "title": "Japan cut aid"},
        follow_redirects=False,
    )
    assert refused.status_code == 403

    token = sign_in(app_client, "ed")
    item_page = app_client.get(f"/items/{emerging}").text
    assert "Promote to narrative" in item_page and "en: Japan has cancelled" in item_page
    promoted = app_client.post(
        f"/items/{emerging}/promote",
        data={
            "csrf_token": token,
            "slug": "japan-aid-cut",
            "title": "Japan cut its aid",
            "phrasings": "en: Japan has cancelled all aid to Vietnam.\nvi: Nhật Bản đã hủy viện trợ.",
        },
        follow_redirects=False,
    )
    assert promoted.status_code == 303
    after = app_client.get(f"/items/{emerging}").text
    assert "Promoted to the narrative" in after and "japan-aid-cut" in after
    assert app_client.get("/queue?lane=emerging").text.count("Japan has cancelled") == 0
    undone = app_client.post(
        f"/items/{emerging}/unpromote", data={"csrf_token": token}, follow_redirects=False
    )
    assert undone.status_code == 303
    assert "Japan has cancelled" in app_client.get("/queue?lane=emerging").text
