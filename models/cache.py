"""A disk cache of embeddings for large, fixed text collections (evaluation corpora, libraries).

A collection is embedded once per model: the file is named by the model version, the prompt
(query or document) and a SHA-256 of the texts, so a changed text or model is a new file and a
stale one is never read. Vectors are stored as ``.npy`` (float32, normalised), written atomically.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from claimwatch.models.embedder import Embedder

Progress = Callable[[int, int], None]


def collection_key(model_version: str, prompt: str, texts: Sequence[str]) -> str:
    digest = hashlib.sha256()
    digest.update(f"{model_version}\0{prompt}\0".encode())
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()[:24]


def cached_embeddings(
    embedder: Embedder,
    texts: Sequence[str],
    *,
    prompt: str,
    cache_dir: Path,
    chunk: int = 512,
    progress: Progress | None = None,
) -> NDArray[np.float32]:
    """The embeddings of ``texts`` (``prompt`` is ``query`` or ``document``), from the cache when
    this model has embedded exactly these texts before."""
    if prompt not in {"query", "document"}:
        raise ValueError(f"prompt must be 'query' or 'document', not {prompt!r}")
    path = cache_dir / f"{collection_key(embedder.version, prompt, texts)}.npy"
    if path.exists():
        vectors = np.load(path)
        if vectors.shape == (len(texts), embedder.dimension):
            return np.asarray(vectors, dtype=np.float32)
    encode = embedder.embed_queries if prompt == "query" else embedder.embed_documents
    parts: list[NDArray[np.float32]] = []
    for start in range(0, len(texts), chunk):
        parts.append(encode(texts[start : start + chunk]))
        if progress is not None:
            progress(min(start + chunk, len(texts)), len(texts))
    vectors = np.vstack(parts) if parts else np.zeros((0, embedder.dimension), np.float32)
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.partial.npy")
    np.save(partial, vectors)
    partial.replace(path)
    return vectors
