"""Claim-matching evaluation: rank fact-checked claims for each query with the hybrid retriever
and score the rankings against the gold pairs (MAP@k, MRR, success@k).

The fact-checked claims are embedded once per model and cached (``claimwatch.models.cache``); the queries
of a split too. ``tune_dense_weight`` picks the fusion weight on one split (tune on train,
report on dev).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from claimwatch.evaluation.checkthat import MatchingSet
from claimwatch.evaluation.metrics import ranking_report
from claimwatch.models.cache import Progress, cached_embeddings
from claimwatch.models.embedder import Embedder
from claimwatch.pipeline.hybrid_search import DENSE_WEIGHT, HybridIndex

Say = Callable[[str], None]


@dataclass(frozen=True)
class EmbeddedSet:
    data: MatchingSet
    query_ids: list[str]
    query_vectors: NDArray[np.float32]
    index: HybridIndex


def embed_set(
    data: MatchingSet, embedder: Embedder, cache_dir: Path, progress: Progress | None = None
) -> EmbeddedSet:
    documents = [c.document for c in data.claims]
    vectors = cached_embeddings(
        embedder, documents, prompt="document", cache_dir=cache_dir, progress=progress
    )
    query_ids = sorted(data.queries)
    queries = cached_embeddings(
        embedder, [data.queries[q] for q in query_ids], prompt="query", cache_dir=cache_dir
    )
    return EmbeddedSet(data, query_ids, queries, HybridIndex(documents, vectors))


def rank(embedded: EmbeddedSet, dense_weight: float, k: int = 10) -> dict[str, list[str]]:
    index = embedded.index
    index.dense_weight = dense_weight
    claims = embedded.data.claims
    return {
        query_id: [claims[hit.index].claim_id for hit in index.search(text, vector, k)]
        for query_id, text, vector in zip(
            embedded.query_ids,
            (embedded.data.queries[q] for q in embedded.query_ids),
            embedded.query_vectors,
            strict=True,
        )
    }


def evaluate(embedded: EmbeddedSet, dense_weight: float = DENSE_WEIGHT) -> dict[str, float]:
    return ranking_report(rank(embedded, dense_weight), embedded.data.gold)


def tune_dense_weight(embedded: EmbeddedSet, say: Say | None = None) -> float:
    """The fusion weight (0 = words only, 1 = meaning only) with the best MAP@5 on this split."""
    best, best_map = DENSE_WEIGHT, -1.0
    for weight in np.round(np.arange(0.0, 1.0001, 0.1), 2):
        figure = evaluate(embedded, float(weight))["map@5"]
        if say is not None:
            say(f"dense_weight {weight:.1f}: map@5 {figure:.4f}")
        if figure > best_map:
            best, best_map = float(weight), figure
    return best
