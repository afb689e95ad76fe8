"""``claimwatch demo``, ``claimwatch run`` and ``claimwatch schedule``."""

from __future__ import annotations

import os
import shutil
import socket
from typing import Annotated, Any

import typer
from rich.console import Console

from claimwatch.cli.progress import RichProgress
from claimwatch.errors import ConfigError
from claimwatch.prefect_env import configure_prefect
from claimwatch.settings import load_settings

console = Console()


def _run_flow(
    demo_base: str | None,
    sources: list[str] | None,
    overrides: dict[str, Any],
    *,
    prefect: bool = True,
) -> None:
    """Run the nightly flow and print its report; every source failing is an error (exit 1)."""
    from claimwatch.cli.render import print_report
    from claimwatch.flows.progress import reporting_to
    from claimwatch.flows.report import RunReport

    with RichProgress(console) as progress, reporting_to(progress):
        if prefect:
            configure_prefect(quiet=True)
            from claimwatch.flows.nightly import nightly

            progress.start("Starting the nightly flow (Prefect)")
            result = nightly(demo_base=demo_base, sources=sources, overrides=overrides)
            report = RunReport.from_dict(result)
        else:
            from claimwatch.flows.sequence import run_nightly

            settings = load_settings(**overrides)
            report = run_nightly(settings, demo_base, tuple(sources or ()))
    print_report(console, report)
    if report.every_source_failed:
        raise ConfigError(
            f"every source failed this run ({len(report.failing_sources)} of "
            f"{report.counts['sources']}): see each one's last error above "
            "(`claimwatch sources list`)"
        )


def _ready(overrides: dict[str, Any]) -> None:
    """Settings, data directory and database checked before Prefect or the crawl start, so a
    wrong one is one clear line."""
    from claimwatch.resources import ready_database

    ready_database(load_settings(**overrides))


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def demo(
    port: Annotated[
        int,
        typer.Option(
            help="Port of the demo server on 127.0.0.1 (CLAIMWATCH_DEMO_PORT).",
            envvar="CLAIMWATCH_DEMO_PORT",
        ),
    ] = 8765,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Start from an empty demo database.")
    ] = False,
) -> None:
    """Serve the bundled demo corpus on 127.0.0.1 and run the nightly flow over it.

    The demo keeps its own database under <data-dir>/demo, apart from the real one. Run it again
    to see that nothing is added twice.
    """
    from claimwatch.demo.server import corpus_root, serve_directory

    settings = load_settings()
    demo_dir = (settings.data_dir / "demo").resolve()
    if fresh:
        shutil.rmtree(demo_dir, ignore_errors=True)
    if not _port_free("127.0.0.1", port):
        raise ConfigError(f"port {port} on 127.0.0.1 is in use; choose another with --port")
    # Its own database under demo_dir, whatever CLAIMWATCH_DATABASE_URL says.
    overrides = {
        "data_dir": demo_dir,
        "database_url": None,
        "allow_private_hosts": True,
        "download_delay_s": 0.0,
    }
    _ready(overrides)
    console.print(f"Demo data directory: {demo_dir}")
    with serve_directory(corpus_root(), port=port) as server:
        console.print(f"Serving the demo corpus at {server.base_url}")
        _run_flow(server.base_url, None, overrides)
    # An empty CLAIMWATCH_DATABASE_URL means the data directory's own database.
    cli = (
        "CLAIMWATCH_DATABASE_URL= claimwatch"
        if os.environ.get("CLAIMWATCH_DATABASE_URL")
        else "claimwatch"
    )
    console.print(
        "\nNext: triage the queue with\n"
        f"  {cli} --data-dir {demo_dir} queue list\n"
        f"  {cli} --data-dir {demo_dir} queue show ITEM\n"
        f"  {cli} --data-dir {demo_dir} queue decide ITEM misleading --snippet SNIPPET\n"
        f"  {cli} --data-dir {demo_dir} snippets pull --format md",
        markup=False,
    )


def run(
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Only this source (repeatable).")
    ] = None,
    no_prefect: Annotated[
        bool,
        typer.Option(
            "--no-prefect",
            help="Run the steps in this process without Prefect (for a system cron, or where "
            "Prefect's server cannot start).",
        ),
    ] = False,
) -> None:
    """One nightly run over the enabled sources of the sources file.

    Only one run works on a database at a time; a second one stops at once. A run that was
    killed is closed as interrupted by the next one, which finishes its work. Exits 1 when
    every source failed.
    """
    _ready({})
    _run_flow(None, source, {}, prefect=not no_prefect)


def schedule(
    cron: Annotated[
        str | None,
        typer.Option(help="Cron expression (default CLAIMWATCH_SCHEDULE_CRON, 0 2 * * *)."),
    ] = None,
    timezone: Annotated[
        str | None,
        typer.Option(help="Time zone of the cron (default CLAIMWATCH_SCHEDULE_TIMEZONE)."),
    ] = None,
    name: Annotated[str, typer.Option(help="Deployment name.")] = "claimwatch-nightly",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the deployment and exit.")
    ] = False,
) -> None:
    """Serve the nightly flow as a Prefect deployment on a cron schedule (02:00 by default).

    A schedule needs a running Prefect server: `prefect server start` and PREFECT_API_URL.
    Stop with Ctrl-C.
    """
    settings = load_settings()
    configure_prefect()
    from prefect.client.schemas.schedules import CronSchedule
    from pydantic import ValidationError

    from claimwatch.flows.deploy import nightly_deployment

    try:
        deployment = nightly_deployment(
            name, cron or settings.schedule_cron, timezone or settings.schedule_timezone
        )
    except ValueError as exc:  # pydantic's ValidationError included
        reason = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
        raise ConfigError(
            f"the schedule cannot be used: {reason} (--cron / CLAIMWATCH_SCHEDULE_CRON, "
            "--timezone / CLAIMWATCH_SCHEDULE_TIMEZONE)"
        ) from None
    crons = [s.schedule for s in deployment.schedules or [] if isinstance(s.schedule, CronSchedule)]
    schedule_text = ", ".join(f"{c.cron} ({c.timezone})" for c in crons)
    console.print(
        f"Deployment {deployment.name!r} of flow 'nightly' on {schedule_text}", markup=False
    )
    if dry_run:
        return
    if not os.environ.get("PREFECT_API_URL"):
        raise ConfigError(
            "a schedule needs a Prefect server: run `prefect server start --host 127.0.0.1 --port 4200` "
            "and set PREFECT_API_URL=http://127.0.0.1:4200/api (the ephemeral mode never fires schedules)"
        )
    from prefect import serve

    serve(deployment)
