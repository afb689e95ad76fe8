"""The crawl stages over the database: register sources, read feeds (keeping each source's
conditional-GET state and health), and store extracted articles once.

An article is stored once per canonical URL, and once per text within an outlet; a known URL
whose text changed is recorded as an update, not a new article.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import httpx
from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from claimwatch.crawlers.archive import PageArchive
from claimwatch.crawlers.article_fields import (
    clean_optional,
    clean_text,
    column_lengths,
    primary_language,
    too_long,
)
from claimwatch.crawlers.extract import ExtractedArticle, extract_article
from claimwatch.crawlers.feeds import DEFAULT_FETCH_DEADLINE_S, FeedEntry, FeedResult, fetch_feed
from claimwatch.crawlers.health import SourceHealth, record_failure, record_success
from claimwatch.crawlers.job import CrawlFailure, CrawlResult, FetchedPage
from claimwatch.crawlers.sources import SourceConfig
from claimwatch.crawlers.urls import canonical_or_none, canonicalize, url_problem
from claimwatch.errors import FetchError, TransientFetchError
from claimwatch.pipeline.language import detect_article_language
from claimwatch.store.schema import ArchivedPage, Article, ArticleRevision, Source, utcnow


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
        row.title = config.title or row.title  # else the feed's own title, once read
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
    # Each changed feed's new ETag / Last-Modified, saved only once its entries are stored.
    validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
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
    deadline_s: float = DEFAULT_FETCH_DEADLINE_S,
) -> FeedCounts:
    """Read every feed source; failures are recorded on the source and reported, never raised.

    A changed feed's validators are returned, not saved: ``save_feed_validators`` saves them in
    the transaction that stores the entries' articles, so a run killed in between reads the
    whole feed again next time instead of hearing "304 Not Modified" for entries it never
    stored."""
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
                deadline_s=deadline_s,
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
        source.title = source.title or result.title
        health = counts.health[source.name] = SourceHealth(
            http_statuses=Counter({str(result.status): 1}),
            bytes_read=result.bytes_read,
            not_modified=result.not_modified,
            items_read=len(result.entries),
        )
        if result.not_modified:
            counts.not_modified += 1
            continue
        counts.validators[source.name] = (result.etag, result.last_modified)
        counts.feeds_read += 1
        counts.entries[source.name] = result.entries
        if result.problem:
            health.problem = result.problem
            counts.problems.append(f"{source.name}: {result.problem}")
    return counts


def save_feed_validators(
    session: Session,
    sources: dict[str, Source],
    feeds: FeedCounts,
    settled: set[str],
) -> list[str]:
    """Save the validators of every feed whose entries are all ``settled`` (stored, or fetched
    and found to be no article, or refused for good), in the caller's transaction; returns the
    feeds left to read in full again because some entry is still to be stored."""
    unsettled = []
    for name, (etag, last_modified) in feeds.validators.items():
        if all(entry.url in settled for entry in feeds.entries.get(name, [])):
            sources[name].etag, sources[name].last_modified = etag, last_modified
        else:
            unsettled.append(name)
    return unsettled


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


def stored_urls(session: Session, urls: list[str]) -> set[str]:
    """Which of these URLs have a stored article."""
    stored: set[str] = set()
    for start in range(0, len(urls), 500):
        chunk = urls[start : start + 500]
        stored |= set(session.scalars(select(Article.url).where(Article.url.in_(chunk))))
    return stored


def site_article_urls(session: Session, source_names: list[str]) -> set[str]:
    """Every stored article URL of these (walked) sources: a site crawl skips them."""
    query = select(Article.url).join(Source).where(Source.name.in_(source_names))
    return set(session.scalars(query))


def settled_urls(session: Session, result: CrawlResult, entries: list[FeedEntry]) -> set[str]:
    """Entry URLs that need no new fetch: stored, fetched (whatever came of the page), or
    refused for good (robots.txt, URL policy, HTTP 4xx other than 408 and 429)."""
    settled = stored_urls(session, [e.url for e in entries])
    permanent = [
        f
        for f in result.failures
        if f.status and 400 <= f.status < 500 and f.status not in (408, 429)
    ]
    for url in [p.url for p in result.pages] + [f.url for f in [*result.skipped, *permanent]]:
        canonical = canonical_or_none(url)
        if canonical:
            settled.add(canonical)
    return settled


@dataclass(frozen=True)
class RefusedPage:
    """A fetched page that could not be stored, and why."""

    source: str
    url: str
    reason: str


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
    # Pages fetched but not stored (a field no column takes, a database error): each is also
    # one line of ``problems``, and counts towards its source's ``pages_refused``.
    refused: list[RefusedPage] = field(default_factory=list)
    refused_by_source: Counter[str] = field(default_factory=Counter)

    def count(self, source: str, outcome: str) -> None:
        """Count one page's outcome: ``new``, ``updated``, ``duplicate`` or ``not_article``."""
        if outcome == "new":
            self.new += 1
            self.new_by_source[source] += 1
        elif outcome == "updated":
            self.updated += 1
            self.updated_by_source[source] += 1
        elif outcome == "duplicate":
            self.duplicates += 1
        else:
            self.not_articles += 1

    def refuse(self, source: str, url: str, reason: str) -> None:
        self.refused.append(RefusedPage(source, url, reason))
        self.refused_by_source[source] += 1
        shown = url if len(url) <= 200 else url[:200] + "…"
        self.problems.append(f"{source}: {shown}: refused: {reason}")

    def add_to_health(self, health: dict[str, SourceHealth]) -> None:
        """Count each source's refused pages in its health for the run (``pages_refused``)."""
        for name, refused in self.refused_by_source.items():
            health.setdefault(name, SourceHealth()).pages_refused += refused


class PageRefused(Exception):
    """A fetched page that will not be stored; the message says why."""


ARTICLE_COLUMN_LENGTHS = column_lengths(Article)
# What one page's insert can raise on hostile content: database errors, and the driver's
# encoding and value errors, which SQLAlchemy passes through unwrapped. Not the errors of a
# database that is failing as a whole (disk full, connection lost: OperationalError,
# InterfaceError): those fail the stage, which rolls back and is done again by the next run,
# instead of refusing every page after the first for a reason that is not the page's.
STORAGE_ERRORS = (SQLAlchemyError, UnicodeError, ValueError)
DATABASE_FAILING = (OperationalError, InterfaceError)


def _extract(page: FetchedPage, max_chars: int) -> ExtractedArticle | None:
    try:
        return extract_article(page.html, page.url, max_chars=max_chars)
    except Exception as exc:  # a parser failing on hostile markup fails this page alone
        raise PageRefused(f"extraction failed: {type(exc).__name__}: {exc}") from exc


def _new_article(extracted: ExtractedArticle, entry: FeedEntry | None, source: Source) -> Article:
    """The row for a new article, every field cleaned and checked against its column."""
    title = clean_optional(extracted.title or (entry.title if entry else None))
    text = clean_text(extracted.text)
    hint = extracted.html_lang or source.language
    values: dict[str, object] = {
        "url": extracted.url,
        "content_hash": extracted.content_hash,
        "title": title,
        "published_at": extracted.published_at or (entry.published if entry else None),
        "language": primary_language(detect_article_language(title, text, hint)),
        "text": text,
    }
    problem = too_long(values, ARTICLE_COLUMN_LENGTHS)
    if problem is not None:
        raise PageRefused(problem)
    return Article(source=source, **values)


def _add_revision(session: Session, article: Article, fetched: Fetched) -> None:
    """Keep this version of the article's text in its history, with the page it came from."""
    session.add(
        ArticleRevision(
            article=article,
            revision=article.revision,
            title=article.title,
            text=article.text,
            content_hash=article.content_hash,
            fetched_at=fetched.at,
            archived_page=fetched.archived,
        )
    )


def _store_extracted(
    session: Session,
    extracted: ExtractedArticle,
    entry: FeedEntry | None,
    source: Source,
    fetched: Fetched,
) -> str:
    """Store one extracted article and its revision; returns ``new``, ``updated`` or
    ``duplicate``."""
    existing = session.scalar(select(Article).where(Article.url == extracted.url))
    if existing is not None:
        if existing.content_hash == extracted.content_hash:
            return "duplicate"
        record_update(existing, extracted.text, extracted.content_hash, extracted.title)
        _add_revision(session, existing, fetched)
        session.flush()
        return "updated"
    same_text = session.scalar(
        select(Article.id).where(
            Article.source_id == source.id, Article.content_hash == extracted.content_hash
        )
    )
    if same_text is not None:
        return "duplicate"
    article = _new_article(extracted, entry, source)
    article.revision = 1
    session.add(article)
    _add_revision(session, article, fetched)
    session.flush()
    return "new"


def _database_reason(exc: BaseException) -> str:
    cause = getattr(exc, "orig", None) or exc
    first_line = (str(cause).strip().splitlines() or [""])[0]
    return f"the database refused it: {type(cause).__name__}: {first_line[:300]}"


def _open_transaction(session: Session) -> None:
    """Make sure the database transaction has begun before the first savepoint. Python's sqlite3
    module begins one only at the first write; a SAVEPOINT issued before would itself be the
    outermost transaction, and releasing it would commit the caller's work early."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    driver_connection = connection.connection.dbapi_connection
    if driver_connection is not None and not driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")


@dataclass(frozen=True)
class Fetched:
    """When a page was fetched, and its archived copy (when the run keeps an archive)."""

    at: dt.datetime
    archived: ArchivedPage | None


def _store_page(
    session: Session,
    page: FetchedPage,
    source: Source,
    feed_entries: dict[str, FeedEntry],
    max_chars: int,
    archive: PageArchive | None,
) -> str:
    """Extract and store one page in its own savepoint; returns its outcome. Raises
    ``PageRefused``, and leaves the session as it was, when the page cannot be stored."""
    extracted = _extract(page, max_chars)
    if extracted is None:
        return "not_article"
    problem = url_problem(extracted.url)
    if problem is not None:
        raise PageRefused(f"url {problem}")
    entry = feed_entries.get(canonicalize(page.url)) or feed_entries.get(extracted.url)
    try:
        with session.begin_nested():
            archived = archive.keep(session, page) if archive else None
            fetched = Fetched(archived.fetched_at if archived else utcnow(), archived)
            return _store_extracted(session, extracted, entry, source, fetched)
    except DATABASE_FAILING:
        raise
    except STORAGE_ERRORS as exc:
        raise PageRefused(_database_reason(exc)) from exc


def store_pages(
    session: Session,
    pages: list[FetchedPage],
    failures: list[CrawlFailure],
    sources: dict[str, Source],
    feed_entries: dict[str, FeedEntry],
    *,
    max_chars: int,
    archive: PageArchive | None = None,
) -> IngestCounts:
    """Extract and store every fetched page (each article page kept in ``archive`` when one is
    given); record every failed one on its source's report. A page that cannot be stored is
    refused, counted and reported; the others are stored."""
    counts = IngestCounts(pages=len(pages), failures=len(failures))
    counts.problems += [f"{f.source}: {f.url}: {f.reason}" for f in failures]
    _open_transaction(session)
    for page in pages:
        try:
            source = sources[page.source]
            outcome = _store_page(session, page, source, feed_entries, max_chars, archive)
        except PageRefused as exc:
            counts.refuse(page.source, page.url, str(exc))
            continue
        counts.count(page.source, outcome)
    return counts
