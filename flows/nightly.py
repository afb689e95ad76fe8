"""The nightly Prefect flow: the steps of ``claimwatch.flows.steps`` in the order of ``claimwatch.flows.sequence``, each
as a Prefect task.

Each task opens its own database session, so tasks can run on other workers (Dask) against
PostgreSQL. Only the crawl is retried, and only after a transient failure; every other failure is
recorded in the run report (or closes the run as failed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prefect import Task, flow, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State, TaskRun

from claimwatch.errors import TransientFetchError
from claimwatch.flows import steps
from claimwatch.flows.sequence import run_nightly
from claimwatch.settings import load_settings


def _is_transient(_task: Any, _run: TaskRun, state: State[Any]) -> bool:
    return isinstance(state.result(raise_on_failure=False), TransientFetchError)


def _as_task(step: Callable[..., Any], *, retries: int = 0) -> Task[..., Any]:
    name = step.__name__.replace("_", "-")
    if not retries:
        return task(name=name, cache_policy=NO_CACHE)(step)
    return task(
        name=name,
        cache_policy=NO_CACHE,
        retries=retries,
        retry_delay_seconds=30,
        retry_condition_fn=_is_transient,
    )(step)


TASKS: dict[Callable[..., Any], Task[..., Any]] = {
    step: _as_task(step)
    for step in (
        steps.open_nightly_run,
        steps.register_sources,
        steps.read_feed_sources,
        steps.store_articles,
        steps.analyse,
        steps.record_health,
        steps.finish_run,
    )
}
TASKS[steps.crawl_pages] = _as_task(steps.crawl_pages, retries=1)


def call_as_task(step: Callable[..., Any], *args: Any) -> Any:
    """Run a step as its Prefect task (in the running flow)."""
    return TASKS[step](*args)


@flow(name="nightly", log_prints=True)
def nightly(
    demo_base: str | None = None,
    sources: list[str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One nightly run. ``demo_base`` reads the demo sources from that server; ``sources`` limits
    the run to those source names; ``overrides`` replaces settings for this run."""
    settings = load_settings(**(overrides or {}))
    report = run_nightly(settings, demo_base, tuple(sources or ()), call_as_task)
    return report.to_dict()
