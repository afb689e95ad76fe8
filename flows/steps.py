"""The steps of a nightly run, as plain functions of the settings.

Each step opens its own database session and commits what it made together with the mark that
it is done, so a run killed between two steps (or inside one) loses nothing: the next run finds
the work undone and does it. ``claimwatch.flows.sequence`` runs them in order, directly or as Prefect tasks
(``claimwatch.flows.nightly``); they call the ``crawlers``, ``pipeline``, ``rebuttals`` and ``review``
packages and hold no logic of their own beyond wiring.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from claimwatch.crawlers.archive import PageArchive
from claimwatch.crawlers.crawl import crawl
from claimwatch.crawlers.feeds import FeedEntry, http_client
from claimwatch.crawlers.health import add_crawl, failing_sources, record_runs
from claimwatch.crawlers.ingest import (
    FeedCounts,
    IngestCounts,
    known_urls,
    read_feeds,
    save_feed_validators,
    settled_urls,
    site_article_urls,
    store_pages,
    sync_sources,
)
from claimwatch.crawlers.job import CrawlJob, CrawlResult
from claimwatch.crawlers.sources import SourceConfig, crawl_targets, load_sources, select_sources
from claimwatch.flows.analysis import (
    Analysis,
    AnalysisModels,
    QueueBudget,
    Thresholds,
    analyse_new_articles,
)
from claimwatch.flows.emerging_queue import EmergingRules, unqueued_candidates
from claimwatch.flows.lifecycle import (
    RunStart,
    close_failed_run,
    close_run,
    forget_processes,
    open_run,
    record_processes,
    scratch_dir,
    unanalysed_articles,
)
from claimwatch.flows.report import RunReport, top_items
from claimwatch.flows.training import sentence_heads
from claimwatch.pipeline.centring import language_centring
from claimwatch.pipeline.flag_model import load_flag_model
from claimwatch.rebuttals.library import load_seed
from claimwatch.resources import open_database, open_embedder
from claimwatch.review.queue import QueueFilter, count_items
from claimwatch.settings import Settings
from claimwatch.store.db import session_scope
from claimwatch.store.migrate import upgrade

BatchProgress = Callable[[int, int, Analysis], None]


def open_nightly_run(settings: Settings) -> RunStart:
    """Migrate the database, add the seed library, close what killed runs left, open a run."""
    engine = open_database(settings)
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
    with session_scope(open_database(settings)) as session:
        sync_sources(session, configs)
    return configs


def read_feed_sources(settings: Settings, configs: list[SourceConfig]) -> FeedCounts:
    with session_scope(open_database(settings)) as session:
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
    return CrawlJob(
        targets=crawl_targets(configs, entries, known),
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
    with session_scope(open_database(settings)) as session:
        site_sources = [c.name for c in configs if c.walked]
        known = known_urls(session, [e for items in entries.values() for e in items])
        known |= site_article_urls(session, site_sources)
    job = crawl_job(settings, configs, entries, known)
    return crawl(job, scratch=scratch_dir(settings.data_dir.resolve()))


@dataclass
class Stored:
    """What storing the crawl produced, and the feeds whose entries are not all stored yet (read
    in full again next time)."""

    ingest: IngestCounts
    feeds_to_reread: list[str] = field(default_factory=list)


def store_articles(
    settings: Settings, configs: list[SourceConfig], result: CrawlResult, feeds: FeedCounts
) -> Stored:
    """Extract and store the fetched pages, and, in the same transaction, the validators of the
    feeds whose entries are all stored."""
    by_url = {e.url: e for items in feeds.entries.values() for e in items}
    archive = PageArchive(settings.resolved_archive_dir)
    with session_scope(open_database(settings)) as session, archive:  # on disk before commit
        sources = sync_sources(session, configs)
        ingest = store_pages(
            session,
            sorted(result.pages, key=lambda page: page.url),  # the same ids whatever the order
            result.failures,
            sources,
            by_url,
            max_chars=settings.max_article_chars,
            archive=archive,
        )
        settled = settled_urls(session, result, list(by_url.values()))
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
    engine = open_database(settings)
    rules = EmergingRules(
        settings.emerging_threshold, settings.emerging_min_outlets, settings.max_emerging_per_night
    )
    with session_scope(engine) as session:
        if not unanalysed_articles(session) and not unqueued_candidates(session, rules.min_outlets):
            return Analysis()
    embedder = open_embedder(settings)
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
    with session_scope(open_database(settings)) as session:
        record_runs(session, run_id, health, hubs)
        return failing_sources(session, [c.name for c in configs])


def finish_run(settings: Settings, report: RunReport) -> RunReport:
    """Close the run row with the report's figures, and add the queue's top items to it."""
    with session_scope(open_database(settings)) as session:
        close_run(
            session, report.run_id, report.status, report.counts, report.timings, report.problems
        )
        report.top_items = top_items(session)
        report.queue_total = count_items(session, QueueFilter())
    forget_processes(settings.data_dir, report.run_id)
    return report


def fail_run(settings: Settings, run_id: int, error: BaseException) -> None:
    """Close the run row as failed, naming the error (the exception itself goes on up)."""
    with session_scope(open_database(settings)) as session:
        close_failed_run(session, run_id, f"{type(error).__name__}: {error}")
    forget_processes(settings.data_dir, run_id)
