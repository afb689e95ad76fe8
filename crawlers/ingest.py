"""The crawl stages over the database: register sources, read feeds (keeping each source's
conditional-GET state and health), and store extracted articles once.

An article is stored once per canonical URL, and once per text within an outlet; a known URL
whose text changed is recorded as an update, not a new article.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from claimwatch.errors import FetchError, TransientFetchError
from crawlers.extract import extract_article
from crawlers.feeds import FeedEntry, FeedResult, fetch_feed
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


def record_success(source: Source, status: int) -> None:
    source.last_fetched_at = source.last_success_at = utcnow()
    source.last_status, source.last_error, source.consecutive_failures = status, None, 0


def record_failure(source: Source, error: FetchError) -> None:
    source.last_fetched_at = utcnow()
    source.last_status, source.last_error = error.status, error.reason
    source.consecutive_failures += 1


@dataclass
class FeedCounts:
    feeds_read: int = 0
    not_modified: int = 0
    failed: int = 0
    entries: dict[str, list[FeedEntry]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


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
            record_failure(source, exc)
            counts.failed += 1
            counts.problems.append(f"{source.name}: {exc.reason}")
            continue
        record_success(source, result.status)
        if result.not_modified:
            counts.not_modified += 1
            continue
        source.etag, source.last_modified = result.etag, result.last_modified
        counts.feeds_read += 1
        counts.entries[source.name] = result.entries
        if result.problem:
            counts.problems.append(f"{source.name}: {result.problem}")
    return counts


def known_urls(session: Session, urls: list[str]) -> set[str]:
    """Which of these canonical URLs are already stored."""
    found: set[str] = set()
    for start in range(0, len(urls), 500):
        chunk = urls[start : start + 500]
        found.update(session.scalars(select(Article.url).where(Article.url.in_(chunk))))
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
                existing.text, existing.content_hash, existing.title = (
                    extracted.text,
                    extracted.content_hash,
                    extracted.title,
                )
                counts.updated += 1
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
    return counts
