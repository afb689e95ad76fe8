"""Near-duplicate grouping of claims, across outlets and languages, night after night.

Claims are compared in a *language-centred* space (``claimwatch.pipeline.centring``): E5 embeddings carry a
strong language component, so a French and a Vietnamese report of one claim sit further apart
than two English reports of different claims. Subtracting each language's mean embedding and
normalising again removes most of it.

A new claim joins the cluster whose centroid is most similar, when that cosine reaches the
threshold and its hard details (``claimwatch.pipeline.details``: years, months, figures, countries and
organisations) conflict with no member's: "30 days" is not "90 days", "Japan" is not "the United
States", "2018" is not "2020". When the nearest cluster conflicts, the next one above the
threshold is tried; otherwise the claim founds a new cluster. Centroid linkage resists the
chaining of single linkage, where a run of paraphrases drifts from one claim to another.
Claims are grouped only within their *partition*: claims that repeat the same narrative form one
partition (with a looser threshold, since the narrative match already vouches that they tell the
same story), claims that repeat none form another, so an accurate report never becomes an
occurrence of a misleading claim. Clusters found on earlier nights are loaded with their members,
so grouping is incremental (no earlier assignment ever changes); claims of one batch group
together too. Members loaded with only their ``number_signature`` (older callers) are checked on
numbers alone.

Figures for each choice are in docs/pipeline.md (``claimwatch eval clustering``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from claimwatch.pipeline.details import (
    DETAIL_KINDS,
    ClaimDetails,
    agreements,
    claim_details,
    conflicts,
)
from claimwatch.pipeline.details import number_signature as number_signature
from claimwatch.pipeline.details import numbers_compatible as numbers_compatible

Partition = int | None
ClusterLabel = int | str  # an existing cluster id, or "new:<group>" for one founded in this batch


@dataclass(frozen=True)
class Assignment:
    """Where a new claim went: an existing cluster id, or a new cluster (``new_group`` >= 0)."""

    cluster_id: int | None
    new_group: int | None
    similarity: float | None


Signature = frozenset[str] | ClaimDetails  # a member's numbers (older callers) or its details


@dataclass(frozen=True)
class Linkage:
    """How a claim is matched to a cluster.

    ``detail_kinds`` (see ``claimwatch.pipeline.details``) must not conflict with every member's
    (``all_members``) or with at least one member's. A claim that states the same month or
    figure as a member (each of ``agreement_kinds``) needs ``agreement_bonus`` less cosine per
    kind: agreeing on a hard detail is evidence of the same claim."""

    detail_kinds: tuple[str, ...] = DETAIL_KINDS
    all_members: bool = True
    agreement_kinds: tuple[str, ...] = ("months", "figures")
    agreement_bonus: float = 0.10

    def threshold_for(
        self, details: ClaimDetails, members: Sequence[ClaimDetails], base: float
    ) -> float:
        """The cosine ``details`` needs to join a cluster with these members."""
        agreeing = max(len(agreements(details, m, self.agreement_kinds)) for m in members)
        return base - self.agreement_bonus * agreeing

    def lowest_threshold(self, base: float) -> float:
        return base - self.agreement_bonus * len(self.agreement_kinds)


def _details(signature: Signature) -> ClaimDetails:
    if isinstance(signature, ClaimDetails):
        return signature
    return ClaimDetails(numbers=signature, known=False)


def details_compatible(a: ClaimDetails, b: ClaimDetails, kinds: Sequence[str]) -> bool:
    """No conflict on ``kinds``; with a member known only by its numbers, numbers must agree."""
    if not (a.known and b.known):
        return numbers_compatible(a.numbers, b.numbers)
    return not conflicts(a, b, kinds)


class ClusterIndex:
    """The clusters known so far: each one's partition, the sum of its members' (centred,
    normalised) vectors, and its members' details."""

    def __init__(self, dimension: int, linkage: Linkage | None = None) -> None:
        self.dimension = dimension
        self.linkage = linkage or Linkage()
        self._sums = np.zeros((16, dimension), dtype=np.float32)
        self.labels: list[ClusterLabel] = []
        self.partitions: list[Partition] = []
        self.signatures: list[list[ClaimDetails]] = []
        self._row: dict[ClusterLabel, int] = {}
        self._founded = 0  # clusters founded by ``assign`` so far

    def __len__(self) -> int:
        return len(self.labels)

    def add(
        self,
        vectors: NDArray[np.float32],
        clusters: Sequence[ClusterLabel],
        partitions: Sequence[Partition],
        signatures: Sequence[Signature],
    ) -> None:
        """Add members to their clusters (creating the clusters they name). A signature is the
        member's ``claim_details`` or, from older callers, its ``number_signature``."""
        rows = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dimension)
        for vector, label, partition, signature in zip(
            rows, clusters, partitions, signatures, strict=True
        ):
            row = self._row.get(label)
            if row is None:
                row = self._new_row(label, partition)
            self._sums[row] += vector
            self.signatures[row].append(_details(signature))

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

    def _agrees(self, row: int, details: ClaimDetails) -> bool:
        kinds = self.linkage.detail_kinds
        verdicts = (details_compatible(details, m, kinds) for m in self.signatures[row])
        return all(verdicts) if self.linkage.all_members else any(verdicts)

    def _best(
        self,
        vector: NDArray[np.float32],
        partition: Partition,
        details: ClaimDetails,
        threshold: float,
    ) -> tuple[ClusterLabel, float] | None:
        if not self.labels:
            return None
        sims = self.centroid_similarities(vector)
        lowest = self.linkage.lowest_threshold(threshold)
        for row in np.argsort(-sims):
            if sims[row] < lowest:
                return None
            if (
                self.partitions[row] == partition
                and self._agrees(row, details)
                and sims[row]
                >= self.linkage.threshold_for(details, self.signatures[row], threshold)
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
            details = claim_details(text)
            best = self._best(vector, partition, details, threshold(partition))
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
            self.add(vector[None, :], [label], [partition], [details])
        return assignments
