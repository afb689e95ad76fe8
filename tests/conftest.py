"""Shared fixtures: an isolated data directory per test, a migrated database, the real embedding
model (built once), the demo corpus served on 127.0.0.1, and Prefect's test harness."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

# Before anything imports Prefect or transformers: no network, no shared state with the user.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="claimwatch-prefect-"))
from claimwatch.prefect_env import configure_prefect

configure_prefect(quiet=True)

from claimwatch.demo.server import RunningServer, corpus_root, serve_directory  # noqa: E402
from claimwatch.models import Embedder, enforce_offline  # noqa: E402
from claimwatch.pipeline.centring import LanguageCentring, language_centring  # noqa: E402
from claimwatch.pipeline.classify import SentenceHeads, load_heads  # noqa: E402
from claimwatch.resources import open_embedder  # noqa: E402
from claimwatch.settings import Settings, load_settings  # noqa: E402
from claimwatch.store.db import make_engine, session_scope  # noqa: E402
from claimwatch.store.migrate import upgrade  # noqa: E402

enforce_offline()
# The model is built once (by setup.sh, or here) and shared by every test; data is per test.
MODELS_DIR = Settings().resolved_models_dir
os.environ["CLAIMWATCH_MODELS_DIR"] = str(MODELS_DIR)

POSTGRES_URL = os.environ.get(
    "CLAIMWATCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "data"
    monkeypatch.setenv("CLAIMWATCH_DATA_DIR", str(directory))
    return directory


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return load_settings()


DESK = "https://desk.example"


@pytest.fixture
def public_desk(monkeypatch: pytest.MonkeyPatch) -> None:
    """A desk whose web app and site have public addresses (the defaults are loopback, which a
    ClaimReview refuses)."""
    monkeypatch.setenv("CLAIMWATCH_PUBLIC_URL", DESK)
    monkeypatch.setenv("CLAIMWATCH_PUBLISHER_URL", DESK)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_scope(engine) as session:
        yield session


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return open_embedder(
        load_settings(data_dir=Path(tempfile.mkdtemp(prefix="claimwatch-model-test-")))
    )


@pytest.fixture(scope="session")
def heads(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> SentenceHeads:
    """The topic and check-worthiness heads, trained once on the bundled seed sentences."""
    directory = tmp_path_factory.mktemp("heads")
    return load_heads(embedder, directory / "heads", cache_dir=directory / "cache")


@pytest.fixture(scope="session")
def centring(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> LanguageCentring:
    """The language centring a run uses, measured once."""
    return language_centring(embedder, tmp_path_factory.mktemp("centring"))


@pytest.fixture(scope="session")
def corpus_server() -> Iterator[RunningServer]:
    with serve_directory(corpus_root()) as server:
        yield server


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test (skipped where no server runs)."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"claimwatch_test_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server here: say so, do not fake one
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {type(exc).__name__}")
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
