"""``claimwatch snippets``: pull and import the rebuttal library, and move snippets through
draft → vetted → retired."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from claimwatch.cli.options import AllowLocalUrl
from claimwatch.cli.output import write_output
from claimwatch.cli.render import plain
from claimwatch.errors import ConfigError
from claimwatch.rebuttals.editing import (
    due_for_review,
    get_snippet,
    history,
    reopen_snippet,
    retire_snippet,
    vet_snippet,
)
from claimwatch.rebuttals.export import MEDIA_TYPES, STATUS_FILTERS, pull
from claimwatch.rebuttals.library import import_library
from claimwatch.rebuttals.library_file import read_library_file
from claimwatch.rebuttals.versions import version_record
from claimwatch.resources import publisher, ready_database
from claimwatch.settings import load_settings
from claimwatch.store.db import session_scope

app = typer.Typer(help="The rebuttal library.", no_args_is_help=True, rich_markup_mode=None)
console = Console()
Editor = Annotated[
    str | None,
    typer.Option("--editor", help="Who makes the change (default CLAIMWATCH_EDITOR or login)."),
]


def _editor(name: str | None) -> str:
    return name or os.environ.get("CLAIMWATCH_EDITOR") or getpass.getuser()


def _date(value: str | None, option: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError as exc:
        raise ConfigError(f"{option} {value!r} is not a date (YYYY-MM-DD)") from exc


@app.command("pull")
def pull_command(
    narrative: Annotated[str | None, typer.Option(help="Only this narrative (slug).")] = None,
    lang: Annotated[str | None, typer.Option(help="Only this language (en, fr, vi…).")] = None,
    status: Annotated[str, typer.Option(help=" | ".join(STATUS_FILTERS))] = "vetted",
    since: Annotated[
        str | None, typer.Option(help="Only what changed since this date (YYYY-MM-DD).")
    ] = None,
    format: Annotated[str, typer.Option("--format", help=" | ".join(MEDIA_TYPES))] = "json",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
    allow_local_url: AllowLocalUrl = False,
) -> None:
    """Export snippets (vetted by default) as JSON or CSV (both importable again) or Markdown,
    or the ClaimReviews of items decided misleading or accurate."""
    if format not in MEDIA_TYPES:
        raise ConfigError(f"--format must be one of {', '.join(MEDIA_TYPES)}")
    day = _date(since, "--since")
    updated_since = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) if day else None
    settings = load_settings()
    with session_scope(ready_database(settings)) as session:
        pulled = pull(
            session,
            publisher(settings),
            narrative=narrative,
            language=lang,
            status=status,
            updated_since=updated_since,
            format=format,
            allow_local=allow_local_url,
        )
    if output:
        write_output(output, pulled.text)
        console.print(f"Wrote {pulled.count} records to {output}", markup=False)
    else:
        typer.echo(pulled.text, nl=False)


@app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="A library file: JSON, or CSV (by its suffix).")],
    editor: Editor = None,
) -> None:
    """Import narratives and snippets; a file with any bad row changes nothing."""
    document = read_library_file(path)
    with session_scope(ready_database()) as session:
        changed = import_library(session, document, actor=_editor(editor))
    console.print(
        f"Imported: {changed['narratives']} narratives and {changed['snippets']} snippets changed",
        markup=False,
    )


@app.command("list")
def list_command(
    due: Annotated[
        bool, typer.Option("--due", help="Only vetted snippets whose review-by date has come.")
    ] = False,
    status: Annotated[str, typer.Option(help=" | ".join(STATUS_FILTERS))] = "any",
) -> None:
    """The library's snippets: key, language, status, version, review-by date."""
    from claimwatch.rebuttals.export import select_snippets

    with session_scope(ready_database()) as session:
        if due:
            rows = [
                (r.key, r.language, "vetted", "", f"{r.review_by} ({r.days_overdue} days ago)")
                for r in due_for_review(session)
            ]
        else:
            rows = [
                (
                    s.key,
                    s.language,
                    s.status,
                    str(s.version),
                    s.review_by.isoformat() if s.review_by else "",
                )
                for s in select_snippets(session, status=None if status == "any" else status)
            ]
    table = Table(title=f"Snippets ({len(rows)})")
    for column in ("Key", "Lang", "Status", "Version", "Review by"):
        table.add_column(column)
    for row in rows:
        table.add_row(*(plain(value) for value in row))
    console.print(table)


@app.command("history")
def history_command(key: Annotated[str, typer.Argument(help="Snippet key.")]) -> None:
    """Every version of a snippet: who changed it, when, how, and the state after."""
    with session_scope(ready_database()) as session:
        rows = [version_record(v) for v in history(session, key)]
    typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))


@app.command("vet")
def vet_command(
    key: Annotated[str, typer.Argument(help="Snippet key.")],
    review_by: Annotated[
        str | None, typer.Option(help="Review again by this date (default: in 180 days).")
    ] = None,
    editor: Editor = None,
) -> None:
    """Vouch for a snippet and its sources: from now on it is offered as a reference."""
    with session_scope(ready_database()) as session:
        vet_snippet(session, key, actor=_editor(editor), review_by=_date(review_by, "--review-by"))
        snippet = get_snippet(session, key)
        console.print(
            f"{key}: vetted by {snippet.vetted_by} on {snippet.vetted_at}, review by "
            f"{snippet.review_by} (version {snippet.version})",
            markup=False,
        )


@app.command("retire")
def retire_command(
    key: Annotated[str, typer.Argument(help="Snippet key.")], editor: Editor = None
) -> None:
    """Stop offering a snippet; it stays in the library with its history."""
    with session_scope(ready_database()) as session:
        retire_snippet(session, key, actor=_editor(editor))
    console.print(f"{key}: retired", markup=False)


@app.command("reopen")
def reopen_command(
    key: Annotated[str, typer.Argument(help="Snippet key.")], editor: Editor = None
) -> None:
    """Make a retired snippet a draft again (it needs vetting before it is offered)."""
    with session_scope(ready_database()) as session:
        reopen_snippet(session, key, actor=_editor(editor))
    console.print(f"{key}: draft", markup=False)
