"""The ``claimwatch`` command: thin wiring from the terminal to the packages.

claimwatch demo                      serve the bundled corpus on 127.0.0.1 and run the nightly flow
claimwatch run                       one nightly run over the configured sources
claimwatch schedule                  serve the nightly deployment on its cron (needs a Prefect server)
claimwatch queue list|show|decide|draft|claimreview   triage the review queue
claimwatch snippets pull|import|list|history|vet|retire|reopen   the rebuttal library
claimwatch sources list              configured sources and their health
claimwatch models build|info|train|heads   the embedding model and the trained heads
claimwatch eval matching|sentences|clustering|retrieval   measure on labelled data
claimwatch serve                     the web app and the HTTP API
claimwatch users add|list|token|revoke   users and API tokens
claimwatch db upgrade|current        schema migrations
claimwatch archive export ITEM… -o F  the archived pages behind items, as one WARC file

The command modules import the packages a command needs (torch, Scrapy, Prefect, the web app)
inside that command, not at the top of the module, so that ``claimwatch --help`` and the small
commands start without loading them. Outside the command line no claimwatch module is imported
inside a function (only heavy third-party libraries such as torch and scikit-learn are, where
first used); the layer contract (``lint-imports``) checks the commands' imports too.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from claimwatch import __version__
from claimwatch.cli import admin, archive, evaluate, models, queue, run, snippets, users, web
from claimwatch.errors import ClaimwatchError

app = typer.Typer(
    name="claimwatch",
    help="Monitor the news for misleading claims about Vietnam's foreign and people-to-people relations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(queue.app, name="queue")
app.add_typer(snippets.app, name="snippets")
app.add_typer(admin.sources_app, name="sources")
app.add_typer(models.models_app, name="models")
app.add_typer(evaluate.eval_app, name="eval")
app.add_typer(admin.db_app, name="db")
app.add_typer(users.app, name="users")
app.add_typer(archive.app, name="archive")
app.command("serve")(web.serve)
app.command("openapi")(web.openapi)
app.command("demo")(run.demo)
app.command("run")(run.run)
app.command("schedule")(run.schedule)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"claimwatch {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Data directory (CLAIMWATCH_DATA_DIR).")
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    if data_dir is not None:
        os.environ["CLAIMWATCH_DATA_DIR"] = str(data_dir)


def main() -> None:
    """Console-script entry point: known errors print one clear line and exit 1."""
    try:
        app()
    except ClaimwatchError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise SystemExit(1) from exc
