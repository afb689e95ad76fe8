"""Writing a command's output to the file the user named (``--output`` / ``-o``)."""

from __future__ import annotations

from pathlib import Path

from claimwatch.errors import ConfigError


def write_output(path: Path, content: str | bytes) -> None:
    """Write ``content`` (text as UTF-8) to ``path``; a missing folder or a file that cannot be
    written is one clear error, and nothing is half-written (it goes to a temporary file first)."""
    folder = path.parent
    if not folder.is_dir():
        raise ConfigError(f"cannot write {path}: the folder {folder} does not exist")
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from None
