"""Embedding models: built once from PyPI wheels, loaded from disk, identified on every flag.

Public API: ``Embedder``, ``ModelInfo``, ``resolve_model``, ``build_e5_model``, ``load_embedder``.
"""

from __future__ import annotations

from models.embedder import Embedder, enforce_offline, prepare_text
from models.registry import ModelInfo, build_e5_model, resolve_model

__all__ = [
    "Embedder",
    "ModelInfo",
    "build_e5_model",
    "enforce_offline",
    "load_embedder",
    "prepare_text",
    "resolve_model",
]


def load_embedder(settings: object) -> Embedder:
    """The embedder the settings ask for (building the default model first if needed)."""
    from claimwatch.settings import Settings

    assert isinstance(settings, Settings)
    info = resolve_model(settings.resolved_models_dir, settings.embedding_model_path)
    return Embedder(
        info,
        device=settings.embed_device,
        batch_size=settings.embed_batch_size,
        threads=settings.torch_threads,
    )
