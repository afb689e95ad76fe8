"""Command-line options that several commands share, defined once."""

from __future__ import annotations

from typing import Annotated

import typer

AllowLocalUrl = Annotated[
    bool,
    typer.Option(
        "--allow-local-url",
        help="Allow a loopback or private url and author.url in ClaimReview (for testing only).",
    ),
]
