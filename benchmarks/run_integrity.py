"""Runs killed or started twice, on a larger corpus: what is lost or repeated, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/run_integrity.py [--copies 8] [--postgres URL] [--only DB] [--case C]

Builds a corpus of ``--copies`` copies of the demo corpus's three feed outlets (each copy its own
outlet, 18 stories each), serves it on 127.0.0.1 and runs ``claimwatch run --no-prefect`` over it
as an operator would, in these cases:

- clean: one run, the reference;
- killed in the crawl: SIGKILL once a quarter of the article pages were served, then a re-run;
- killed in the analysis: SIGKILL once the first batch of analysed articles is committed, then a
  re-run;
- two at once: two runs started together.

After each case the database is compared, by content, with the clean run's: articles, claims,
clusters and queue items missing (lost) or stored twice (duplicated), feed validators that
differ, and how the runs ended. Wall times are printed per case. ``--postgres`` names a server
(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) on which a scratch database is made per
case; without it only SQLite is measured.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' run helpers

from claimwatch.demo.server import RunningServer, corpus_root, serve_directory
from tests.runs import (
    analysed_articles,
    finish,
    kill_when,
    run_environment,
    snapshot,
    start_run,
    write_sources,
)

OUTLETS = {"hanoi-ledger": ("rss.xml", "en"), "courrier-mekong": ("atom.xml", "fr")}
OUTLETS["tin-quoc-te"] = ("rss.xml", "vi")


def build_corpus(root: Path, copies: int) -> dict[str, tuple[str, str]]:
    """``copies`` copies of each feed outlet, each under its own name; the feeds they make."""
    source = corpus_root()
    shutil.copy(source / "robots.txt", root / "robots.txt")
    feeds = {}
    for outlet, (feed, language) in OUTLETS.items():
        for copy in range(copies):
            name = f"{outlet}-{copy}"
            shutil.copytree(source / outlet, root / name)
            for path in (root / name).rglob("*"):
                if path.suffix in (".xml", ".html"):
                    body = path.read_text(encoding="utf-8")
                    path.write_text(body.replace(f"/{outlet}/", f"/{name}/"), encoding="utf-8")
            feeds[name] = (feed, language)
    return feeds


@contextmanager
def database(kind: str, folder: Path, postgres: str | None) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'claimwatch.db'}"
        return
    assert postgres is not None
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    name = f"claimwatch_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def compare(clean: dict[str, Any], after: dict[str, Any]) -> str:
    parts = []
    for key in ("articles", "claims", "clusters", "queue"):
        lost = [x for x in clean[key] if x not in after[key]]
        extra = len(after[key]) - (len(clean[key]) - len(lost))
        parts.append(f"{key} {len(after[key])}/{len(clean[key])} lost {len(lost)} extra {extra}")
    parts.append(f"stored twice {len(after['claims_stored_twice'])}")
    parts.append(
        "validators " + ("equal" if after["validators"] == clean["validators"] else "DIFFER")
    )
    parts.append("runs " + ",".join(after["runs"]))
    return "; ".join(parts)


Case = Callable[[dict[str, str], RunningServer, str], None]


def killed_in_crawl(env: dict[str, str], server: RunningServer, url: str) -> None:
    pages = sum(1 for p in server.log.paths() if p.endswith(".html"))
    child = start_run(env)

    def quarter_served() -> bool:
        served = sum(1 for p in server.log.paths() if p.endswith(".html")) - pages
        return served >= 0.25 * int(env["BENCH_ARTICLES"])

    kill_when(child, quarter_served)
    finish(start_run(env), timeout_s=3600)


def killed_in_analysis(env: dict[str, str], _server: RunningServer, url: str) -> None:
    child = start_run(env)
    kill_when(
        child, lambda: analysed_articles(url)() >= int(env["CLAIMWATCH_ANALYSIS_BATCH_ARTICLES"])
    )
    finish(start_run(env))


def two_at_once(env: dict[str, str], _server: RunningServer, _url: str) -> None:
    first, second = start_run(env), start_run(env)
    codes = sorted([finish(first, timeout_s=3600), finish(second, timeout_s=3600)])
    refused = [c for c in (first, second) if "another nightly run" in c.output]
    print(f"    exit codes {codes}; refused with a message: {len(refused)}")


CASES: dict[str, Case] = {
    "killed in the crawl": killed_in_crawl,
    "killed in the analysis": killed_in_analysis,
    "two at once": two_at_once,
}


def measure(kind: str, work: Path, sources: Path, server: RunningServer, args: Any) -> None:
    articles = len([p for p in Path(args.corpus).rglob("*.html") if "/drafts/" not in str(p)])
    with database(kind, work / kind / "clean", args.postgres) as url:
        env = run_environment(work / kind / "clean", sources, url)
        env["CLAIMWATCH_ANALYSIS_BATCH_ARTICLES"] = str(args.batch)
        started = time.perf_counter()
        finish(start_run(env), timeout_s=3600)
        clean = snapshot(url, server.base_url)
        print(f"{kind} clean run: {time.perf_counter() - started:.0f} s; {compare(clean, clean)}")
    for name, case in CASES.items():
        if args.case and name not in args.case:
            continue
        folder = work / kind / name.replace(" ", "-")
        with database(kind, folder, args.postgres) as url:
            env = run_environment(folder, sources, url)
            env["CLAIMWATCH_ANALYSIS_BATCH_ARTICLES"] = str(args.batch)
            env["BENCH_ARTICLES"] = str(articles)
            started = time.perf_counter()
            case(env, server, url)
            after = snapshot(url, server.base_url)
            print(f"{kind} {name}: {time.perf_counter() - started:.0f} s; {compare(clean, after)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--copies", type=int, default=8)
    parser.add_argument("--batch", type=int, default=50, help="articles per analysis batch")
    parser.add_argument("--postgres", default=None, help="a PostgreSQL server URL to measure too")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one database only")
    parser.add_argument("--case", action="append", choices=list(CASES), help="only these cases")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="claimwatch-integrity-") as tmp:
        work = Path(tmp)
        corpus = work / "corpus"
        corpus.mkdir()
        feeds = build_corpus(corpus, args.copies)
        args.corpus = corpus
        with serve_directory(corpus) as server:
            sources = write_sources(work / "sources.toml", server.base_url, feeds)
            print(f"{len(feeds)} feed outlets on {server.base_url}")
            kinds = ["sqlite"] + (["postgresql"] if args.postgres else [])
            for kind in [k for k in kinds if args.only in (None, k)]:
                measure(kind, work, sources, server, args)


if __name__ == "__main__":
    main()
