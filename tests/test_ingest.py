"""Storing crawled pages: one article per canonical URL (AMP and mobile variants included) and per
text within an outlet, changed articles recorded as updates, and source health after each run."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from claimwatch.crawlers.health import (
    SourceHealth,
    add_crawl,
    failing_sources,
    record_failure,
    record_runs,
)
from claimwatch.crawlers.ingest import store_pages, sync_sources
from claimwatch.crawlers.job import CrawlFailure, CrawlResult, FetchedPage
from claimwatch.crawlers.sources import SourceConfig
from claimwatch.store.schema import Article, Run, SourceRun

PAGE = (Path(__file__).with_name("fixtures") / "site" / "pages" / "laos-education.html").read_text(
    encoding="utf-8"
)
SOURCE = SourceConfig(name="ledger", kind="feed", url="https://ledger.example/rss.xml")


def store(session: Session, pages: list[FetchedPage]) -> tuple[int, int, int]:
    sources = sync_sources(session, [SOURCE])
    counts = store_pages(session, pages, [], sources, {}, max_chars=100_000)
    return counts.new, counts.updated, counts.duplicates


def test_variants_of_one_article_are_stored_once(session: Session) -> None:
    pages = [
        FetchedPage("ledger", "https://ledger.example/news/laos.html?utm_source=rss", 200, PAGE),
        FetchedPage("ledger", "https://m.ledger.example/news/laos.html", 200, PAGE),
        FetchedPage("ledger", "https://ledger.example/news/laos.html/amp", 200, PAGE),
        FetchedPage("ledger", "https://ledger.example/print/laos-copy.html", 200, PAGE),
    ]
    assert store(session, pages) == (1, 0, 3)
    assert session.scalars(select(Article.url)).all() == ["https://ledger.example/news/laos.html"]


def test_a_changed_article_is_an_update_and_is_analysed_again(session: Session) -> None:
    url = "https://ledger.example/news/laos.html"
    store(session, [FetchedPage("ledger", url, 200, PAGE)])
    article = session.scalars(select(Article)).one()
    article.analysed_at = article.fetched_at
    changed = PAGE.replace("Laos", "the Lao PDR", 1).replace(
        "</p>", " A correction was added on Friday.</p>", 1
    )
    assert store(session, [FetchedPage("ledger", url, 200, changed)]) == (0, 1, 0)
    assert (article.revision, article.analysed_at) == (2, None) and article.updated_at is not None
    assert store(session, [FetchedPage("ledger", url, 200, changed)]) == (0, 0, 1)


def test_health_is_recorded_per_run_and_a_failing_source_is_called_out(session: Session) -> None:
    sources = sync_sources(
        session, [SOURCE, SourceConfig(name="wire", kind="site", url="https://wire.example/")]
    )
    for _ in range(3):
        run = Run()
        session.add(run)
        session.flush()
        record_failure(sources["ledger"], "HTTP 503", 503)
        health = {"ledger": SourceHealth(error="HTTP 503")}
        result = CrawlResult(
            pages=[FetchedPage("wire", "https://wire.example/a.html", 200, "<html>x</html>")],
            failures=[CrawlFailure("wire", "https://wire.example/b.html", "HTTP 404", 404)],
        )
        add_crawl(health, result, {"wire": "https://wire.example/"})
        record_runs(session, run.id, health, {"wire": "https://wire.example/"})
    wire = session.scalars(
        select(SourceRun).join(SourceRun.source).where(SourceRun.source.has(name="wire"))
    ).all()
    assert len(wire) == 3 and wire[-1].status == "partial"
    assert (
        wire[-1].http_statuses == {"200": 1, "404": 1}
        and wire[-1].items_read == 1
        and wire[-1].bytes_read == 14
    )
    [failing] = failing_sources(session, ["ledger", "wire"])
    assert (
        failing["source"] == "ledger"
        and failing["consecutive_failures"] == 3
        and failing["keeps_failing"]
    )
