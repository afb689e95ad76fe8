"""The web app answers only after it has committed: over real HTTP (uvicorn on 127.0.0.1), with
every COMMIT slowed down, each write a reviewer or editor makes is already in the database when
the answer arrives, on SQLite and on PostgreSQL; "next item" right after a decision never hands
back the decided item; a commit the database refuses answers an error, not a success; and every
route gets its database session from the dependency that commits before responding."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from claimwatch.rebuttals.editing import create_snippet
from claimwatch.settings import Settings, load_settings
from claimwatch.store.db import make_engine, session_scope
from claimwatch.store.migrate import upgrade
from claimwatch.web import api, create_app, library_pages, login, pages
from claimwatch.web.deps import db_session
from tests.factories import flagged_item
from tests.web_helpers import add_people, live_server, sign_in, slow_commits

SLOW_COMMIT_S = 0.2
DRAFT = {
    "key": "asean-exit/en-new",
    "narrative": "asean-exit",
    "language": "en",
    "title": "Still a member",
    "text": "Vietnam took part in the 47th ASEAN Summit in October 2025.",
    "sources": [
        {"url": "https://asean.org/summit", "publisher": "ASEAN", "title": "Chairman's statement"}
    ],
}


@dataclass
class Desk:
    """A web app over a database with people and four open items, and an engine to look at
    that database from outside the app."""

    app: FastAPI
    database: Engine
    items: list[int]

    def read(self, query: str, **params: object) -> object:
        with self.database.connect() as connection:
            return connection.execute(text(query), params).scalar()


def make_desk(settings: Settings, database: Engine) -> Desk:
    with session_scope(database) as session:
        add_people(session)
        items = [flagged_item(session, priority=0.9 - n / 10).id for n in range(4)]
        create_snippet(session, DRAFT, actor="ed")
    return Desk(create_app(settings), database, items)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def desk(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Desk]:
    if request.param == "sqlite":
        chosen = settings
    else:
        url = request.getfixturevalue("postgres_url")
        chosen = load_settings(database_url=url)
    database = make_engine(chosen.resolved_database_url)
    upgrade(database)
    yield make_desk(chosen, database)
    database.dispose()


def test_every_write_is_saved_before_its_answer_arrives(desk: Desk) -> None:
    first, second, third, _ = desk.items
    engine = desk.app.state.engine
    with live_server(desk.app) as base, httpx.Client(base_url=base, timeout=30) as client:
        token = sign_in(client, "ed")
        with slow_commits(engine, SLOW_COMMIT_S):
            decided = client.post(
                f"/items/{first}/decide", data={"csrf_token": token, "decision": "misleading"}
            )
            assert decided.status_code == 303
            saved = desk.read("SELECT decision FROM queue_item WHERE id = :i", i=first)
            assert saved == "misleading", "the answer came before the decision was saved"

            assert client.post("/undo", data={"csrf_token": token}).status_code == 303
            assert desk.read("SELECT decision FROM queue_item WHERE id = :i", i=first) is None

            bulk = {"csrf_token": token, "action": "out_of_scope", "ids": [second, third]}
            assert client.post("/queue/bulk", data=bulk).status_code == 303
            dismissed = desk.read("SELECT COUNT(*) FROM queue_item WHERE decision = 'out_of_scope'")
            assert dismissed == 2

            snippet = desk.read("SELECT id FROM snippet WHERE key = 'asean-exit/en-new'")
            vetted = client.post(f"/snippets/{snippet}/vet", data={"csrf_token": token})
            assert vetted.status_code == 303
            status = desk.read("SELECT status FROM snippet WHERE id = :i", i=snippet)
            assert status == "vetted"

            assert client.post("/logout", data={"csrf_token": token}).status_code == 303
            assert desk.read("SELECT COUNT(*) FROM web_session") == 0
            sign_in(client, "rev1")
            assert desk.read("SELECT COUNT(*) FROM web_session") == 1


def test_next_right_after_a_decision_is_another_item(desk: Desk) -> None:
    engine = desk.app.state.engine
    with live_server(desk.app) as base, httpx.Client(base_url=base, timeout=30) as client:
        token = sign_in(client, "rev1")
        with slow_commits(engine, SLOW_COMMIT_S):
            for _ in range(2):
                taken = client.post("/queue/next", data={"csrf_token": token})
                item = taken.headers["location"]
                decided = client.post(
                    f"{item}/decide", data={"csrf_token": token, "decision": "accurate"}
                )
                assert decided.status_code == 303
                following = client.post("/queue/next", data={"csrf_token": token})
                assert following.headers["location"] != item
                release = following.headers["location"] + "/release"
                assert client.post(release, data={"csrf_token": token}).status_code == 303


REFUSE_AT_COMMIT = """
CREATE FUNCTION refuse_marked_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.decision_note = 'refused at commit' THEN
        RAISE EXCEPTION 'the database refused this decision at commit';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER refuse_marked_note AFTER UPDATE ON queue_item
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_marked_note();
"""


@pytest.mark.postgres
def test_a_commit_the_database_refuses_answers_an_error(postgres_url: str) -> None:
    settings = load_settings(database_url=postgres_url)
    database = make_engine(postgres_url)
    try:
        upgrade(database)
        desk = make_desk(settings, database)
        with database.begin() as connection:
            connection.execute(text(REFUSE_AT_COMMIT))
        item = desk.items[0]
        with TestClient(desk.app) as client:
            token = sign_in(client, "rev1")
            refused = client.post(
                f"/items/{item}/decide",
                data={"csrf_token": token, "decision": "misleading", "note": "refused at commit"},
                follow_redirects=False,
            )
            assert refused.status_code == 500
            assert "Not saved" in refused.text and f"Item #{item}: misleading" not in refused.text
            assert desk.read("SELECT decision FROM queue_item WHERE id = :i", i=item) is None
            assert desk.read("SELECT COUNT(*) FROM audit_event WHERE action = 'decide'") == 0
            page = client.get(f"/items/{item}").text
            assert f"Item #{item}: misleading" not in page  # the success message was dropped
            kept = client.post(
                f"/items/{item}/decide",
                data={"csrf_token": token, "decision": "misleading", "note": "fine"},
            )
            assert f"Item #{item}: misleading" in kept.text
            assert desk.read("SELECT decision FROM queue_item WHERE id = :i", i=item) == (
                "misleading"
            )
    finally:
        database.dispose()


def _session_dependencies(route: APIRoute) -> list[str | None]:
    """The scope of every dependency on ``db_session`` in the route's dependency tree."""
    found: list[str | None] = []
    pending = list(route.dependant.dependencies)
    while pending:
        dependant = pending.pop()
        if dependant.call is db_session:
            found.append(dependant.scope)
        pending += dependant.dependencies
    return found


def test_every_route_commits_before_it_answers(settings: Settings) -> None:
    app = create_app(settings)
    routers = (api.router, login.router, pages.router, library_pages.router)
    routes = [
        route
        for route in [*app.routes, *(r for router in routers for r in router.routes)]
        if isinstance(route, APIRoute)
    ]
    writes = [route for route in routes if route.methods & {"POST", "PUT", "PATCH", "DELETE"}]
    assert len(writes) >= 10
    for route in routes:
        scopes = _session_dependencies(route)
        assert set(scopes) <= {"function"}, f"{route.path} commits after answering"
    for route in writes:
        assert _session_dependencies(route), f"{route.path} writes without the request's session"


def test_one_session_per_request(settings: Settings, engine: Engine) -> None:
    """Sign-in checks and the handler share one transaction (no second session per request)."""
    desk = make_desk(settings, engine)
    began: list[int] = []

    def count(session: Session, _transaction: object, _connection: object) -> None:
        began.append(id(session))

    with TestClient(desk.app) as client:
        sign_in(client, "rev1")
        event.listen(Session, "after_begin", count)
        try:
            assert client.get(f"/items/{desk.items[0]}").status_code == 200
        finally:
            event.remove(Session, "after_begin", count)
    assert len(set(began)) == 1
