"""The multilingual sentence embedder: one load per process, E5 prompts, normalised float32.

E5 is asymmetric: a claim being looked up is a *query*; narratives, snippets and stored claims are
*documents* (passages). Near-duplicate grouping compares documents with documents.
"""

from __future__ import annotations

import os
import threading
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from claimwatch.models.info import ModelInfo

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

MAX_TEXT_CHARS = 2000


def enforce_offline() -> None:
    """Models load from disk only: never let transformers or the hub client reach a network."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def prepare_text(text: str) -> str:
    """NFC, single spaces, capped length: the form every text is embedded in."""
    return " ".join(unicodedata.normalize("NFC", text).split())[:MAX_TEXT_CHARS]


class Embedder:
    """Embeds texts with a sentence-transformers model directory, thread-safely."""

    def __init__(
        self,
        info: ModelInfo,
        *,
        device: str = "cpu",
        batch_size: int = 32,
        threads: int | None = None,
    ) -> None:
        self.info = info
        self.batch_size = batch_size
        self._model = _load(info.path, device, threads)
        self._lock = threading.Lock()

    @property
    def version(self) -> str:
        return self.info.version

    @property
    def dimension(self) -> int:
        return int(self._model.get_embedding_dimension() or 0)

    def embed_queries(self, texts: Sequence[str]) -> NDArray[np.float32]:
        return self._encode(texts, "query")

    def embed_documents(self, texts: Sequence[str]) -> NDArray[np.float32]:
        return self._encode(texts, "document")

    def _encode(self, texts: Sequence[str], prompt_name: str) -> NDArray[np.float32]:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        prepared = [prepare_text(t) for t in texts]
        with self._lock:
            vectors: Any = self._model.encode(
                prepared,
                prompt_name=prompt_name,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)


def device_problem(device: str) -> str | None:
    """Why this install cannot embed on ``device`` (a GPU torch cannot see), or ``None``."""
    import torch

    try:
        kind = torch.device(device).type
    except (RuntimeError, ValueError):
        return "not a torch device (cpu, cuda, cuda:0…)"
    if kind == "cuda" and not torch.cuda.is_available():
        build = "a CPU-only build" if torch.version.cuda is None else "no GPU it can use"
        return f"this install's torch {torch.__version__} is {build}; use cpu"
    if kind not in ("cpu", "cuda"):
        return f"{kind} is not supported; use cpu or cuda"
    return None


def _load(path: os.PathLike[str], device: str, threads: int | None) -> SentenceTransformer:
    return _load_cached(str(path), device, threads)


@lru_cache(maxsize=4)
def _load_cached(path: str, device: str, threads: int | None) -> SentenceTransformer:
    enforce_offline()
    import torch
    import transformers
    from sentence_transformers import SentenceTransformer

    if threads:
        torch.set_num_threads(threads)
    transformers.utils.logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    transformers.utils.logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    return SentenceTransformer(
        path,
        device=device,
        local_files_only=True,
        model_kwargs={"add_pooling_layer": False},
    )
