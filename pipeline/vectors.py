"""Embeddings as stored in the database: little-endian float32 bytes, one blob per claim."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def vector_to_bytes(vector: NDArray[np.float32]) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def bytes_to_vectors(blobs: list[bytes | None], dimension: int) -> NDArray[np.float32]:
    if not blobs:
        return np.zeros((0, dimension), dtype=np.float32)
    joined = b"".join(b or bytes(4 * dimension) for b in blobs)
    return np.frombuffer(joined, dtype="<f4").reshape(len(blobs), dimension).astype(np.float32)
