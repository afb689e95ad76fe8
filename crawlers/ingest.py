"""The crawl stages over the database: register sources, read feeds (keeping each source's
conditional-GET state and health), and store extracted articles once.

An article is stored once per canonical URL, and once per text within an outlet; a known URL
whose text changed is recorded as an update, not a new article.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from claimwatch.errors import FetchError, TransientFetchError
from crawlers.extract import extract_article
from crawlers.feeds import FeedEntry, FeedResult, fetch_feed
from crawlers.health import SourceHealth, record_failure, record_success
from crawlers.job import CrawlFailure, FetchedPage
from crawlers.sources import SourceConfig
from crawlers.urls import canonicalize
from pipeline.language import detect_article_language
from store.schema import Article, Source, utcnow


def sync_sources(session: Session, configs: list[SourceConfig]) -> dict[str, Source]:
    """Create or update the ``source`` rows for ``configs``; returns them by name."""
    rows = {
        s.name: s
        for s in session.scalars(select(Source).where(Source.name.in_([c.name for c in configs])))
    }
    for config in configs:
        row = rows.get(config.name)
        if row is None:
            row = rows[config.name] = Source(name=config.name, kind=config.kind, url=config.url)
            session.add(row)
        if row.url != config.url:
            row.etag = row.last_modified = None  # a different feed: forget the old validators
        row.kind, row.url, row.language, row.country = (
            config.kind,
            config.url,
            config.language,
            config.country,
        )
    session.flush()
    return rows


@dataclass
class FeedCounts:
    feeds_read: int = 0
    not_modified: int = 0
    failed: int = 0
    entries: dict[str, list[FeedEntry]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    health: dict[str, SourceHealth] = field(default_factory=dict)


def fetch_with_retries(
    fetch: Callable[[], FeedResult], retries: int, backoff_s: float = 1.0
) -> FeedResult:
    """Call ``fetch``, retrying transient failures with exponential back-off."""
    for attempt in range(retries + 1):
        try:
            return fetch()
        except TransientFetchError:
            if attempt == retries:
                raise
            time.sleep(backoff_s * 2**attempt)
    raise AssertionError("unreachable")


def read_feeds(
    session: Session,
    sources: dict[str, Source],
    client: httpx.Client,
    *,
    max_bytes: int,
    allow_private: bool,
    retries: int,
) -> FeedCounts:
    """Read every feed source; failures are recorded on the source and reported, never raised."""
    counts = FeedCounts()
    for source in (s for s in sources.values() if s.kind == "feed"):
        try:
            fetch = partial(
                fetch_feed,
                client,
                source.url,
                etag=source.etag,
                last_modified=source.last_modified,
                max_bytes=max_bytes,
                allow_private=allow_private,
            )
            result = fetch_with_retries(fetch, retries)
        except FetchError as exc:
            record_failure(source, exc.reason, exc.status)
            counts.failed += 1
            counts.problems.append(f"{source.name}: {exc.reason}")
            status = str(exc.status) if exc.status else "error"
            counts.health[source.name] = SourceHealth(
                http_statuses=Counter({status: 1}), error=exc.reason
            )
            continue
        record_success(source, result.status)
        health = counts.health[source.name] = SourceHealth(
            http_statuses=Counter({str(result.status): 1}),
            bytes_read=result.bytes_read,
            not_modified=result.not_modified,
            items_read=len(result.entries),
        )
        if result.not_modified:
            counts.not_modified += 1
            continue
        source.etag, source.last_modified = result.etag, result.last_modified
        counts.feeds_read += 1
        counts.entries[source.name] = result.entries
        if result.problem:
            health.problem = result.problem
            counts.problems.append(f"{source.name}: {result.problem}")
    return counts


def record_update(article: Article, text: str, content_hash: str, title: str | None) -> None:
    """The outlet changed a stored article: keep one row, count the revision, analyse it again
    (the claims it already had stay, with their clusters and decisions)."""
    article.text, article.content_hash = text, content_hash
    article.title = title or article.title
    article.revision += 1
    article.updated_at = utcnow()
    article.analysed_at = None


def known_urls(session: Session, entries: list[FeedEntry]) -> set[str]:
    """Which of these entries' URLs are stored and need no new fetch: an entry whose feed says it
    was updated after the article was fetched is fetched again (and stored as an update)."""
    by_url = {e.url: e for e in entries}
    found: set[str] = set()
    urls = list(by_url)
    for start in range(0, len(urls), 500):
        chunk = urls[start : start + 500]
        for url, fetched_at in session.execute(
            select(Article.url, Article.fetched_at).where(Article.url.in_(chunk))
        ):
            updated = by_url[url].updated
            if updated is None or updated <= fetched_at:
                found.add(url)
    return found


@dataclass
class IngestCounts:
    pages: int = 0
    new: int = 0
    updated: int = 0
    duplicates: int = 0
    not_articles: int = 0
    failures: int = 0
    problems: list[str] = field(default_factory=list)
    new_by_source: Counter[str] = field(default_factory=Counter)
    updated_by_source: Counter[str] = field(default_factory=Counter)


def store_pages(
    session: Session,
    pages: list[FetchedPage],
    failures: list[CrawlFailure],
    sources: dict[str, Source],
    feed_entries: dict[str, FeedEntry],
    *,
    max_chars: int,
) -> IngestCounts:
    """Extract and store every fetched page; record every failed one on its source's report."""
    counts = IngestCounts(pages=len(pages), failures=len(failures))
    counts.problems += [f"{f.source}: {f.url}: {f.reason}" for f in failures]
    for page in pages:
        extracted = extract_article(page.html, page.url, max_chars=max_chars)
        if extracted is None:
            counts.not_articles += 1
            continue
        entry = feed_entries.get(canonicalize(page.url)) or feed_entries.get(extracted.url)
        source = sources[page.source]
        existing = session.scalar(select(Article).where(Article.url == extracted.url))
        if existing is not None:
            if existing.content_hash != extracted.content_hash:
                record_update(existing, extracted.text, extracted.content_hash, extracted.title)
                counts.updated += 1
                counts.updated_by_source[page.source] += 1
            else:
                counts.duplicates += 1
            continue
        same_text = session.scalar(
            select(Article.id).where(
                Article.source_id == source.id, Article.content_hash == extracted.content_hash
            )
        )
        if same_text is not None:
            counts.duplicates += 1
            continue
        title = extracted.title or (entry.title if entry else None)
        session.add(
            Article(
                source=source,
                url=extracted.url,
                content_hash=extracted.content_hash,
                title=title,
                published_at=extracted.published_at or (entry.published if entry else None),
                language=detect_article_language(
                    title, extracted.text, extracted.html_lang or source.language
                ),
                text=extracted.text,
            )
        )
        session.flush()
        counts.new += 1
        counts.new_by_source[page.source] += 1
    return counts
