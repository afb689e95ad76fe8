"""Schema migrations: the migrations build exactly the schema the models declare, on SQLite and on
PostgreSQL, upgrading twice is harmless, and the nightly stages run on PostgreSQL too."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, select

from rebuttals.library import load_seed
from review.queue import SuggestedSnippet, decide, list_items, upsert_item
from store.db import make_engine, session_scope
from store.migrate import current_revision, head_revision, is_current, upgrade
from store.schema import Base, Cluster, Snippet


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
