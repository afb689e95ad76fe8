"""The nightly Prefect flow: read sources, crawl, extract, analyse claims, cluster, flag, report.

Each task is thin wiring around a stage of ``crawlers``, ``pipeline``, ``rebuttals`` or ``review``
and opens its own database session, so tasks can run on other workers (Dask) against PostgreSQL.
Only the crawl is retried, and only after a transient failure; every other failure is recorded in
the run report.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State, TaskRun
from sqlalchemy import func, select

from claimwatch.errors import TransientFetchError
from claimwatch.settings import Settings, load_settings
from crawlers.crawl import crawl
from crawlers.feeds import FeedEntry, http_client
from crawlers.health import add_crawl, failing_sources, record_runs
from crawlers.ingest import (
    FeedCounts,
    IngestCounts,
    known_urls,
    read_feeds,
    store_pages,
    sync_sources,
)
from crawlers.job import CrawlJob, CrawlResult, CrawlTarget
from crawlers.sources import SourceConfig, load_sources, select_sources
from flows.progress import current
from flows.report import RunReport, top_items
from models import load_embedder
from pipeline.centring import language_centring
from pipeline.stages import (
    AnalysisCounts,
    ClusterCounts,
    FlagCounts,
    Thresholds,
    analyse_new_articles,
)
from pipeline.training import sentence_heads
from rebuttals.library import load_seed
from store.db import engine_for, session_scope
from store.migrate import upgrade
from store.schema import Article, QueueItem, Run, Source, utcnow

T = TypeVar("T")


def _is_transient(_task: Any, _run: TaskRun, state: State[Any]) -> bool:
    return isinstance(state.result(raise_on_failure=False), TransientFetchError)


@task(cache_policy=NO_CACHE)
def prepare_database(settings: Settings) -> int:
    """Migrate the database to the current schema, add the seed library, open a run record."""
    engine = engine_for(settings.resolved_database_url)
    upgrade(engine)
    with session_scope(engine) as session:
        load_seed(session)
        run = Run()
        session.add(run)
        session.flush()
        return run.id


@task(cache_policy=NO_CACHE)
def register_sources(
    settings: Settings, demo_base: str | None, names: tuple[str, ...]
) -> list[SourceConfig]:
    configs = select_sources(
        load_sources(settings.resolved_sources_file), demo_base=demo_base, names=names
    )
    with session_scope(engine_for(settings.resolved_database_url)) as session:
        sync_sources(session, configs)
    return configs


@task(cache_policy=NO_CACHE)
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
        timeout_s=settings.http_timeout_s,
        max_page_bytes=settings.max_page_bytes,
        max_pages=settings.max_pages_per_run,
        download_delay_s=settings.download_delay_s,
        allow_private=settings.allow_private_hosts,
        cache_dir=str(settings.data_dir.resolve() / "http-cache"),
    )


@task(cache_policy=NO_CACHE, retries=1, retry_delay_seconds=30, retry_condition_fn=_is_transient)
def crawl_pages(
    settings: Settings, configs: list[SourceConfig], entries: dict[str, list[FeedEntry]]
) -> CrawlResult:
    with session_scope(engine_for(settings.resolved_database_url)) as session:
        site_sources = [c.name for c in configs if c.walked]
        known = known_urls(session, [e for items in entries.values() for e in items])
        known |= set(
            session.scalars(select(Article.url).join(Source).where(Source.name.in_(site_sources)))
        )
    return crawl(crawl_job(settings, configs, entries, known))


@task(cache_policy=NO_CACHE)
def store_articles(
    settings: Settings,
    configs: list[SourceConfig],
    result: CrawlResult,
    entries: dict[str, list[FeedEntry]],
) -> IngestCounts:
    by_url = {e.url: e for items in entries.values() for e in items}
    with session_scope(engine_for(settings.resolved_database_url)) as session:
        sources = sync_sources(session, configs)
        return store_pages(
            session,
            result.pages,
            result.failures,
            sources,
            by_url,
            max_chars=settings.max_article_chars,
        )


def thresholds(settings: Settings) -> Thresholds:
    return Thresholds(
        flag=settings.flag_threshold,
        cluster=settings.cluster_similarity,
        narrative_cluster=settings.narrative_cluster_similarity,
    )


@task(cache_policy=NO_CACHE)
def analyse(settings: Settings) -> tuple[AnalysisCounts, int, ClusterCounts, FlagCounts]:
    """Claims, narrative matches, clusters and queue items for every article not analysed yet
    (the model is not even loaded when there is none)."""
    limits = thresholds(settings)
    engine = engine_for(settings.resolved_database_url)
    with session_scope(engine) as session:
        if not session.scalar(
            select(func.count()).select_from(Article).where(Article.analysed_at.is_(None))
        ):
            return AnalysisCounts(), 0, ClusterCounts(), FlagCounts()
    embedder = load_embedder(settings)
    heads = sentence_heads(settings, embedder)
    centring = language_centring(embedder, settings.resolved_embeddings_dir)
    result = analyse_new_articles(engine, embedder, heads, centring, limits)
    return result.claims, result.matched, result.clusters, result.flags


def _timed(
    stage: str, timings: dict[str, float], summarise: Callable[[T], str], call: Callable[[], T]
) -> T:
    current().start(stage)
    started = time.perf_counter()
    value = call()
    timings[stage] = round(time.perf_counter() - started, 2)
    current().finish(stage, summarise(value), timings[stage])
    return value


def _counts(
    configs: list[SourceConfig],
    feeds: FeedCounts,
    ingest: IngestCounts,
    result: CrawlResult,
    analysis: AnalysisCounts,
    matched: int,
    clusters: ClusterCounts,
    flags: FlagCounts,
) -> dict[str, int]:
    return {
        "sources": len(configs),
        "feeds_read": feeds.feeds_read,
        "feeds_not_modified": feeds.not_modified,
        "sources_failed": feeds.failed,
        "feed_entries": sum(len(v) for v in feeds.entries.values()),
        "pages_fetched": ingest.pages,
        "page_failures": ingest.failures,
        "pages_refused": len(result.skipped),
        "articles_new": ingest.new,
        "articles_updated": ingest.updated,
        "articles_duplicate": ingest.duplicates,
        "pages_not_articles": ingest.not_articles,
        "sentences": analysis.sentences,
        "claims": analysis.claims,
        "claims_on_topic": analysis.on_topic,
        "claims_matched": matched,
        "clusters_new": clusters.new_clusters,
        "clusters_grown": clusters.grown_clusters,
        "clusters_flagged": flags.flagged,
        "queue_created": flags.created,
        "queue_updated": flags.updated,
        **{f"dropped_{reason}": count for reason, count in sorted(analysis.dropped.items())},
    }


@task(cache_policy=NO_CACHE)
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
    for name, entry in health.items():
        entry.articles_new = ingest.new_by_source[name]
        entry.articles_updated = ingest.updated_by_source[name]
    with session_scope(engine_for(settings.resolved_database_url)) as session:
        record_runs(session, run_id, health, hubs)
        return failing_sources(session, [c.name for c in configs])


@task(cache_policy=NO_CACHE)
def finish_run(
    settings: Settings,
    run_id: int,
    counts: dict[str, int],
    timings: dict[str, float],
    problems: list[str],
    seconds: float,
    failing: list[dict[str, object]],
) -> RunReport:
    with session_scope(engine_for(settings.resolved_database_url)) as session:
        run = session.get_one(Run, run_id)
        run.finished_at, run.counts, run.timings, run.errors = utcnow(), counts, timings, problems
        run.status = "completed_with_problems" if problems or failing else "completed"
        report = RunReport(run_id, run.status, round(seconds, 1), counts, timings, problems)
        report.failing_sources = failing
        report.top_items = top_items(session)
        report.queue_total = int(session.scalar(select(func.count()).select_from(QueueItem)) or 0)
        return report


@flow(name="nightly", log_prints=True)
def nightly(
    demo_base: str | None = None,
    sources: list[str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One nightly run. ``demo_base`` reads the demo sources from that server; ``sources`` limits
    the run to those source names; ``overrides`` replaces settings for this run."""
    started = time.perf_counter()
    settings = load_settings(**(overrides or {}))
    timings: dict[str, float] = {}
    run_id = _timed("Database", timings, lambda r: f"run #{r}", lambda: prepare_database(settings))
    configs = _timed(
        "Sources",
        timings,
        lambda c: f"{len(c)} enabled",
        lambda: register_sources(settings, demo_base, tuple(sources or ())),
    )
    feeds = _timed(
        "Feeds",
        timings,
        lambda f: f"{f.feeds_read} read, {f.not_modified} unchanged, {f.failed} failed",
        lambda: read_feed_sources(settings, configs),
    )
    result = _timed(
        "Crawl",
        timings,
        lambda r: (
            f"{len(r.pages)} pages, {len(r.failures)} failures, {len(r.skipped)} refused (robots.txt, URL policy, off-source)"
        ),
        lambda: crawl_pages(settings, configs, feeds.entries),
    )
    ingest = _timed(
        "Extract",
        timings,
        lambda i: f"{i.new} new articles, {i.duplicates} already stored",
        lambda: store_articles(settings, configs, result, feeds.entries),
    )
    analysis, matched, clusters, flags = _timed(
        "Analyse",
        timings,
        lambda a: (
            f"{a[0].claims} claims, {a[0].on_topic} on topic, {a[1]} repeat a narrative, {a[2].new_clusters} new clusters, {a[3].created} queued"
        ),
        lambda: analyse(settings),
    )
    failing = record_health(settings, run_id, configs, feeds, result, ingest)
    counts = _counts(configs, feeds, ingest, result, analysis, matched, clusters, flags)
    report = finish_run(
        settings,
        run_id,
        counts,
        timings,
        feeds.problems + ingest.problems,
        time.perf_counter() - started,
        failing,
    )
    return report.to_dict()
