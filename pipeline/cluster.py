"""Near-duplicate grouping of claims, across outlets and languages, night after night.

Claims are compared in a *language-centred* space (``pipeline.centring``): E5 embeddings carry a
strong language component, so a French and a Vietnamese report of one claim sit further apart
than two English reports of different claims. Subtracting each language's mean embedding and
normalising again removes most of it (on the bundled cluster set, cross-language pair recall went
from 0.51 to 0.78 at better precision; ``claimwatch eval clustering``).

A new claim joins the cluster whose centroid is most similar, when that cosine reaches the
threshold and its numbers agree with a member's ("30 days" is not "90 days"); otherwise it founds
a new cluster. Centroid linkage resists the chaining of single linkage, where a run of
paraphrases drifts from one claim to another. Claims are grouped only within their *partition*:
claims that repeat the same narrative form one partition (with a looser threshold, since the
narrative match already vouches that they tell the same story), claims that repeat none form
another, so an accurate report never becomes an occurrence of a misleading claim. Clusters found
on earlier nights are loaded with their members, so grouping is incremental; claims of one batch
group together too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

# A number, with thousands written as "500,000", "500.000" or, in French, "500 000" (a plain,
# no-break or narrow no-break space before each group of three digits).
_NUMBER = re.compile(r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)|\d+(?:[.,]\d+)*")
_SEPARATORS = re.compile(r"[.,\s\u00a0\u202f]")

Partition = int | None
ClusterLabel = int | str  # an existing cluster id, or "new:<group>" for one founded in this batch


def number_signature(text: str) -> frozenset[str]:
    """The numbers a claim states, without thousands separators ("500 000" == "500,000")."""
    return frozenset(_SEPARATORS.sub("", n) for n in _NUMBER.findall(text))


def numbers_compatible(a: frozenset[str], b: frozenset[str]) -> bool:
    """Claims that both state numbers must share at least one of them."""
    return not a or not b or bool(a & b)


@dataclass(frozen=True)
class Assignment:
    """Where a new claim went: an existing cluster id, or a new cluster (``new_group`` >= 0)."""

    cluster_id: int | None
    new_group: int | None
    similarity: float | None


class ClusterIndex:
    """The clusters known so far: each one's partition, the sum of its members' (centred,
    normalised) vectors, and its members' number signatures."""

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension
        self._sums = np.zeros((16, dimension), dtype=np.float32)
        self.labels: list[ClusterLabel] = []
        self.partitions: list[Partition] = []
        self.signatures: list[list[frozenset[str]]] = []
        self._row: dict[ClusterLabel, int] = {}
        self._founded = 0  # clusters founded by ``assign`` so far

    def __len__(self) -> int:
        return len(self.labels)

    def add(
        self,
        vectors: NDArray[np.float32],
        clusters: Sequence[ClusterLabel],
        partitions: Sequence[Partition],
        signatures: Sequence[frozenset[str]],
    ) -> None:
        """Add members to their clusters (creating the clusters they name)."""
        rows = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dimension)
        for vector, label, partition, signature in zip(
            rows, clusters, partitions, signatures, strict=True
        ):
            row = self._row.get(label)
            if row is None:
                row = self._new_row(label, partition)
            self._sums[row] += vector
            self.signatures[row].append(signature)

    def _new_row(self, label: ClusterLabel, partition: Partition) -> int:
        row = len(self.labels)
        if row == len(self._sums):
            self._sums = np.vstack([self._sums, np.zeros_like(self._sums)])
        self.labels.append(label)
        self.partitions.append(partition)
        self.signatures.append([])
        self._row[label] = row
        return row

    def centroid_similarities(self, vector: NDArray[np.float32]) -> NDArray[np.float32]:
        sums = self._sums[: len(self.labels)]
        norms = np.linalg.norm(sums, axis=1)
        return np.asarray((sums @ vector) / np.maximum(norms, 1e-9), dtype=np.float32)

    def _best(
        self,
        vector: NDArray[np.float32],
        partition: Partition,
        signature: frozenset[str],
        threshold: float,
    ) -> tuple[ClusterLabel, float] | None:
        if not self.labels:
            return None
        sims = self.centroid_similarities(vector)
        for row in np.argsort(-sims):
            if sims[row] < threshold:
                return None
            if self.partitions[row] == partition and any(
                numbers_compatible(signature, member) for member in self.signatures[row]
            ):
                return self.labels[row], float(sims[row])
        return None

    def assign(
        self,
        vectors: NDArray[np.float32],
        texts: Sequence[str],
        partitions: Sequence[Partition],
        threshold: Callable[[Partition], float],
    ) -> list[Assignment]:
        """Assign each new claim (its centred vector), in order, and add it to the index."""
        assignments: list[Assignment] = []
        for vector, text, partition in zip(vectors, texts, partitions, strict=True):
            signature = number_signature(text)
            best = self._best(vector, partition, signature, threshold(partition))
            if best is None:
                label: ClusterLabel = f"new:{self._founded}"
                assignments.append(Assignment(None, self._founded, None))
                self._founded += 1
            else:
                label, similarity = best
                if isinstance(label, str):
                    assignments.append(Assignment(None, int(label.split(":")[1]), similarity))
                else:
                    assignments.append(Assignment(label, None, similarity))
            self.add(vector[None, :], [label], [partition], [signature])
        return assignments
