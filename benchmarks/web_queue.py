"""Queue page and next-item latency with a large queue and many reviewers at once.

    .venv/bin/python benchmarks/web_queue.py [--items 100000] [--reviewers 20] [--seconds 60]
                                             [--database sqlite|postgres|both]

Fills a fresh database with ``--items`` flagged queue items (each with its cluster, claim and
article, claims in English, French and Vietnamese from the bundled labelled sentences), starts
the web app (``claimwatch serve``, one uvicorn process) on 127.0.0.1, and lets ``--reviewers``
reviewers work at once for ``--seconds``: each signs in, then repeats "open the queue page, take
the next item, decide it". It prints p50/p95/max latency of each request kind, throughput, and
checks that no item was handed to two reviewers. PostgreSQL runs where a server answers at
CLAIMWATCH_TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test); a
database is created for the run and dropped after.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

import httpx
from sqlalchemy import create_engine, insert, text

from claimwatch.pipeline.labelled import EVAL_FILE, SEED_FILE, read_labelled
from claimwatch.rebuttals.library import load_seed
from claimwatch.review.auth import create_user, set_password
from claimwatch.settings import load_settings
from claimwatch.store.db import make_engine, session_scope
from claimwatch.store.migrate import upgrade
from claimwatch.store.schema import Article, Claim, Cluster, QueueItem, Source, utcnow

PASSWORD = "benchmark-password"
CHUNK = 5000
POSTGRES = os.environ.get(
    "CLAIMWATCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def fill(url: str, items: int, reviewers: int) -> float:
    """Create the schema, the seed library, the reviewers and ``items`` queue items."""
    started = time.perf_counter()
    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine) as session:
        load_seed(session)
        for index in range(reviewers):
            create_user(session, f"reviewer{index}", "reviewer", actor="benchmark")
            set_password(session, f"reviewer{index}", PASSWORD, actor="benchmark")
        outlets = [
            Source(name=f"outlet-{i}", kind="feed", url=f"https://o{i}.example/rss")
            for i in range(12)
        ]
        session.add_all(outlets)
        session.flush()
        outlet_ids = [o.id for o in outlets]
    sentences = [(s.language, s.text) for p in (SEED_FILE, EVAL_FILE) for s in read_labelled(p)]
    rng = random.Random(0)
    now = utcnow()
    with engine.begin() as connection:
        for start in range(0, items, CHUNK):
            ids = range(start + 1, min(items, start + CHUNK) + 1)
            rows = {i: rng.choice(sentences) for i in ids}
            seen = {i: now.replace(microsecond=0) for i in ids}
            connection.execute(
                insert(Article),
                [
                    {
                        "id": i,
                        "source_id": rng.choice(outlet_ids),
                        "url": f"https://o.example/{i}",
                        "content_hash": f"{i:064x}",
                        "text": rows[i][1],
                        "language": rows[i][0],
                        "fetched_at": seen[i],
                        "published_at": seen[i],
                        "revision": 1,
                    }
                    for i in ids
                ],
            )
            connection.execute(
                insert(Cluster),
                [
                    {
                        "id": i,
                        "occurrences": 1,
                        "outlets": ["outlet"],
                        "languages": [rows[i][0]],
                        "first_seen": seen[i],
                        "last_seen": seen[i],
                    }
                    for i in ids
                ],
            )
            connection.execute(
                insert(Claim),
                [
                    {
                        "id": i,
                        "article_id": i,
                        "position": 0,
                        "text": rows[i][1],
                        "language": rows[i][0],
                        "checkworthiness": 0.9,
                        "cluster_id": i,
                        "created_at": seen[i],
                    }
                    for i in ids
                ],
            )
            connection.execute(
                insert(QueueItem),
                [
                    {
                        "id": i,
                        "cluster_id": i,
                        "status": "new",
                        "priority": rng.random(),
                        "flag_score": rng.uniform(0.5, 1),
                        "explanation": {"claim": rows[i][1]},
                        "model_version": "benchmark",
                        "claim_text": rows[i][1],
                        "claim_language": rows[i][0],
                        "created_at": seen[i],
                        "updated_at": seen[i],
                    }
                    for i in ids
                ],
            )
        if engine.dialect.name == "postgresql":
            for table in ("article", "cluster", "claim", "queue_item"):
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {items})")
                )
            connection.execute(text("ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(url: str, data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "CLAIMWATCH_DATA_DIR": str(data_dir), "CLAIMWATCH_DATABASE_URL": url}
    command = Path(sys.executable).with_name("claimwatch")
    process = subprocess.Popen(
        [str(command), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/login", timeout=1)
            return process, base
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the app did not start")


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Reviewer(threading.Thread):
    def __init__(
        self,
        base: str,
        name: str,
        stop: float,
        timings: dict[str, list[float]],
        taken: list[tuple[str, int]],
        errors: list[str],
    ) -> None:
        super().__init__(daemon=True)
        self.base, self.name_, self.stop = base, name, stop
        self.timings, self.taken, self.errors = timings, taken, errors
        self.lock = threading.Lock()

    def timed(self, kind: str, request: httpx.Request, client: httpx.Client) -> httpx.Response:
        started = time.perf_counter()
        response = client.send(request)
        self.timings[kind].append(time.perf_counter() - started)
        if response.status_code >= 400:
            self.errors.append(f"{kind}: HTTP {response.status_code}")
        return response

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=60) as client:
            token = CSRF.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
            client.post(
                "/login", data={"csrf_token": token, "username": self.name_, "password": PASSWORD}
            )
            while time.monotonic() < self.stop:
                page = self.timed("queue page", client.build_request("GET", "/queue"), client)
                token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
                form = {"csrf_token": token}
                taken = self.timed(
                    "next item", client.build_request("POST", "/queue/next", data=form), client
                )
                found = re.fullmatch(r"/items/(\d+)", taken.headers.get("location", ""))
                if not found:
                    continue
                item = int(found.group(1))
                self.taken.append((self.name_, item))
                self.timed("item page", client.build_request("GET", f"/items/{item}"), client)
                decision = {**form, "decision": "accurate"}
                self.timed(
                    "decide",
                    client.build_request("POST", f"/items/{item}/decide", data=decision),
                    client,
                )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(label: str, url: str, items: int, reviewers: int, seconds: float) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="claimwatch-web-bench-"))
    filled = fill(url, items, reviewers)
    try:
        measure(label, url, items, reviewers, seconds, data_dir, filled)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def measure(
    label: str, url: str, items: int, reviewers: int, seconds: float, data_dir: Path, filled: float
) -> None:
    print(f"\n{label}: {items} queue items written in {filled:.1f} s")
    process, base = serve(url, data_dir)
    try:
        timings: dict[str, list[float]] = defaultdict(list)
        taken: list[tuple[str, int]] = []
        errors: list[str] = []
        stop = time.monotonic() + seconds
        crowd = [
            Reviewer(base, f"reviewer{i}", stop, timings, taken, errors) for i in range(reviewers)
        ]
        for reviewer in crowd:
            reviewer.start()
        for reviewer in crowd:
            reviewer.join()
    finally:
        process.terminate()
        process.wait(timeout=30)
    print(f"  {reviewers} reviewers for {seconds:.0f} s: {len(taken)} items taken and decided")
    for kind, values in timings.items():
        print(
            f"  {kind:11s} n={len(values):5d}  p50 {1000 * statistics.median(values):7.1f} ms"
            f"  p95 {1000 * percentile(values, 0.95):7.1f} ms  max {1000 * max(values):7.1f} ms"
        )
    owners: dict[int, set[str]] = defaultdict(set)
    for name, item in taken:
        owners[item].add(name)
    shared = [item for item, names in owners.items() if len(names) > 1]
    print(
        f"  items handed to two reviewers: {len(shared)}; errors: {len(errors)} {sorted(set(errors))[:3]}"
    )


def postgres_database() -> tuple[str, str] | None:
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    name = f"claimwatch_bench_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # no server: say so
        print(f"\nPostgreSQL: not reachable at {POSTGRES} ({type(error).__name__}); skipped")
        return None
    finally:
        admin.dispose()
    return admin.url.set(database=name).render_as_string(hide_password=False), name


def drop_postgres(name: str) -> None:
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--reviewers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    options = parser.parse_args()
    load_settings()  # fail early on bad settings
    if options.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="claimwatch-web-bench-") as scratch:
            url = f"sqlite:///{scratch}/queue.db"
            run("SQLite", url, options.items, options.reviewers, options.seconds)
    if options.database in ("postgres", "both"):
        created = postgres_database()
        if created is not None:
            url, name = created
            try:
                run("PostgreSQL", url, options.items, options.reviewers, options.seconds)
            finally:
                drop_postgres(name)


if __name__ == "__main__":
    main()
