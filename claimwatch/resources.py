"""What a process opens from its settings, in one place: the data directory, the database, the
embedder and the desk that publishes.

Lower layers take plain values (an engine, a directory, a device); the commands, the web app
and the flow's steps turn the settings object into those here, so the database URL is resolved
and the model chosen the same way everywhere. A setting this install cannot honour (a database
that is not there, a data directory that cannot be written, a GPU torch cannot see) is a
``ConfigError`` naming the setting, one line, never a traceback.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from claimwatch.errors import ConfigError
from claimwatch.models import Embedder, load_embedder
from claimwatch.models.embedder import device_problem
from claimwatch.rebuttals.claimreview import Publisher
from claimwatch.settings import Settings, load_settings
from claimwatch.store.db import engine_for
from claimwatch.store.migrate import upgrade


def writable_data_dir(settings: Settings) -> Path:
    """The data directory, created if needed and checked to take a file."""
    directory = settings.data_dir.resolve()
    probe = directory / f".write-check-{uuid.uuid4().hex}"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"the data directory {directory} cannot be written ({exc.strerror or exc}): "
            "set CLAIMWATCH_DATA_DIR or --data-dir to a folder this user can write"
        ) from None
    return directory


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def open_database(settings: Settings) -> Engine:
    """The engine of the settings' database (one per URL per process)."""
    url = settings.resolved_database_url
    if not settings.database_url:
        writable_data_dir(settings)
    try:
        return engine_for(url)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise ConfigError(
            f"CLAIMWATCH_DATABASE_URL {_safe_url(url)!r} is not a database URL this install can "
            f"open ({exc}); e.g. sqlite:///path/claimwatch.db or postgresql+psycopg://user@host/db"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot create the database {_safe_url(url)}: {exc}") from None


def ready_database(settings: Settings | None = None) -> Engine:
    """The settings' database (the environment's when none are given), migrated to the
    current schema first."""
    settings = settings or load_settings()
    engine = open_database(settings)
    try:
        upgrade(engine)
    except DBAPIError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        raise ConfigError(
            f"cannot open the database {_safe_url(settings.resolved_database_url)}: {reason} "
            "(check CLAIMWATCH_DATABASE_URL and that the server is running)"
        ) from None
    return engine


def open_embedder(settings: Settings) -> Embedder:
    """The embedder the settings ask for (building the default model first if needed)."""
    problem = device_problem(settings.embed_device)
    if problem:
        raise ConfigError(f"CLAIMWATCH_EMBED_DEVICE={settings.embed_device}: {problem}")
    if settings.models_dir is None:
        writable_data_dir(settings)
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
