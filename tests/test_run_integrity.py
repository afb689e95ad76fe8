"""Nightly runs that lose nothing and duplicate nothing when they are killed, and that never
overlap: the chaos test kills a real ``claimwatch run`` process with SIGKILL at every stage
boundary and in the middle of the crawl and of the analysis, one kill after another, then lets a
last run finish and compares the database, by content, with a clean run's over the same corpus.
On SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import psutil
import pytest
from sqlalchemy import select

from claimwatch.demo.server import RunningServer, corpus_root, serve_directory
from claimwatch.errors import RunInProgressError
from claimwatch.flows.lifecycle import end_leftover_processes, record_processes, scratch_dir
from claimwatch.store.db import make_engine, session_scope
from claimwatch.store.runlock import run_lock
from claimwatch.store.schema import Run
from tests.httpserver import serve_routes
from tests.runs import (
    Child,
    analysed_articles,
    finish,
    kill_when,
    run_environment,
    snapshot,
    start_run,
    write_sources,
)

KillPoint = tuple[str, Callable[[Child, RunningServer, str], Callable[[], bool]]]


def _printed(text: str) -> Callable[[Child, RunningServer, str], Callable[[], bool]]:
    return lambda child, _server, _url: lambda: child.printed(text)


def _article_pages_served(count: int) -> Callable[[Child, RunningServer, str], Callable[[], bool]]:
    """Once the run is crawling (its feeds are read), ``count`` article pages served to it (a
    crawl the last killed run left behind may still be fetching for a moment)."""

    def condition(child: Child, server: RunningServer, _url: str) -> Callable[[], bool]:
        crawling_from: list[int] = []

        def served() -> bool:
            if not crawling_from:
                if child.printed("✓ Feeds"):
                    crawling_from.append(len(server.log.paths()))
                return False
            pages = [p for p in server.log.paths()[crawling_from[0] :] if p.endswith(".html")]
            return len(pages) >= count

        return served

    return condition


def _analysed(count: int) -> Callable[[Child, RunningServer, str], Callable[[], bool]]:
    return lambda _child, _server, url: lambda: analysed_articles(url)() >= count


# In order: each run is killed at the next point, so each one resumes what the last one left.
KILL_POINTS: list[KillPoint] = [
    ("after the feeds", _printed("✓ Feeds")),
    ("in the middle of the crawl", _article_pages_served(4)),
    ("after the crawl, in the extraction", _printed("✓ Crawl")),
    ("after the extraction", _printed("✓ Extract")),
    ("in the middle of the analysis (two batches committed)", _analysed(6)),
    ("after the analysis", _printed("✓ Analyse")),
]


@pytest.fixture(scope="module")
def chaos_server() -> Iterator[RunningServer]:
    with serve_directory(corpus_root()) as server:
        yield server


def _database(kind: str, data_dir: Path, request: pytest.FixtureRequest) -> str:
    if kind == "sqlite":
        return f"sqlite:///{data_dir / 'claimwatch.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_runs_killed_at_every_stage_lose_and_duplicate_nothing(
    kind: str, chaos_server: RunningServer, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    base = chaos_server.base_url
    sources = write_sources(tmp_path / "sources.toml", base)
    clean_url = f"sqlite:///{tmp_path / 'clean' / 'claimwatch.db'}"
    clean_env = run_environment(tmp_path / "clean", sources, clean_url)
    assert finish(start_run(clean_env)) == 0
    clean = snapshot(clean_url, base)
    assert clean["queue"], "the corpus must queue something for the comparison to mean much"

    url = _database(kind, tmp_path / "chaos", request)
    env = run_environment(tmp_path / "chaos", sources, url)
    outputs = []
    for name, point in KILL_POINTS:
        child = start_run(env)
        kill_when(child, point(child, chaos_server, url))
        outputs.append(f"--- killed {name}:\n{child.output}")
        assert snapshot(url, base)["claims_stored_twice"] == []
    last = start_run(env)
    assert finish(last) == 0, last.output

    after = snapshot(url, base)
    # The last kill may land after that run closed itself (what follows the analysis is quick).
    killed, story = len(KILL_POINTS) - 1, "\n".join([*outputs, last.output])
    assert after["runs"][:killed] == ["interrupted"] * killed, story
    assert after["runs"][-1] == "completed" and len(after["runs"]) == len(KILL_POINTS) + 1, story
    assert "interrupted" in last.output
    for key in ("articles", "claims", "clusters", "queue", "validators", "unanalysed"):
        assert after[key] == clean[key], key
    assert after["claims_stored_twice"] == clean["claims_stored_twice"] == []


def test_a_second_run_stops_at_once_while_one_holds_the_lock(
    chaos_server: RunningServer, tmp_path: Path
) -> None:
    sources = write_sources(tmp_path / "sources.toml", chaos_server.base_url)
    url = f"sqlite:///{tmp_path / 'data' / 'claimwatch.db'}"
    requests_before = len(chaos_server.log.paths())
    with run_lock(make_engine(url)):
        started = time.monotonic()
        second = start_run(run_environment(tmp_path / "data", sources, url))
        assert finish(second, timeout_s=60) == 1
    assert time.monotonic() - started < 30
    assert "another nightly run" in second.output and "Traceback" not in second.output
    assert len(chaos_server.log.paths()) == requests_before  # it fetched nothing


def test_the_run_lock_is_held_by_one_holder_and_freed_by_its_death(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    for url in (f"sqlite:///{tmp_path / 'claimwatch.db'}", request.getfixturevalue("postgres_url")):
        engine = make_engine(url)
        with run_lock(engine), pytest.raises(RunInProgressError), run_lock(make_engine(url)):
            pass
        with run_lock(engine):  # released on exit
            pass
        engine.dispose()


def test_a_killed_prefect_run_leaves_nothing_behind_once_the_next_run_starts(
    chaos_server: RunningServer, tmp_path: Path
) -> None:
    """Killed in the middle of its crawl, a run under Prefect leaves Prefect's API server and a
    crawl scratch folder; the next run ends the one and removes the other, closes the killed run
    as interrupted, and finishes the work."""
    sources = write_sources(tmp_path / "sources.toml", chaos_server.base_url)
    url = f"sqlite:///{tmp_path / 'data' / 'claimwatch.db'}"
    env = run_environment(tmp_path / "data", sources, url)
    env["PREFECT_HOME"] = str(tmp_path / "prefect")
    child = start_run(env, prefect=True)
    kill_when(child, _article_pages_served(2)(child, chaos_server, url), timeout_s=240)
    leftovers = [p for p in psutil.process_iter() if _started_for(p, tmp_path / "data")]
    assert leftovers, "Prefect's server should outlive a killed run"
    assert list(scratch_dir(tmp_path / "data").glob("crawl-*"))

    assert finish(start_run(env)) == 0
    time.sleep(1)
    assert not [p for p in leftovers if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert not list(scratch_dir(tmp_path / "data").glob("crawl-*"))
    with session_scope(make_engine(url)) as session:
        statuses = list(session.scalars(select(Run.status).order_by(Run.id)))
    assert statuses == ["interrupted", "completed"]
    shutil.rmtree(tmp_path / "prefect", ignore_errors=True)


def _started_for(process: psutil.Process, data_dir: Path) -> bool:
    """Whether ``process`` was started by a run over ``data_dir`` (its environment says so)."""
    try:
        return process.environ().get("CLAIMWATCH_DATA_DIR") == str(data_dir)
    except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
        return False


def test_a_crawl_ends_itself_when_its_run_is_killed(tmp_path: Path) -> None:
    """The run is killed while its Scrapy child waits on a slow page: the child does not wait for
    the page (or for the next run) to end."""
    asked = threading.Event()
    release = threading.Event()

    def slow_page(_request: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        asked.set()
        release.wait(60)
        return 200, {"Content-Type": "text/html"}, b"<html><body><p>late</p></body></html>"

    def feed(request: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        link = f"http://{request.headers['Host']}/slow.html"
        body = f"<rss version='2.0'><channel><title>t</title><item><link>{link}</link></item>"
        return 200, {"Content-Type": "application/rss+xml"}, (body + "</channel></rss>").encode()

    with serve_routes({"/rss.xml": feed, "/slow.html": slow_page}) as base:
        sources = tmp_path / "sources.toml"
        sources.write_text(f'[[source]]\nname = "slow"\nkind = "feed"\nurl = "{base}/rss.xml"\n')
        data = tmp_path / "data"
        child = start_run(run_environment(data, sources, None))
        kill_when(child, asked.is_set, timeout_s=60)
        crawlers = [p for p in psutil.process_iter() if _started_for(p, data)]
        assert crawlers, "the Scrapy child should be waiting on the slow page"
        gone, alive = psutil.wait_procs(crawlers, timeout=5)
        release.set()
    assert alive == [] and gone


def test_leftover_processes_are_ended_only_when_their_run_died(tmp_path: Path) -> None:
    """A run that failed inside a process that lives on (a test, a long-lived worker) leaves its
    record; the next run must not end that process's children. A dead run's children it ends."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        record_processes(tmp_path, 1)  # the owner (this process) is alive
        assert end_leftover_processes(tmp_path) == 0 and child.poll() is None
        assert not list((tmp_path / "runs").glob("run-*.json"))

        gone = subprocess.Popen([sys.executable, "-c", "pass"])
        gone.wait()
        record = {
            "host": socket.gethostname(),
            "owner": {"pid": gone.pid, "started": 0.0},  # a run whose process is dead
            "processes": [{"pid": child.pid, "started": psutil.Process(child.pid).create_time()}],
        }
        (tmp_path / "runs" / "run-2.json").write_text(json.dumps(record))
        assert end_leftover_processes(tmp_path) == 1
        assert child.wait(timeout=10) is not None
    finally:
        child.kill()
