"""Schema migrations: the migrations build exactly the schema the models declare, on SQLite and on
PostgreSQL, upgrading twice is harmless, and the nightly stages run on PostgreSQL too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, select, text

from claimwatch.rebuttals.library import load_seed
from claimwatch.review.queue import SuggestedSnippet, decide, list_items, upsert_item
from claimwatch.settings import Settings
from claimwatch.store.db import make_engine, session_scope
from claimwatch.store.migrate import current_revision, head_revision, is_current, upgrade
from claimwatch.store.schema import Base, Cluster, Snippet


def schema_difference(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


def test_sqlite_migrations_match_the_models(engine: Engine) -> None:
    assert is_current(engine) and current_revision(engine) == head_revision(engine)
    assert schema_difference(engine) == []
    upgrade(engine)  # a second upgrade is a no-op
    assert "queue_item" in inspect(engine).get_table_names()


def test_postgres_migrations_match_the_models_and_store_work(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        upgrade(engine)
        assert is_current(engine)
        assert schema_difference(engine) == []
        with session_scope(engine) as session:
            assert load_seed(session)["snippets"] >= 15
            cluster = Cluster(outlets=["a"], languages=["vi"], occurrences=1)
            session.add(cluster)
            session.flush()
            snippet_id = session.scalars(
                select(Snippet.id).where(Snippet.status == "vetted")
            ).first()
            assert snippet_id is not None
            upsert_item(
                session,
                cluster=cluster,
                flag_score=0.9,
                priority=0.9,
                explanation={"claim": "Việt Nam"},
                model_version="m",
                narrative_id=None,
                suggestions=[SuggestedSnippet(snippet_id, 0.9)],
            )
        with session_scope(engine) as session:
            item = list_items(session)[0]
            decide(session, item.id, "accurate", actor="desk")
        with session_scope(engine) as session:
            item = list_items(session, status="decided")[0]
            assert item.explanation == {"claim": "Việt Nam"} and item.decision == "accurate"
    finally:
        engine.dispose()


def test_upgrading_a_database_with_items_fills_in_their_claims(engine_at_0003: Engine) -> None:
    upgrade(engine_at_0003)
    with engine_at_0003.connect() as connection:
        rows = connection.execute(
            text("SELECT claim_text, claim_language, assigned_to FROM queue_item")
        ).all()
        versions = connection.execute(text("SELECT COUNT(*) FROM snippet_version")).scalar()
    assert rows == [("Vietnam will leave ASEAN.", "en", None)]
    assert versions == 0
    assert schema_difference(engine_at_0003) == []


@pytest.fixture
def engine_at_0003(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine, "0003")
    statements = [
        "INSERT INTO source (id, name, kind, url, consecutive_failures, created_at)"
        " VALUES (1, 's', 'feed', 'https://s.example/rss', 0, '2026-11-01 00:00:00')",
        "INSERT INTO article (id, source_id, url, content_hash, text, language, fetched_at,"
        " revision) VALUES (1, 1, 'https://s.example/a', 'h', 'x', 'en', '2026-11-01 00:00:00', 1)",
        "INSERT INTO cluster (id, occurrences, outlets, languages, first_seen, last_seen)"
        " VALUES (1, 1, '[\"s\"]', '[\"en\"]', '2026-11-01 00:00:00', '2026-11-01 00:00:00')",
        "INSERT INTO claim (id, article_id, position, text, language, checkworthiness,"
        " cluster_id, created_at) VALUES (1, 1, 0, 'Vietnam will leave ASEAN.', 'en', 0.9, 1,"
        " '2026-11-01 00:00:00')",
        "INSERT INTO queue_item (id, cluster_id, status, priority, flag_score, explanation,"
        " model_version, created_at, updated_at) VALUES (1, 1, 'new', 0.9, 0.9,"
        " '{\"claim\": \"Vietnam will leave ASEAN.\"}', 'm', '2026-11-01 00:00:00',"
        " '2026-11-01 00:00:00')",
    ]
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    yield engine
    engine.dispose()
