"""The steps of a nightly run, as plain functions of the settings.

Each step opens its own database session and commits what it made together with the mark that
it is done, so a run killed between two steps (or inside one) loses nothing: the next run finds
the work undone and does it. ``flows.sequence`` runs them in order, directly or as Prefect tasks
(``flows.nightly``); they call the ``crawlers``, ``pipeline``, ``rebuttals`` and ``review``
packages and hold no logic of their own beyond wiring.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from claimwatch.settings import Settings
from crawlers.crawl import crawl
from crawlers.feeds import FeedEntry, http_client
from crawlers.health import add_crawl, failing_sources, record_runs
from crawlers.ingest import (
    FeedCounts,
    IngestCounts,
    known_urls,
    read_feeds,
    save_feed_validators,
    store_pages,
    sync_sources,
)
from crawlers.job import CrawlJob, CrawlResult, CrawlTarget
from crawlers.sources import SourceConfig, load_sources, select_sources
from crawlers.urls import canonical_or_none
from flows.lifecycle import RunStart, forget_processes, open_run, record_processes, scratch_dir
from flows.report import RunReport, top_items
from models import load_embedder
from pipeline.centring import language_centring
from pipeline.emerging_queue import EmergingRules, unqueued_candidates
from pipeline.flag_model import load_flag_model
from pipeline.stages import Analysis, AnalysisModels, QueueBudget, Thresholds, analyse_new_articles
from pipeline.training import sentence_heads
from rebuttals.library import load_seed
from store.db import engine_for, session_scope
from store.migrate import upgrade
from store.schema import Article, QueueItem, Run, Source, utcnow

BatchProgress = Callable[[int, int, Analysis], None]


def open_nightly_run(settings: Settings) -> RunStart:
    """Migrate the database, add the seed library, close what killed runs left, open a run."""
    engine = engine_for(settings.resolved_database_url)
    upgrade(engine)
    with session_scope(engine) as session:
        load_seed(session)
        start = open_run(session, settings.data_dir)
    record_processes(settings.data_dir, start.run_id)
    return start


def register_sources(
    settings: Settings, demo_base: str | None, names: tuple[str, ...]
) -> list[SourceConfig]:
    configs = select_sources(
        load_sources(settings.resolved_sources_file), demo_base=demo_base, names=names
    )
    with session_scope(engine_for(settings.resolved_database_url)) as session:
        sync_sources(session, configs)
    return configs


def read_feed_sources(settings: Settings, configs: list[SourceConfig]) -> FeedCounts:
    with session_scope(engine_for(settings.resolved_database_url)) as session:
        sources = sync_sources(session, [c for c in configs if c.kind == "feed"])
        with http_client(
            settings.user_agent, settings.http_timeout_s, allow_private=settings.allow_private_hosts
        ) as client:
            return read_feeds(
                session,
                sources,
                client,
                max_bytes=settings.max_page_bytes,
                allow_private=settings.allow_private_hosts,
                retries=settings.fetch_retries,
                deadline_s=settings.fetch_deadline_s,
            )


def crawl_job(
    settings: Settings,
    configs: list[SourceConfig],
    entries: dict[str, list[FeedEntry]],
    known: set[str],
) -> CrawlJob:
    """Feed entries not stored yet (at most a source's page budget), every site's start page
    and every sitemap, each held to its source's domains."""
    by_name = {c.name: c for c in configs}
    targets = [
        CrawlTarget(e.url, name, domains=by_name[name].domains)
        for name, items in entries.items()
        for e in [e for e in items if e.url not in known][: by_name[name].max_pages]
    ]
    targets += [c.start_target() for c in configs if c.walked]
    return CrawlJob(
        targets=tuple(targets),
        skip_urls=tuple(sorted(known)),
        user_agent=settings.user_agent,
        timeout_s=settings.fetch_deadline_s,  # Scrapy's DOWNLOAD_TIMEOUT: a total deadline
        max_page_bytes=settings.max_page_bytes,
        max_pages=settings.max_pages_per_run,
        download_delay_s=settings.download_delay_s,
        allow_private=settings.allow_private_hosts,
        cache_dir=str(settings.data_dir.resolve() / "http-cache"),
    )


def crawl_pages(
    settings: Settings, configs: list[SourceConfig], entries: dict[str, list[FeedEntry]]
) -> CrawlResult:
    with session_scope(engine_for(settings.resolved_database_url)) as session:
        site_sources = [c.name for c in configs if c.walked]
        known = known_urls(session, [e for items in entries.values() for e in items])
        known |= set(
            session.scalars(select(Article.url).join(Source).where(Source.name.in_(site_sources)))
        )
    job = crawl_job(settings, configs, entries, known)
    return crawl(job, scratch=scratch_dir(settings.data_dir.resolve()))


@dataclass
class Stored:
    """What storing the crawl produced, and the feeds whose entries are not all stored yet (read
    in full again next time)."""

    ingest: IngestCounts
    feeds_to_reread: list[str] = field(default_factory=list)


def _settled_urls(session: Session, result: CrawlResult, entries: list[FeedEntry]) -> set[str]:
    """Entry URLs that need no new fetch: stored, fetched (whatever came of the page), or
    refused for good (robots.txt, URL policy, HTTP 4xx other than 408 and 429)."""
    wanted = [e.url for e in entries]
    settled: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        settled |= set(session.scalars(select(Article.url).where(Article.url.in_(chunk))))
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


def store_articles(
    settings: Settings, configs: list[SourceConfig], result: CrawlResult, feeds: FeedCounts
) -> Stored:
    """Extract and store the fetched pages, and, in the same transaction, the validators of the
    feeds whose entries are all stored."""
    by_url = {e.url: e for items in feeds.entries.values() for e in items}
    with session_scope(engine_for(settings.resolved_database_url)) as session:
        sources = sync_sources(session, configs)
        ingest = store_pages(
            session,
            sorted(result.pages, key=lambda page: page.url),  # the same ids whatever the order
            result.failures,
            sources,
            by_url,
            max_chars=settings.max_article_chars,
        )
        settled = _settled_urls(session, result, list(by_url.values()))
        reread = save_feed_validators(session, sources, feeds, settled)
    return Stored(ingest, reread)


def thresholds(settings: Settings) -> Thresholds:
    return Thresholds(
        flag=settings.flag_threshold,
        cluster=settings.cluster_similarity,
        narrative_cluster=settings.narrative_cluster_similarity,
    )


def analyse(settings: Settings, on_batch: BatchProgress) -> Analysis:
    """Claims, narrative matches, clusters and queue items for every article not analysed yet,
    a batch a transaction, then the emerging lane (the model is not even loaded when there is
    nothing to analyse and no cluster waiting to be considered for the emerging lane)."""
    engine = engine_for(settings.resolved_database_url)
    rules = EmergingRules(
        settings.emerging_threshold, settings.emerging_min_outlets, settings.max_emerging_per_night
    )
    with session_scope(engine) as session:
        pending = session.scalar(
            select(func.count()).select_from(Article).where(Article.analysed_at.is_(None))
        )
        if not pending and not unqueued_candidates(session, rules.min_outlets):
            return Analysis()
    embedder = load_embedder(settings)
    models = AnalysisModels(
        embedder,
        sentence_heads(settings, embedder),
        load_flag_model(embedder.version, settings.resolved_flag_dir),
        language_centring(embedder, settings.resolved_embeddings_dir),
        tuple(settings.languages),
    )
    with session_scope(engine) as session:
        budget = QueueBudget.for_night(
            session, settings.max_new_items_per_night, settings.max_new_items_per_source
        )
    return analyse_new_articles(
        engine,
        models,
        thresholds(settings),
        batch_size=settings.analysis_batch_articles,
        budget=budget,
        emerging=rules,
        on_batch=on_batch,
    )


def record_health(
    settings: Settings,
    run_id: int,
    configs: list[SourceConfig],
    feeds: FeedCounts,
    result: CrawlResult,
    ingest: IngestCounts,
) -> list[dict[str, object]]:
    """Store every source's health for this run; return the sources that are failing."""
    hubs = {c.name: c.url for c in configs if c.walked}
    health = dict(feeds.health)
    add_crawl(health, result, hubs)
    ingest.add_to_health(health)
    for name, entry in health.items():
        entry.articles_new = ingest.new_by_source[name]
        entry.articles_updated = ingest.updated_by_source[name]
    with session_scope(engine_for(settings.resolved_database_url)) as session:
        record_runs(session, run_id, health, hubs)
        return failing_sources(session, [c.name for c in configs])


def finish_run(settings: Settings, report: RunReport) -> RunReport:
    """Close the run row with the report's figures, and add the queue's top items to it."""
    with session_scope(engine_for(settings.resolved_database_url)) as session:
        run = session.get_one(Run, report.run_id)
        run.finished_at, run.counts, run.timings = utcnow(), report.counts, report.timings
        run.errors = report.problems
        run.status = report.status
        report.top_items = top_items(session)
        report.queue_total = int(session.scalar(select(func.count()).select_from(QueueItem)) or 0)
    forget_processes(settings.data_dir, report.run_id)
    return report


def fail_run(settings: Settings, run_id: int, error: BaseException) -> None:
    """Close the run row as failed, naming the error (the exception itself goes on up)."""
    with session_scope(engine_for(settings.resolved_database_url)) as session:
        run = session.get_one(Run, run_id)
        run.status, run.finished_at = "failed", utcnow()
        run.errors = [*run.errors, f"{type(error).__name__}: {error}"[:1000]]
    forget_processes(settings.data_dir, run_id)
