"""Reading a library file from disk: JSON (``claimwatch-library/1``) or, by its suffix, CSV."""

from __future__ import annotations

import json
from pathlib import Path

from claimwatch.errors import LibraryError
from claimwatch.rebuttals.csvio import parse_csv
from claimwatch.rebuttals.library import LibraryDocument, parse_library


def read_library_file(path: Path) -> LibraryDocument:
    """The library document in ``path``, validated; a ``.csv`` file is read as CSV."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, ValueError) as exc:
        raise LibraryError(f"cannot read library file {path}: {exc}") from exc
    if path.suffix.lower() == ".csv":
        return parse_csv(text)
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise LibraryError(f"{path} is not JSON: {exc}") from exc
    return parse_library(data)
