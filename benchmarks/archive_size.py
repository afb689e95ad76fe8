"""Size and speed of the evidence archive: 1,000 generated news pages kept as WARC records.

    .venv/bin/python benchmarks/archive_size.py [--pages 1000] [--seed 20261121]

Renders ``--pages`` news-article pages with the generator of ``benchmarks/extract_pages.py``
(six fictional outlets with their navigation, banners, related links and footers; English, French
and Vietnamese), keeps each in claimwatch's evidence archive (``crawlers/archive.py``: a gzipped
WARC response record per page, its place stored in a scratch SQLite database), then keeps every
page a second time, unchanged, as a re-crawl would. Printed: the pages' bytes, the archive's
bytes on disk, bytes per page and per 1,000 pages, pages/s written, and what the second pass
added (nothing: pages are kept once per SHA-256).
"""

from __future__ import annotations

import argparse
import base64
import random
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).parent))
from extract_pages import generate_pages, render_page

from claimwatch.crawlers.archive import PageArchive
from claimwatch.crawlers.job import FetchedPage
from claimwatch.store.db import make_engine, session_scope
from claimwatch.store.migrate import upgrade
from claimwatch.store.schema import ArchivedPage


def fetched_pages(count: int, seed: int) -> list[FetchedPage]:
    pages = generate_pages(count, seed)
    rng = random.Random(seed)
    fetched = []
    for index, page in enumerate(pages):
        others = [pages[(index + step) % len(pages)] for step in range(1, 10)]
        body = render_page(page, others, rng).encode("utf-8")
        fetched.append(
            FetchedPage(
                page.outlet.slug,
                f"https://{page.outlet.slug}.example{page.path}",
                200,
                body.decode("utf-8"),
                base64.b64encode(body).decode("ascii"),
                {"content-type": "text/html; charset=utf-8"},
                "2026-12-05T02:00:00+00:00",
            )
        )
    return fetched


def keep_all(pages: list[FetchedPage], directory: Path, database: str) -> float:
    engine = make_engine(database)
    started = time.perf_counter()
    with session_scope(engine) as session, PageArchive(directory) as archive:
        for page in pages:
            archive.keep(session, page)
    engine.dispose()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000, help="pages to keep (default 1000)")
    parser.add_argument("--seed", type=int, default=20261121, help="random seed of the pages")
    options = parser.parse_args()
    pages = fetched_pages(options.pages, options.seed)
    raw = sum(len(base64.b64decode(p.body_b64)) for p in pages)
    with tempfile.TemporaryDirectory(prefix="claimwatch-archive-") as scratch:
        root = Path(scratch)
        database = f"sqlite:///{root / 'archive.db'}"
        upgrade(make_engine(database))
        first = keep_all(pages, root / "archive", database)
        size = sum(p.stat().st_size for p in (root / "archive").glob("*.warc.gz"))
        second = keep_all(pages, root / "archive", database)
        after = sum(p.stat().st_size for p in (root / "archive").glob("*.warc.gz"))
        with session_scope(make_engine(database)) as session:
            rows = session.scalar(select(func.count()).select_from(ArchivedPage))
    print(f"pages                      {len(pages)}")
    print(f"page bytes                 {raw:,} ({raw / len(pages) / 1024:.1f} KiB a page)")
    print(f"archive bytes              {size:,} ({size / raw:.2f} of the pages)")
    print(f"archive per page           {size / len(pages) / 1024:.1f} KiB")
    print(f"archive per 1,000 pages    {size / len(pages) * 1000 / 1024 / 1024:.1f} MiB")
    print(f"written                    {first:.1f} s ({len(pages) / first:.0f} pages/s)")
    print(f"second pass, unchanged     +{after - size} bytes, {second:.1f} s; rows {rows}")


if __name__ == "__main__":
    main()
