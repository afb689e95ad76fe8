"""``claimwatch snippets``: pull vetted snippets, import a library file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from claimwatch.cli.db import ready_engine
from claimwatch.errors import ConfigError
from rebuttals.export import select_snippets, to_json, to_markdown
from rebuttals.library import import_library, read_library_file
from store.db import session_scope

app = typer.Typer(help="The rebuttal library.", no_args_is_help=True, rich_markup_mode=None)
console = Console()
FORMATS = ("json", "md")


@app.command("pull")
def pull(
    narrative: Annotated[str | None, typer.Option(help="Only this narrative (slug).")] = None,
    lang: Annotated[str | None, typer.Option(help="Only this language (en, fr, vi…).")] = None,
    status: Annotated[str, typer.Option(help="vetted, draft, retired or any.")] = "vetted",
    since: Annotated[
        str | None, typer.Option(help="Only snippets updated since this date (YYYY-MM-DD).")
    ] = None,
    format: Annotated[str, typer.Option("--format", help="json or md.")] = "json",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Export snippets (vetted by default) as JSON (importable again) or Markdown."""
    if format not in FORMATS:
        raise ConfigError(f"--format must be one of {', '.join(FORMATS)}")
    try:
        updated_since = dt.datetime.fromisoformat(since).replace(tzinfo=dt.UTC) if since else None
    except ValueError as exc:
        raise ConfigError(f"--since {since!r} is not a date (YYYY-MM-DD)") from exc
    with session_scope(ready_engine()) as session:
        snippets = select_snippets(
            session,
            narrative=narrative,
            language=lang,
            status=None if status == "any" else status,
            updated_since=updated_since,
        )
        text = to_json(snippets) if format == "json" else to_markdown(snippets)
    if output:
        output.write_text(text, encoding="utf-8")
        console.print(f"Wrote {len(snippets)} snippets to {output}", markup=False)
    else:
        typer.echo(text, nl=False)


@app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="A library JSON file (claimwatch-library/1).")],
    editor: Annotated[
        str, typer.Option(help="Who imports (recorded in the audit trail).")
    ] = "editor",
) -> None:
    """Import narratives and snippets; a file with any bad row changes nothing."""
    document = read_library_file(path)
    with session_scope(ready_engine()) as session:
        changed = import_library(session, document, actor=editor)
    console.print(
        f"Imported: {changed['narratives']} narratives and {changed['snippets']} snippets changed",
        markup=False,
    )
