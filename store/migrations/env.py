"""Alembic environment: runs migrations on the engine handed over in the config."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from claimwatch.store.schema import Base

engine = context.config.attributes["engine"]
assert isinstance(engine, Engine)

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=engine.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
