"""The nightly run: its steps in order, under the run lock, with progress and a report.

``run_nightly`` is the whole run. ``call`` runs each step: directly (``claimwatch run
--no-prefect``, a system cron) or as a Prefect task (the ``nightly`` flow). Either way only one
run works on a database at a time: a second one stops at once with ``RunInProgressError``. A
failed step closes the run as ``failed`` (the error goes on up); a killed run is closed as
``interrupted`` by the next one, which finishes its work.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from claimwatch.crawlers.ingest import FeedCounts
from claimwatch.crawlers.job import CrawlResult
from claimwatch.crawlers.sources import SourceConfig
from claimwatch.flows import steps
from claimwatch.flows.analysis import Analysis
from claimwatch.flows.lifecycle import RunStart
from claimwatch.flows.progress import current
from claimwatch.flows.report import RunReport
from claimwatch.flows.steps import Stored
from claimwatch.resources import open_database
from claimwatch.settings import Settings
from claimwatch.store.runlock import run_lock

T = TypeVar("T")
logger = logging.getLogger("claimwatch.flows")
StepCaller = Callable[..., Any]  # call(step, *args) -> step(*args), however it is run


def call_directly(step: Callable[..., T], *args: Any) -> T:
    return step(*args)


def _timed(
    stage: str, timings: dict[str, float], summarise: Callable[[T], str], call: Callable[[], T]
) -> T:
    current().start(stage)
    started = time.perf_counter()
    value = call()
    timings[stage] = round(time.perf_counter() - started, 2)
    current().finish(stage, summarise(value), timings[stage])
    return value


def _analysis_progress(done: int, total: int, so_far: Analysis) -> None:
    current().update(
        "Analyse",
        f"{done}/{total} articles, {so_far.claims.sentences} sentences, "
        f"{so_far.claims.claims} claims, {so_far.clusters.new_clusters} new clusters, "
        f"{so_far.flags.created} queued",
    )


def _counts(
    configs: list[SourceConfig],
    feeds: FeedCounts,
    stored: Stored,
    result: CrawlResult,
    analysis: Analysis,
    start: RunStart,
) -> dict[str, int]:
    ingest, claims, flags = stored.ingest, analysis.claims, analysis.flags
    return {
        "sources": len(configs),
        "feeds_read": feeds.feeds_read,
        "feeds_not_modified": feeds.not_modified,
        "feeds_to_reread": len(stored.feeds_to_reread),
        "sources_failed": feeds.failed,
        "feed_entries": sum(len(v) for v in feeds.entries.values()),
        "pages_fetched": ingest.pages,
        "page_failures": ingest.failures,
        "pages_refused": len(result.skipped),
        "articles_new": ingest.new,
        "articles_updated": ingest.updated,
        "articles_duplicate": ingest.duplicates,
        "pages_not_articles": ingest.not_articles,
        "pages_not_stored": len(ingest.refused),
        "articles_resumed": start.articles_pending,
        "runs_interrupted": len(start.interrupted_runs),
        "articles_analysed": claims.articles,
        "articles_revised": claims.revised,
        "sentences": claims.sentences,
        "claims": claims.claims,
        "claims_removed": claims.removed,
        "claims_on_topic": claims.on_topic,
        "claims_matched": analysis.matched.repeats,
        "corrections_seen": analysis.matched.corrections,
        "clusters_new": analysis.clusters.new_clusters,
        "clusters_grown": analysis.clusters.grown_clusters,
        "clusters_flagged": flags.flagged,
        "queue_created": flags.created,
        "queue_updated": flags.updated,
        "queue_held_back": flags.held_back,
        "emerging_candidates": analysis.emerging.candidates,
        "emerging_created": analysis.emerging.created,
        "emerging_updated": analysis.emerging.updated,
        "emerging_below_threshold": analysis.emerging.below_threshold,
        "emerging_below_line": analysis.emerging.below_line,
        "emerging_same_story": analysis.emerging.same_story,
        **{f"dropped_{reason}": count for reason, count in sorted(claims.dropped.items())},
    }


def _problems(feeds: FeedCounts, stored: Stored, analysis: Analysis) -> list[str]:
    held = analysis.flags.held_back_by_source
    return [
        *feeds.problems,
        *stored.ingest.problems,
        *analysis.claims.problems,
        *(
            f"{source}: {count} flagged clusters held back by the cap on new queue items"
            for source, count in sorted(held.items())
        ),
    ]


def _run_steps(
    settings: Settings,
    start: RunStart,
    demo_base: str | None,
    names: tuple[str, ...],
    call: StepCaller,
    timings: dict[str, float],
) -> RunReport:
    started = time.perf_counter()
    configs: list[SourceConfig] = _timed(
        "Sources",
        timings,
        lambda c: f"{len(c)} enabled",
        lambda: call(steps.register_sources, settings, demo_base, names),
    )
    feeds: FeedCounts = _timed(
        "Feeds",
        timings,
        lambda f: f"{f.feeds_read} read, {f.not_modified} unchanged, {f.failed} failed",
        lambda: call(steps.read_feed_sources, settings, configs),
    )
    result: CrawlResult = _timed(
        "Crawl",
        timings,
        lambda r: (
            f"{len(r.pages)} pages, {len(r.failures)} failures, "
            f"{len(r.skipped)} refused (robots.txt, URL policy, off-source)"
        ),
        lambda: call(steps.crawl_pages, settings, configs, feeds.entries),
    )
    stored: Stored = _timed(
        "Extract",
        timings,
        lambda s: f"{s.ingest.new} new articles, {s.ingest.duplicates} already stored",
        lambda: call(steps.store_articles, settings, configs, result, feeds),
    )
    analysis: Analysis = _timed(
        "Analyse",
        timings,
        lambda a: (
            f"{a.claims.articles} articles, {a.claims.claims} claims, {a.claims.on_topic} on "
            f"topic, {a.matched.repeats} repeat a narrative, {a.matched.corrections} state a correction, "
            f"{a.clusters.new_clusters} new clusters, "
            f"{a.flags.created} repeats and {a.emerging.created} emerging claims queued"
        ),
        lambda: call(steps.analyse, settings, _analysis_progress),
    )
    failing = call(
        steps.record_health, settings, start.run_id, configs, feeds, result, stored.ingest
    )
    problems = _problems(feeds, stored, analysis)
    report = RunReport(
        start.run_id,
        "completed_with_problems" if problems or failing else "completed",
        round(time.perf_counter() - started + timings.get("Database", 0.0), 1),
        _counts(configs, feeds, stored, result, analysis, start),
        timings,
        problems,
    )
    report.failing_sources = failing
    report.resumed = start.notes()
    if report.every_source_failed:
        report.problems.insert(0, "every source failed this run: nothing new could be read")
    return report


def _close_as_failed(settings: Settings, run_id: int, error: BaseException) -> None:
    """Close the run as failed; if even that fails (the disk is full, the database gone), leave
    it to the next run, which closes it as interrupted, and let the first error go on up."""
    try:
        steps.fail_run(settings, run_id, error)
    except Exception:
        logger.exception("could not close run #%s as failed", run_id)


def run_nightly(
    settings: Settings,
    demo_base: str | None = None,
    names: tuple[str, ...] = (),
    call: StepCaller = call_directly,
) -> RunReport:
    """One nightly run. ``demo_base`` reads the demo sources from that server; ``names`` limits
    the run to those sources."""
    timings: dict[str, float] = {}
    with run_lock(open_database(settings)):
        start: RunStart = _timed(
            "Database",
            timings,
            lambda s: f"run #{s.run_id}" + "".join(f"; {note}" for note in s.notes()),
            lambda: call(steps.open_nightly_run, settings),
        )
        try:
            report = _run_steps(settings, start, demo_base, names, call, timings)
        except BaseException as error:
            _close_as_failed(settings, start.run_id, error)
            raise
        return call(steps.finish_run, settings, report)  # type: ignore[no-any-return]
