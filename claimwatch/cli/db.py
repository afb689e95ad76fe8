"""The database the command line works on: migrated to the current schema before first use."""

from __future__ import annotations

from sqlalchemy import Engine

from claimwatch.settings import Settings, load_settings
from store.db import engine_for
from store.migrate import upgrade


def ready_engine(settings: Settings | None = None) -> Engine:
    settings = settings or load_settings()
    engine = engine_for(settings.resolved_database_url)
    upgrade(engine)
    return engine
