"""One nightly run at a time per database, by a lock the database side holds.

PostgreSQL: a session-level advisory lock, taken on a connection kept open for the whole run.
SQLite: an exclusive operating-system lock (``filelock``) on a file beside the database. The server
or the kernel releases either lock when the process dies, so a killed run never leaves a lock
behind and the next run starts without any manual step.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import SQLAlchemyError

from claimwatch.errors import RunInProgressError
from claimwatch.store.db import session_scope
from claimwatch.store.schema import Run

# An arbitrary, fixed 64-bit key: "claimwatch nightly run" for pg_try_advisory_lock.
ADVISORY_KEY = 0x436C_6D57_4E69_6768


def sqlite_lock_path(engine: Engine) -> Path | None:
    """The lock file of a SQLite database file (None for an in-memory database)."""
    database = engine.url.database
    if not database or database == ":memory:":
        return None
    return Path(database).with_name(Path(database).name + ".run-lock")


def _refusal(engine: Engine) -> RunInProgressError:
    """The error for a run that found the lock taken, naming the run that holds it if known."""
    holder = ""
    try:
        with session_scope(engine) as session:
            run = session.scalar(
                select(Run).where(Run.status == "running").order_by(Run.id.desc()).limit(1)
            )
            if run is not None:
                started = run.started_at.isoformat(timespec="seconds")
                holder = f" (run #{run.id}, started {started} on {run.host or '?'}, pid {run.pid})"
    except SQLAlchemyError:  # a database not migrated yet: say what is known
        pass
    return RunInProgressError(
        f"another nightly run is working on this database{holder}; this one did not start. "
        "Wait for it to finish (a killed run frees the lock at once)."
    )


@contextmanager
def _postgres_lock(engine: Engine) -> Iterator[None]:
    with engine.connect() as connection:
        taken = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY})
        connection.commit()
        if not taken.scalar():
            raise _refusal(engine)
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
            connection.commit()


@contextmanager
def _sqlite_lock(engine: Engine, path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path, blocking=False, thread_local=False, fallback_to_soft=False)
    try:
        lock.acquire()
    except Timeout as exc:
        raise _refusal(engine) from exc
    try:
        yield
    finally:
        lock.release()


@contextmanager
def run_lock(engine: Engine) -> Iterator[None]:
    """Hold the run lock of ``engine``'s database for the block, or raise RunInProgressError at
    once when another process holds it."""
    if engine.dialect.name == "postgresql":
        with _postgres_lock(engine):
            yield
        return
    path = sqlite_lock_path(engine)
    if path is None:
        yield
        return
    with _sqlite_lock(engine, path):
        yield
