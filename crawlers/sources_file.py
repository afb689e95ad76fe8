"""Edits to ``sources.toml`` that keep its comments and layout (tomlkit): add a source, enable or
disable one. Every edit is validated as a whole file before it replaces the old one atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Table

from claimwatch.crawlers.sources import SourceConfig, parse_sources
from claimwatch.errors import ConfigError


def _read(path: Path) -> tomlkit.TOMLDocument:
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read sources file {path}: {exc.strerror}") from exc
    except tomlkit.exceptions.ParseError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc


def _write(path: Path, document: tomlkit.TOMLDocument) -> None:
    text = tomlkit.dumps(document)
    parse_sources(text, origin=str(path))  # the edited file must still be valid
    fd, staging = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(staging, path)


def _entries(document: tomlkit.TOMLDocument) -> AoT | None:
    entries = document.get("source")
    return entries if isinstance(entries, AoT) else None


def add_source(path: Path, config: SourceConfig) -> None:
    """Append ``config`` as a new ``[[source]]``; its name must be new."""
    document = _read(path)
    entries = _entries(document)
    if entries is not None and any(e.get("name") == config.name for e in entries):
        raise ConfigError(f"a source named {config.name!r} is already in {path}")
    fields: dict[str, Any] = config.model_dump(exclude_defaults=True)
    fields = {"name": config.name, "kind": config.kind, "url": config.url, **fields}
    table = tomlkit.table()
    table.trivia.indent = "\n"
    for key, value in fields.items():
        table.add(key, list(value) if isinstance(value, tuple) else value)
    if entries is None:
        document.append("source", tomlkit.aot())
        entries = _entries(document)
        assert entries is not None
    entries.append(table)
    _write(path, document)


def set_enabled(path: Path, name: str, enabled: bool) -> bool:
    """Enable or disable the source ``name``; returns False when it already was."""
    document = _read(path)
    entries: list[Table] = list(_entries(document) or [])
    entry = next((e for e in entries if e.get("name") == name), None)
    if entry is None:
        raise ConfigError(f"no source named {name!r} in {path}")
    if bool(entry.get("enabled", True)) == enabled:
        return False
    if "enabled" in entry:
        entry["enabled"] = enabled
    else:  # right after the entry's last key, above any comments that follow the entry
        last_key = list(entry.keys())[-1]
        entry.value._insert_after(last_key, "enabled", tomlkit.item(enabled))
    _write(path, document)
    return True
