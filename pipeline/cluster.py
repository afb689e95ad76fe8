"""Near-duplicate grouping of claims, across outlets and languages, night after night.

A new claim joins the cluster of its most similar clustered claim when the cosine of their (query)
embeddings reaches the threshold and their numbers do not contradict each other ("30 days" is not
"90 days"); otherwise it founds a new cluster. Claims are grouped only within their *partition*:
claims that repeat the same narrative form one partition (with a looser threshold, since the
narrative match already vouches that they tell the same story), claims that repeat none form
another, so an accurate report never becomes an occurrence of a misleading claim. Single-link
against every member keeps a cluster stable as it grows; claims of one batch group together too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")

Partition = int | None
ClusterLabel = int | str  # an existing cluster id, or "new:<group>" for one founded in this batch


def number_signature(text: str) -> frozenset[str]:
    """The numbers a claim states, with thousands separators removed ("500.000" == "500,000")."""
    return frozenset(re.sub(r"[.,]", "", n) for n in _NUMBER.findall(text))


def numbers_compatible(a: frozenset[str], b: frozenset[str]) -> bool:
    """Claims that both state numbers must share at least one of them."""
    return not a or not b or bool(a & b)


@dataclass(frozen=True)
class Assignment:
    """Where a new claim went: an existing cluster id, or a new cluster (``new_group`` >= 0)."""

    cluster_id: int | None
    new_group: int | None
    similarity: float | None


@dataclass
class ClusterIndex:
    """The clustered claims known so far: vectors, clusters, partitions and number signatures."""

    dimension: int
    _chunks: list[NDArray[np.float32]] = field(default_factory=list)
    _matrix: NDArray[np.float32] | None = None
    clusters: list[ClusterLabel] = field(default_factory=list)
    partitions: list[Partition] = field(default_factory=list)
    signatures: list[frozenset[str]] = field(default_factory=list)

    def add(
        self,
        vectors: NDArray[np.float32],
        clusters: Sequence[ClusterLabel],
        partitions: Sequence[Partition],
        signatures: Sequence[frozenset[str]],
    ) -> None:
        self._chunks.append(np.asarray(vectors, dtype=np.float32).reshape(-1, self.dimension))
        self._matrix = None
        self.clusters.extend(clusters)
        self.partitions.extend(partitions)
        self.signatures.extend(signatures)

    @property
    def matrix(self) -> NDArray[np.float32]:
        if self._matrix is None:
            self._matrix = (
                np.vstack(self._chunks)
                if self._chunks
                else np.zeros((0, self.dimension), np.float32)
            )
            self._chunks = [self._matrix]
        return self._matrix

    def _best(
        self,
        vector: NDArray[np.float32],
        partition: Partition,
        signature: frozenset[str],
        threshold: float,
    ) -> tuple[ClusterLabel, float] | None:
        if not self.clusters:
            return None
        sims = self.matrix @ vector
        for index in np.argsort(-sims):
            if sims[index] < threshold:
                return None
            if self.partitions[index] == partition and numbers_compatible(
                signature, self.signatures[index]
            ):
                return self.clusters[index], float(sims[index])
        return None

    def assign(
        self,
        vectors: NDArray[np.float32],
        texts: Sequence[str],
        partitions: Sequence[Partition],
        threshold: Callable[[Partition], float],
    ) -> list[Assignment]:
        """Assign each new claim, in order, and add it to the index."""
        assignments: list[Assignment] = []
        groups = 0
        for vector, text, partition in zip(vectors, texts, partitions, strict=False):
            signature = number_signature(text)
            best = self._best(vector, partition, signature, threshold(partition))
            if best is None:
                label: ClusterLabel = f"new:{groups}"
                assignments.append(Assignment(None, groups, None))
                groups += 1
            else:
                label, similarity = best
                if isinstance(label, str):
                    assignments.append(Assignment(None, int(label.split(":")[1]), similarity))
                else:
                    assignments.append(Assignment(label, None, similarity))
            self.add(vector[None, :], [label], [partition], [signature])
        return assignments
