"""Ranking and classification metrics, as the shared tasks define them.

Ranking: for each query, a ranked list of document ids and the set of relevant ids.
``average_precision_at(k)`` is CheckThat!'s MAP@k term: the mean of precision@i over the ranks
i <= k that hold a relevant document, divided by the number of relevant documents.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


def average_precision_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    if not relevant:
        return 0.0
    found, total = 0, 0.0
    for position, doc in enumerate(ranked[:k], 1):
        if doc in relevant:
            found += 1
            total += found / position
    return total / len(relevant)


def reciprocal_rank(ranked: Sequence[str], relevant: set[str]) -> float:
    for position, doc in enumerate(ranked, 1):
        if doc in relevant:
            return 1.0 / position
    return 0.0


def success_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    return 1.0 if any(doc in relevant for doc in ranked[:k]) else 0.0


def ranking_report(
    runs: Mapping[str, Sequence[str]], gold: Mapping[str, set[str]]
) -> dict[str, float]:
    """MAP@1/3/5/10, MRR and success@1/5/10 over the queries of ``gold`` (a missing run is 0)."""
    queries = sorted(gold)
    if not queries:
        raise ValueError("no queries with relevant documents")

    def mean(values: list[float]) -> float:
        return round(sum(values) / len(values), 4)

    report: dict[str, float] = {}
    for k in (1, 3, 5, 10):
        report[f"map@{k}"] = mean(
            [average_precision_at(runs.get(q, []), gold[q], k) for q in queries]
        )
    report["mrr"] = mean([reciprocal_rank(runs.get(q, []), gold[q]) for q in queries])
    for k in (1, 5, 10):
        report[f"success@{k}"] = mean([success_at(runs.get(q, []), gold[q], k) for q in queries])
    report["queries"] = float(len(queries))
    return report


@dataclass(frozen=True)
class BinaryScores:
    precision: float
    recall: float
    f1: float
    support: int  # positives in the gold labels
    total: int

    def as_dict(self) -> dict[str, float]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "support": float(self.support),
            "n": float(self.total),
        }


def binary_scores(gold: Sequence[bool], predicted: Sequence[bool]) -> BinaryScores:
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels but {len(predicted)} predictions")
    tp = sum(g and p for g, p in zip(gold, predicted, strict=True))
    fp = sum(p and not g for g, p in zip(gold, predicted, strict=True))
    fn = sum(g and not p for g, p in zip(gold, predicted, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return BinaryScores(
        round(precision, 4), round(recall, 4), round(f1, 4), sum(map(bool, gold)), len(gold)
    )
