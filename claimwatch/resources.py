"""What a process opens from its settings, in one place: the database and the embedder.

Lower layers take plain values (an engine, a directory, a device); the commands, the web app
and the flow's steps turn the settings object into those here, so the database URL is resolved
and the model chosen the same way everywhere.
"""

from __future__ import annotations

from sqlalchemy import Engine

from claimwatch.models import Embedder, load_embedder
from claimwatch.rebuttals.claimreview import Publisher
from claimwatch.settings import Settings, load_settings
from claimwatch.store.db import engine_for
from claimwatch.store.migrate import upgrade


def open_database(settings: Settings) -> Engine:
    """The engine of the settings' database (one per URL per process)."""
    return engine_for(settings.resolved_database_url)


def ready_database(settings: Settings | None = None) -> Engine:
    """The settings' database (the environment's when none are given), migrated to the
    current schema first."""
    engine = open_database(settings or load_settings())
    upgrade(engine)
    return engine


def open_embedder(settings: Settings) -> Embedder:
    """The embedder the settings ask for (building the default model first if needed)."""
    return load_embedder(
        settings.resolved_models_dir,
        settings.embedding_model_path,
        device=settings.embed_device,
        batch_size=settings.embed_batch_size,
        threads=settings.torch_threads,
    )


def publisher(settings: Settings) -> Publisher:
    """The desk that publishes the fact-checks, as the settings name it."""
    return Publisher(settings.publisher_name, settings.publisher_url, settings.public_url)
