"""The whole crawl of the demo corpus, phase by phase, without the database.

    .venv/bin/python benchmarks/demo_crawl.py

Serves the bundled demo corpus on 127.0.0.1 and does what ``claimwatch demo`` does to read it,
with the demo's settings (private hosts allowed, no download delay): the demo sources of the
sources file, each feed read with ``claimwatch.crawlers.feeds.fetch_feed``, then one Scrapy crawl of every
feed entry plus the site source's start page (links followed inside its scope), then
``claimwatch.crawlers.extract.extract_article`` on every fetched page. Nothing is stored, so every entry is
crawled as on a first run.

Printed: feeds read, entries, pages fetched, pages refused (robots.txt, URL policy), pages failed,
articles extracted, seconds per phase and in total, and peak resident memory of this process
(``RUSAGE_SELF``) and of the Scrapy process (``RUSAGE_CHILDREN``), in MiB.
"""

from __future__ import annotations

import argparse
import resource
import time

from claimwatch.crawlers.crawl import crawl
from claimwatch.crawlers.extract import ExtractedArticle, extract_article
from claimwatch.crawlers.feeds import FeedEntry, fetch_feed, http_client
from claimwatch.crawlers.job import CrawlJob, CrawlTarget
from claimwatch.crawlers.sources import load_sources, select_sources
from claimwatch.demo.server import corpus_root, serve_directory
from claimwatch.errors import FetchError
from claimwatch.settings import load_settings


def peak_mib(who: int) -> float:
    """Peak resident memory in MiB (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(who).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.parse_args()
    started = time.perf_counter()
    settings = load_settings(allow_private_hosts=True, download_delay_s=0.0)
    sources_file = settings.resolved_sources_file
    print(f"sources file: {sources_file}")

    with serve_directory(corpus_root()) as server:
        print(f"demo corpus served at {server.base_url}")
        t0 = time.perf_counter()
        configs = select_sources(load_sources(sources_file), demo_base=server.base_url)
        entries: dict[str, list[FeedEntry]] = {}
        feed_problems: list[str] = []
        with http_client(
            settings.user_agent, settings.http_timeout_s, allow_private=True
        ) as client:
            for config in (c for c in configs if c.kind == "feed"):
                try:
                    feed = fetch_feed(
                        client, config.url, max_bytes=settings.max_page_bytes, allow_private=True
                    )
                except FetchError as exc:
                    feed_problems.append(f"{config.name}: {exc.reason}")
                    continue
                entries[config.name] = feed.entries
                if feed.problem:
                    feed_problems.append(f"{config.name}: {feed.problem}")
        feeds_s = time.perf_counter() - t0

        targets = [CrawlTarget(e.url, name) for name, items in entries.items() for e in items]
        targets += [
            CrawlTarget(
                c.url,
                c.name,
                follow=True,
                max_depth=c.max_depth,
                max_pages=c.max_pages,
                scope=c.scope,
            )
            for c in configs
            if c.kind == "site"
        ]
        job = CrawlJob(
            targets=tuple(targets),
            user_agent=settings.user_agent,
            timeout_s=settings.http_timeout_s,
            max_page_bytes=settings.max_page_bytes,
            max_pages=settings.max_pages_per_run,
            download_delay_s=settings.download_delay_s,
            allow_private=True,
        )
        t0 = time.perf_counter()
        result = crawl(job)
        crawl_s = time.perf_counter() - t0
        requests = len(server.log.entries)

    t0 = time.perf_counter()
    articles: list[ExtractedArticle] = []
    not_articles: list[str] = []
    for page in result.pages:
        article = extract_article(page.html, page.url, max_chars=settings.max_article_chars)
        if article is None:
            not_articles.append(page.url.removeprefix(server.base_url))
        else:
            articles.append(article)
    extract_s = time.perf_counter() - t0
    total_s = time.perf_counter() - started

    kinds = {kind: sum(1 for c in configs if c.kind == kind) for kind in ("feed", "site")}
    entry_count = sum(len(items) for items in entries.values())
    scrapy_elapsed = result.stats.get("elapsed_time_seconds")
    rows = [
        ("demo sources", f"{len(configs)} ({kinds['feed']} feeds, {kinds['site']} site)"),
        ("feeds read", f"{len(entries)} of {kinds['feed']}"),
        (
            "feed entries",
            f"{entry_count} ("
            + ", ".join(f"{name} {len(items)}" for name, items in entries.items())
            + ")",
        ),
        ("crawl targets", f"{len(targets)}"),
        ("pages fetched", f"{len(result.pages)}"),
        ("pages refused (result.skipped)", f"{len(result.skipped)}"),
        ("pages failed (result.failures)", f"{len(result.failures)}"),
        ("articles extracted", f"{len(articles)} of {len(result.pages)} pages"),
        ("HTTP requests the server answered", f"{requests}"),
        ("feeds seconds", f"{feeds_s:.3f}"),
        ("crawl seconds (Scrapy process start included)", f"{crawl_s:.2f}"),
        (
            "Scrapy's own elapsed seconds",
            f"{scrapy_elapsed:.2f}" if isinstance(scrapy_elapsed, int | float) else "n/a",
        ),
        ("extraction seconds", f"{extract_s:.3f}"),
        ("total seconds", f"{total_s:.2f}"),
        ("peak RSS, this process", f"{peak_mib(resource.RUSAGE_SELF):.0f} MiB"),
        ("peak RSS, Scrapy process", f"{peak_mib(resource.RUSAGE_CHILDREN):.0f} MiB"),
    ]
    width = max(len(name) for name, _ in rows)
    print()
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    for label, items in (
        (
            "articles (characters of text, title)",
            [
                f"{a.url.removeprefix(server.base_url)}: {len(a.text)}, {a.title!r}"
                for a in sorted(articles, key=lambda a: a.url)
            ],
        ),
        ("feed problems", feed_problems),
        ("refused", [f"{s.url.removeprefix(server.base_url)}: {s.reason}" for s in result.skipped]),
        (
            "failed",
            [f"{f.url.removeprefix(server.base_url)}: {f.reason}" for f in result.failures],
        ),
        ("pages that are not articles", not_articles),
    ):
        if items:
            print(f"\n{label}:")
            for item in items:
                print(f"  {item}")


if __name__ == "__main__":
    main()
