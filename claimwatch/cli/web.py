"""``claimwatch serve``: the web app and its HTTP API, with uvicorn."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from claimwatch.cli.output import write_output
from claimwatch.settings import load_settings


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
) -> None:
    """Serve the web app and the API (the OpenAPI schema is at /openapi.json)."""
    import uvicorn

    from claimwatch.web import create_app

    app = create_app(load_settings())
    typer.echo(f"claimwatch on http://{host}:{port} (API schema: /openapi.json)")
    uvicorn.run(app, host=host, port=port, log_level="info")


def openapi(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """The HTTP API's OpenAPI schema (what docs/openapi.json publishes)."""
    import tempfile

    from claimwatch.web import create_app

    with tempfile.TemporaryDirectory(prefix="claimwatch-openapi-") as scratch:
        settings = load_settings(data_dir=scratch, database_url=f"sqlite:///{scratch}/s.db")
        app = create_app(settings)
        app.state.engine.dispose()
    text = json.dumps(app.openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if output:
        write_output(output, text)
    else:
        typer.echo(text, nl=False)
