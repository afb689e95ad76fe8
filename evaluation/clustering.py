"""Near-duplicate clustering evaluation on the bundled cluster set (``eval_clusters.jsonl``).

Each line is a sentence with its ``group`` (the one checkable claim it states; every group has
reports in two or three languages) and ``split`` (``dev`` groups calibrate the threshold, ``test``
groups are reported). Groups come in families that differ in one detail (another country, year or
figure), so clustering by subject alone fails. Sentences are clustered the way the nightly run
does (centred query embeddings, centroid linkage, hard details must agree: ``claimwatch.pipeline.details``),
in a fixed shuffled order, averaged over five orders, and scored on pairs: precision and recall
of "same cluster" against "same group", and the recall of pairs in different languages.
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from claimwatch.errors import DataError
from claimwatch.evaluation.metrics import binary_scores
from claimwatch.models.cache import cached_embeddings
from claimwatch.models.embedder import Embedder
from claimwatch.pipeline.centring import language_centring
from claimwatch.pipeline.cluster import ClusterIndex, Linkage
from claimwatch.pipeline.details import COMPARABLE_KINDS

CLUSTER_FILE = Path(__file__).resolve().parent.parent / "pipeline" / "data" / "eval_clusters.jsonl"
SPLITS = ("dev", "test")
ORDERS = 5


@dataclass(frozen=True)
class GroupedSentence:
    id: str
    group: str
    split: str
    language: str
    text: str


def read_cluster_set(path: Path = CLUSTER_FILE) -> list[GroupedSentence]:
    if not path.is_file():
        raise DataError(f"{path}: not found")
    sentences = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            sentence = GroupedSentence(
                row["id"], row["group"], row["split"], row["lang"], row["text"]
            )
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise DataError(f"{path.name}:{number}: not a grouped sentence ({error})") from None
        if sentence.split not in SPLITS:
            raise DataError(f"{path.name}:{number}: split must be dev or test")
        sentences.append(sentence)
    return sentences


def embed_cluster_set(
    sentences: Sequence[GroupedSentence], embedder: Embedder, cache_dir: Path, centred: bool = True
) -> NDArray[np.float32]:
    """The sentences' query embeddings (cached on disk), language-centred unless told not to."""
    vectors = cached_embeddings(
        embedder, [s.text for s in sentences], prompt="query", cache_dir=cache_dir
    )
    if not centred:
        return vectors
    return language_centring(embedder, cache_dir).apply(vectors, [s.language for s in sentences])


def linkage_from_options(
    details: str, all_members: bool = True, agreement_bonus: float | None = None
) -> Linkage:
    """A linkage from command-line words: ``details`` is a comma-separated list of detail kinds
    (``claimwatch.pipeline.details``) or ``none``."""
    kinds = () if details.strip() == "none" else tuple(k.strip() for k in details.split(","))
    unknown = [k for k in kinds if k not in COMPARABLE_KINDS]
    if unknown:
        raise ValueError(f"unknown detail kinds {unknown}; known: {', '.join(COMPARABLE_KINDS)}")
    bonus = Linkage.agreement_bonus if agreement_bonus is None else agreement_bonus
    return Linkage(detail_kinds=kinds, all_members=all_members, agreement_bonus=bonus)


def cluster_labels(
    vectors: NDArray[np.float32],
    texts: Sequence[str],
    threshold: float,
    seed: int = 0,
    linkage: Linkage | None = None,
) -> list[int]:
    """Cluster the sentences in a shuffled order (as they would arrive); a label per sentence."""
    order = list(range(len(texts)))
    random.Random(seed).shuffle(order)
    index = ClusterIndex(vectors.shape[1], linkage)
    assignments = index.assign(
        vectors[order], [texts[i] for i in order], [None] * len(order), lambda _p: threshold
    )
    labels = [0] * len(texts)
    for position, assignment in zip(order, assignments, strict=True):
        labels[position] = assignment.new_group if assignment.new_group is not None else -1
    return labels


def pair_report(sentences: Sequence[GroupedSentence], labels: Sequence[int]) -> dict[str, float]:
    gold, predicted, cross_gold, cross_predicted = [], [], [], []
    for i, j in itertools.combinations(range(len(sentences)), 2):
        same = sentences[i].group == sentences[j].group
        joined = labels[i] == labels[j]
        gold.append(same)
        predicted.append(joined)
        if same and sentences[i].language != sentences[j].language:
            cross_gold.append(True)
            cross_predicted.append(joined)
    pairs = binary_scores(gold, predicted)
    cross = binary_scores(cross_gold, cross_predicted)
    return {
        "pairs.precision": pairs.precision,
        "pairs.recall": pairs.recall,
        "pairs.f1": pairs.f1,
        "cross_language.recall": cross.recall,
        "groups": float(len({s.group for s in sentences})),
        "clusters": float(len(set(labels))),
        "sentences": float(len(sentences)),
    }


def evaluate_clustering(
    sentences: Sequence[GroupedSentence],
    vectors: NDArray[np.float32],
    threshold: float,
    orders: int = ORDERS,
    linkage: Linkage | None = None,
) -> dict[str, float]:
    """The pair report, averaged over ``orders`` arrival orders (clusters depend on order)."""
    texts = [s.text for s in sentences]
    reports = [
        pair_report(sentences, cluster_labels(vectors, texts, threshold, seed, linkage))
        for seed in range(orders)
    ]
    return {name: round(float(np.mean([r[name] for r in reports])), 4) for name in reports[0]}


def tune_threshold(
    sentences: Sequence[GroupedSentence],
    vectors: NDArray[np.float32],
    linkage: Linkage | None = None,
) -> tuple[float, float]:
    """The threshold with the best pair F1 on these sentences (the lowest of ties), and that F1."""
    best, best_f1 = 0.5, -1.0
    for threshold in np.round(np.arange(0.30, 0.951, 0.01), 2):
        f1 = evaluate_clustering(sentences, vectors, float(threshold), linkage=linkage)["pairs.f1"]
        if f1 > best_f1:
            best, best_f1 = float(threshold), f1
    return best, best_f1
