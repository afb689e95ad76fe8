"""Nightly runs in child processes, killed with SIGKILL at chosen moments, and a snapshot of what a
database holds, for the tests of run integrity.

A child is ``claimwatch run --no-prefect`` (or with Prefect) over a sources file written for the
test, with its output collected line by line, so a test can kill it when a stage reports it is
done, when the corpus server has answered so many article pages, or when the database shows a
batch analysed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload

from claimwatch.store.db import make_engine, session_scope
from claimwatch.store.schema import Article, Claim, Cluster, QueueItem, Run, Source

FEEDS = {"hanoi-ledger": ("rss.xml", "en"), "courrier-mekong": ("atom.xml", "fr")}


def write_sources(path: Path, base: str, feeds: dict[str, tuple[str, str]] = FEEDS) -> Path:
    """A sources file with the demo outlets' feeds at ``base``, as an operator would write it."""
    blocks = [
        f'[[source]]\nname = "{name}"\nkind = "feed"\nurl = "{base}/{name}/{feed}"\n'
        f'language = "{language}"\n'
        for name, (feed, language) in feeds.items()
    ]
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def run_environment(data_dir: Path, sources: Path, database_url: str | None) -> dict[str, str]:
    env = {
        **os.environ,
        "CLAIMWATCH_DATA_DIR": str(data_dir),
        "CLAIMWATCH_SOURCES_FILE": str(sources),
        "CLAIMWATCH_ALLOW_PRIVATE_HOSTS": "true",
        "CLAIMWATCH_DOWNLOAD_DELAY_S": "0",
        "CLAIMWATCH_ANALYSIS_BATCH_ARTICLES": "3",
        "COLUMNS": "200",
    }
    env.pop("CLAIMWATCH_DATABASE_URL", None)
    if database_url:
        env["CLAIMWATCH_DATABASE_URL"] = database_url
    return env


@dataclass
class Child:
    """A running ``claimwatch run`` and the lines it has printed so far."""

    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)

    def printed(self, text: str) -> bool:
        return any(text in line for line in list(self.lines))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)


def start_run(env: dict[str, str], *, prefect: bool = False) -> Child:
    command = [sys.executable, "-c", "from claimwatch.cli import main; main()", "run"]
    if not prefect:
        command.append("--no-prefect")
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a scheduler would start it
    )
    child = Child(process)

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            child.lines.append(line.rstrip("\n"))

    threading.Thread(target=read, daemon=True).start()
    return child


def finish(child: Child, timeout_s: float = 300) -> int:
    """Wait for the run to end by itself; its exit code."""
    code = child.process.wait(timeout=timeout_s)
    time.sleep(0.1)  # the reader thread takes the last lines
    return code


def kill_when(child: Child, condition: Callable[[], bool], timeout_s: float = 300) -> None:
    """SIGKILL the run (only its main process, as the kernel's OOM killer or ``kill -9`` would)
    as soon as ``condition`` holds; fail if the run ends first."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            os.kill(child.process.pid, signal.SIGKILL)
            child.process.wait(timeout=30)
            return
        if child.process.poll() is not None:
            raise AssertionError(f"the run ended before the kill point:\n{child.output}")
        time.sleep(0.01)
    child.process.kill()
    raise AssertionError(f"the kill point was not reached in {timeout_s} s:\n{child.output}")


def analysed_articles(database_url: str) -> Callable[[], int]:
    engine = make_engine(database_url)

    def count() -> int:
        try:
            with session_scope(engine) as session:
                query = select(func.count()).where(Article.analysed_at.is_not(None))
                return int(session.scalar(query.select_from(Article)) or 0)
        except SQLAlchemyError:  # the run has not created the schema yet
            return 0

    return count


def snapshot(database_url: str, base: str) -> dict[str, Any]:
    """What a database holds, by content (never by row id): articles, claims, clusters as sets
    of claims, queue items, feed validators, and how often each claim is stored."""
    engine = make_engine(database_url)

    def where(claim: Claim) -> tuple[str, int]:
        return (claim.article.url.removeprefix(base), claim.position)

    with session_scope(engine) as session:
        articles = sorted(
            (a.url.removeprefix(base), a.content_hash) for a in session.scalars(select(Article))
        )
        claims = list(session.scalars(select(Claim).options(selectinload(Claim.article))))
        clusters = session.scalars(
            select(Cluster).options(selectinload(Cluster.claims).selectinload(Claim.article))
        )
        items = session.scalars(
            select(QueueItem).options(
                selectinload(QueueItem.narrative),
                selectinload(QueueItem.cluster)
                .selectinload(Cluster.claims)
                .selectinload(Claim.article),
            )
        )
        result = {
            "articles": articles,
            "unanalysed": session.scalar(
                select(func.count()).select_from(Article).where(Article.analysed_at.is_(None))
            ),
            "claims": sorted((*where(c), c.text, c.removed_at is None) for c in claims),
            "clusters": sorted(sorted(where(c) for c in cluster.claims) for cluster in clusters),
            "queue": sorted(
                (
                    item.narrative.slug if item.narrative else "",
                    sorted(where(c) for c in item.cluster.claims),
                )
                for item in items
            ),
            "validators": sorted(
                (s.name, s.etag, s.last_modified) for s in session.scalars(select(Source))
            ),
        }
        copies = Counter((c.article.url, c.text) for c in claims)
        result["claims_stored_twice"] = sorted(k for k, n in copies.items() if n > 1)
        result["runs"] = [r.status for r in session.scalars(select(Run).order_by(Run.id))]
    engine.dispose()
    return result
