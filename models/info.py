"""The identity of an embedding model directory, recorded with every flag."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ModelInfo:
    """Identity of an embedding model directory."""

    path: Path
    base_model: str
    variant: str
    checksum: str

    @property
    def version(self) -> str:
        return f"{self.base_model}@{self.variant}+sha256:{self.checksum[:12]}"
