"""Near-duplicate grouping: similar claims join, contradicting numbers and other partitions do not,
and claims of one batch group with each other."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from models import Embedder
from pipeline.cluster import ClusterIndex, number_signature, numbers_compatible


def unit(*values: float) -> NDArray[np.float32]:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_number_signature_ignores_thousands_separators() -> None:
    assert number_signature("500.000 visitors in 2024") == number_signature(
        "500,000 visiteurs en 2024"
    )
    assert number_signature("no numbers") == frozenset()
    assert numbers_compatible(frozenset({"30"}), frozenset()) is True
    assert numbers_compatible(frozenset({"30"}), frozenset({"90"})) is False


def test_joins_existing_cluster_in_same_partition_only() -> None:
    index = ClusterIndex(dimension=2)
    index.add(np.stack([unit(1, 0)]), [7], [None], [frozenset()])
    near = np.stack([unit(1, 0.05), unit(1, 0.05), unit(0, 1)])
    result = index.assign(near, ["a", "b", "c"], [None, 3, None], lambda _p: 0.95)
    assert (
        result[0].cluster_id == 7
        and result[0].similarity is not None
        and result[0].similarity > 0.99
    )
    assert result[1].cluster_id is None and result[1].new_group == 0  # other partition
    assert result[2].cluster_id is None and result[2].new_group == 1


def test_contradicting_numbers_found_a_new_cluster() -> None:
    index = ClusterIndex(dimension=2)
    index.add(np.stack([unit(1, 0)]), [1], [None], [number_signature("visa-free stay of 30 days")])
    result = index.assign(
        np.stack([unit(1, 0), unit(1, 0)]),
        ["stay of 90 days", "stay of 30 days"],
        [None, None],
        lambda _p: 0.9,
    )
    assert result[0].cluster_id is None and result[1].cluster_id == 1


def test_a_batch_groups_with_itself_and_threshold_depends_on_partition() -> None:
    index = ClusterIndex(dimension=2)
    vectors = np.stack([unit(1, 0), unit(1, 0.4), unit(1, 0), unit(1, 0.4)])
    result = index.assign(
        vectors, ["w", "x", "y", "z"], [None, None, 5, 5], lambda p: 0.99 if p is None else 0.9
    )
    assert [r.new_group for r in result] == [0, 1, 2, 2]
    assert result[3].similarity is not None and 0.9 < result[3].similarity < 0.99


def test_translations_of_a_claim_cluster_together(embedder: Embedder) -> None:
    texts = [
        "Vietnam has secretly signed a military alliance with the United States.",
        "Le Vietnam a secrètement signé une alliance militaire avec les États-Unis.",
        "Việt Nam đã bí mật ký liên minh quân sự với Hoa Kỳ.",
        "Vietnam and Laos opened a new border gate for trade.",
    ]
    vectors = embedder.embed_documents(texts)
    result = ClusterIndex(dimension=embedder.dimension).assign(
        vectors, texts, [1, 1, 1, None], lambda p: 0.85
    )
    assert [r.new_group for r in result] == [0, 0, 0, 1]
