"""The nightly deployment: the ``nightly`` flow on a cron schedule (02:00 by default)."""

from __future__ import annotations

from typing import cast

from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

from claimwatch.flows.nightly import nightly


def nightly_deployment(name: str, cron: str, timezone: str) -> RunnerDeployment:
    """A deployment ``flow.serve``/``prefect.serve`` can run; ``prefect.yaml`` declares the same
    for ``prefect deploy`` with a work pool."""
    deployment = nightly.to_deployment(
        name=name,
        schedule=Cron(cron, timezone=timezone),
        description="claimwatch nightly crawl, claim analysis and queueing",
        tags=["claimwatch", "nightly"],
    )
    return cast(RunnerDeployment, deployment)  # synchronous outside an event loop
