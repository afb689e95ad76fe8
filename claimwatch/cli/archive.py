"""``claimwatch archive``: the evidence archive of fetched article pages."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated

import typer

from claimwatch.cli.output import write_output
from claimwatch.resources import ready_database
from claimwatch.settings import load_settings
from claimwatch.store.db import session_scope

app = typer.Typer(
    help="The evidence archive: every fetched article page, as WARC.", no_args_is_help=True
)


@app.command("export")
def export_command(
    items: Annotated[list[int], typer.Argument(help="Queue items whose evidence to export.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The WARC file to write (.warc.gz).")
    ],
) -> None:
    """Write a WARC file with every archived page (every revision) of the articles that carried
    these items' claims, for a legal or audit file."""
    from claimwatch.crawlers.archive import copy_records
    from claimwatch.review.queue import evidence_pages

    settings = load_settings()
    with session_scope(ready_database(settings)) as session:
        pages = evidence_pages(session, items)
        buffer = io.BytesIO()
        written = copy_records(settings.resolved_archive_dir, pages, buffer)
    write_output(output, buffer.getvalue())
    typer.echo(f"Wrote {written} archived pages of {len(items)} item(s) to {output}")
