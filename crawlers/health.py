"""Source health: what each source gave in one run (items, HTTP answers, bytes, errors), stored as
a ``source_run`` row, and the running record on the source (last success, consecutive failures).

A source that keeps failing is reported in every run report, never silently skipped.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from claimwatch.crawlers.job import CrawlResult
from claimwatch.store.schema import Source, SourceRun, utcnow

KEEPS_FAILING = 3  # consecutive failed runs after which a source is called out


@dataclass
class SourceHealth:
    """One source in one run."""

    items_read: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    pages_refused: int = 0
    page_failures: int = 0
    http_statuses: Counter[str] = field(default_factory=Counter)
    bytes_read: int = 0
    not_modified: bool = False
    error: str | None = None  # the source failed
    problem: str | None = None  # it was read, with a problem (a malformed feed)

    def status(self) -> str:
        if self.error:
            return "failed"
        if self.not_modified:
            return "not_modified"
        return "partial" if self.page_failures or self.problem else "ok"


def record_success(source: Source, status: int) -> None:
    source.last_fetched_at = source.last_success_at = utcnow()
    source.last_status, source.last_error, source.consecutive_failures = status, None, 0


def record_failure(source: Source, reason: str, status: int | None) -> None:
    source.last_fetched_at = utcnow()
    source.last_status, source.last_error = status, reason
    source.consecutive_failures += 1


def add_crawl(health: dict[str, SourceHealth], result: CrawlResult, hubs: dict[str, str]) -> None:
    """Count the crawl's pages, failures and refusals per source. ``hubs`` maps a site or sitemap
    source to its start URL: when that fails, the source failed."""
    for page in result.pages:
        entry = health.setdefault(page.source, SourceHealth())
        entry.http_statuses[str(page.status)] += 1
        entry.bytes_read += len(page.html.encode("utf-8", errors="replace"))
        if page.source in hubs:
            entry.items_read += 1
    for failure in result.failures:
        entry = health.setdefault(failure.source, SourceHealth())
        entry.http_statuses[str(failure.status) if failure.status else "error"] += 1
        entry.page_failures += 1
    for skipped in result.skipped:
        health.setdefault(skipped.source, SourceHealth()).pages_refused += 1
    for name, start_url in hubs.items():
        start_failure = result.failure_of(start_url)
        if start_failure is not None:
            entry = health.setdefault(name, SourceHealth())
            entry.error = f"{start_failure.url}: {start_failure.reason}"


def record_runs(
    session: Session, run_id: int, health: dict[str, SourceHealth], hubs: dict[str, str]
) -> None:
    """Store one ``source_run`` row per source, and the running record of site and sitemap
    sources (feeds keep theirs as they are read)."""
    sources = {
        s.name: s for s in session.scalars(select(Source).where(Source.name.in_(list(health))))
    }
    for name, entry in health.items():
        source = sources.get(name)
        if source is None:
            continue
        if name in hubs:
            if entry.error:
                record_failure(source, entry.error, None)
            else:
                record_success(source, 200)
        session.add(
            SourceRun(
                run_id=run_id,
                source_id=source.id,
                status=entry.status(),
                items_read=entry.items_read,
                articles_new=entry.articles_new,
                articles_updated=entry.articles_updated,
                pages_refused=entry.pages_refused,
                http_statuses=dict(entry.http_statuses),
                bytes_read=entry.bytes_read,
                error=entry.error or entry.problem,
            )
        )
    session.flush()


def last_runs(session: Session) -> dict[str, SourceRun]:
    """Each source's most recent ``source_run``, by source name."""
    latest = (
        select(SourceRun.source_id, func.max(SourceRun.id).label("id"))
        .group_by(SourceRun.source_id)
        .subquery()
    )
    rows = session.scalars(
        select(SourceRun)
        .join(latest, SourceRun.id == latest.c.id)
        .options(selectinload(SourceRun.source))
    )
    return {row.source.name: row for row in rows}


def failing_sources(session: Session, names: list[str]) -> list[dict[str, object]]:
    """The sources among ``names`` whose last run failed, worst first."""
    rows = session.scalars(
        select(Source)
        .where(Source.name.in_(names), Source.consecutive_failures > 0)
        .order_by(Source.consecutive_failures.desc(), Source.name)
    )
    return [
        {
            "source": s.name,
            "consecutive_failures": s.consecutive_failures,
            "keeps_failing": s.consecutive_failures >= KEEPS_FAILING,
            "last_error": s.last_error,
            "last_success_at": s.last_success_at.isoformat() if s.last_success_at else None,
        }
        for s in rows
    ]
