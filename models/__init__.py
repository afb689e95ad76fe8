"""Embedding models: built once from PyPI wheels, loaded from disk, identified on every flag.

Public API: ``Embedder``, ``ModelInfo``, ``resolve_model``, ``build_e5_model``, ``load_embedder``.
"""

from __future__ import annotations

from pathlib import Path

from claimwatch.models.embedder import Embedder, enforce_offline, prepare_text
from claimwatch.models.info import ModelInfo
from claimwatch.models.registry import build_e5_model, resolve_model

__all__ = [
    "Embedder",
    "ModelInfo",
    "build_e5_model",
    "enforce_offline",
    "load_embedder",
    "prepare_text",
    "resolve_model",
]


def load_embedder(
    models_dir: Path,
    model_path: Path | None = None,
    *,
    device: str = "cpu",
    batch_size: int = 32,
    threads: int | None = None,
) -> Embedder:
    """The embedder at ``model_path``, else the default model in ``models_dir`` (built first
    if it is missing)."""
    return Embedder(
        resolve_model(models_dir, model_path),
        device=device,
        batch_size=batch_size,
        threads=threads,
    )
