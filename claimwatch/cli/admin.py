"""``claimwatch sources`` and ``claimwatch db``."""

from __future__ import annotations

import contextlib
import json
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy import select

from claimwatch.cli.render import source_check_report, source_row, sources_table
from claimwatch.crawlers.health import last_runs
from claimwatch.crawlers.sources import DEMO_PLACEHOLDER, SourceConfig, load_sources
from claimwatch.crawlers.sources_file import add_source, set_enabled
from claimwatch.errors import ConfigError
from claimwatch.resources import open_database, ready_database
from claimwatch.settings import load_settings
from claimwatch.store.db import session_scope
from claimwatch.store.schema import Source

sources_app = typer.Typer(help="Configured sources.", no_args_is_help=True, rich_markup_mode=None)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True, rich_markup_mode=None)
console = Console()


@sources_app.command("list")
def sources_list(
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
) -> None:
    """Every source of the sources file, with its health: last success, consecutive failures,
    and what the last run read from it."""
    settings = load_settings()
    configs = load_sources(settings.resolved_sources_file)
    with session_scope(ready_database(settings)) as session:
        health = {s.name: s for s in session.scalars(select(Source))}
        runs = last_runs(session)
        rows = [
            source_row(config, health.get(config.name), runs.get(config.name)) for config in configs
        ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    console.print(sources_table(rows, str(settings.resolved_sources_file)))


def _resolve_for_check(config: SourceConfig, demo_base: str | None) -> SourceConfig:
    if DEMO_PLACEHOLDER in config.url and demo_base is None:
        raise ConfigError(
            f"source {config.name!r} is a demo source: add --demo to serve the demo corpus for it"
        )
    return config.resolved(demo_base)


@sources_app.command("check")
def sources_check(
    name: Annotated[str, typer.Argument(help="Source name.")],
    limit: Annotated[int, typer.Option(min=1, max=200, help="Articles to fetch at most.")] = 10,
    demo: Annotated[
        bool, typer.Option("--demo", help="Serve the demo corpus for a demo source.")
    ] = False,
) -> None:
    """Fetch one source now and show what a run would read from it (stores nothing)."""
    from claimwatch.crawlers.check import check_source
    from claimwatch.demo.server import corpus_root, serve_directory

    settings = load_settings()
    configs = {c.name: c for c in load_sources(settings.resolved_sources_file)}
    if name not in configs:
        raise ConfigError(f"no source named {name!r} in {settings.resolved_sources_file}")
    with contextlib.ExitStack() as stack:
        base = stack.enter_context(serve_directory(corpus_root())).base_url if demo else None
        config = _resolve_for_check(configs[name], base)
        with console.status(f"Checking {name}…"):
            check = check_source(
                config,
                user_agent=settings.user_agent,
                timeout_s=settings.http_timeout_s,
                max_bytes=settings.max_page_bytes,
                allow_private=demo or settings.allow_private_hosts,
                limit=limit,
                deadline_s=settings.fetch_deadline_s,
            )
    console.print(source_check_report(check))
    if check.error:
        raise typer.Exit(1)


@sources_app.command("add")
def sources_add(
    name: Annotated[str, typer.Argument(help="A new, unique slug.")],
    url: Annotated[str, typer.Argument(help="The feed, start page or sitemap URL.")],
    kind: Annotated[str, typer.Option(help="feed, site or sitemap.")] = "feed",
    language: Annotated[str | None, typer.Option(help="Language hint: en, fr, vi…")] = None,
    country: Annotated[str | None, typer.Option(help="ISO country code of the outlet.")] = None,
    domain: Annotated[
        list[str] | None,
        typer.Option("--domain", help="A domain its articles may be on (repeatable)."),
    ] = None,
    disabled: Annotated[bool, typer.Option("--disabled", help="Add it disabled.")] = False,
) -> None:
    """Add a source to the sources file (its comments and layout are kept)."""
    settings = load_settings()
    fields = {
        "name": name,
        "kind": kind,
        "url": url,
        "language": language,
        "country": country,
        "enabled": not disabled,
        "domains": tuple(domain or ()),
    }
    try:
        config = SourceConfig.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        problems = "; ".join(
            f"field {'.'.join(str(p) for p in e['loc'])!r}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"source {name!r}: {problems}") from exc
    add_source(settings.resolved_sources_file, config)
    console.print(
        f"Added {kind} source {name!r} to {settings.resolved_sources_file}; try: claimwatch sources check {name}",
        markup=False,
    )


def _set_enabled(name: str, enabled: bool) -> None:
    settings = load_settings()
    changed = set_enabled(settings.resolved_sources_file, name, enabled)
    state = "enabled" if enabled else "disabled"
    console.print(f"{name}: {state}" + ("" if changed else " already"), markup=False)


@sources_app.command("disable")
def sources_disable(name: Annotated[str, typer.Argument(help="Source name.")]) -> None:
    """Stop reading a source (it stays in the file, with its history)."""
    _set_enabled(name, False)


@sources_app.command("enable")
def sources_enable(name: Annotated[str, typer.Argument(help="Source name.")]) -> None:
    """Read a disabled source again."""
    _set_enabled(name, True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the current schema."""
    settings = load_settings()
    ready_database(settings)
    console.print(
        f"Database at the current schema: {open_database(settings).url.render_as_string(hide_password=True)}",
        markup=False,
    )


@db_app.command("current")
def db_current() -> None:
    """The schema revision of the database and of the code."""
    from claimwatch.store.migrate import current_revision, head_revision

    engine = open_database(load_settings())
    console.print(
        f"database: {current_revision(engine) or '(empty)'}  code: {head_revision(engine)}",
        markup=False,
    )
