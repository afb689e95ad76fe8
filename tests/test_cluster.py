"""Near-duplicate grouping: claims join the cluster with the closest centroid within their
partition, contradicting numbers found new clusters, language centring brings translations
together, and the clustering evaluation scores pairs."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from evaluation.clustering import GroupedSentence, pair_report
from models import Embedder
from pipeline.centring import LanguageCentring
from pipeline.cluster import ClusterIndex, number_signature, numbers_compatible


def unit(*values: float) -> NDArray[np.float32]:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_number_signature_ignores_thousands_separators() -> None:
    same = {"500000", "2024"}
    assert number_signature("500.000 visitors in 2024") == same
    assert number_signature("500,000 visiteurs en 2024") == same
    assert number_signature("500 000 visiteurs en 2024") == same
    assert number_signature("500\u202f000 visiteurs en 2024") == same
    assert number_signature("3,5 % en 2024") == {"35", "2024"}
    assert number_signature("no numbers") == frozenset()
    assert numbers_compatible(frozenset({"30"}), frozenset()) is True
    assert numbers_compatible(frozenset({"30"}), frozenset({"90"})) is False


def test_joins_existing_cluster_in_same_partition_only() -> None:
    index = ClusterIndex(dimension=2)
    index.add(np.stack([unit(1, 0)]), [7], [None], [frozenset()])
    near = np.stack([unit(1, 0.05), unit(1, 0.05), unit(0, 1)])
    result = index.assign(near, ["a", "b", "c"], [None, 3, None], lambda _p: 0.95)
    assert result[0].cluster_id == 7 and result[0].similarity is not None
    assert result[0].similarity > 0.99
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


def test_centroid_linkage_does_not_chain() -> None:
    """Each step is close to the last, but the run drifts away from the first claim."""
    index = ClusterIndex(dimension=2)
    steps = np.stack([unit(np.cos(a), np.sin(a)) for a in np.radians([0, 20, 40, 60, 80])])
    result = index.assign(steps, list("abcde"), [None] * 5, lambda _p: 0.9)
    groups = [r.new_group for r in result]
    assert groups[0] == groups[1] and len(set(groups)) >= 2  # single linkage would make one


def test_new_clusters_of_two_batches_never_collide() -> None:
    index = ClusterIndex(dimension=2)
    first = index.assign(np.stack([unit(1, 0)]), ["a"], [None], lambda _p: 0.99)
    second = index.assign(np.stack([unit(0, 1)]), ["b"], [None], lambda _p: 0.99)
    assert first[0].new_group != second[0].new_group


def test_centring_brings_translations_closer_than_same_language_neighbours(
    embedder: Embedder,
) -> None:
    texts = [
        "Vietnam has secretly signed a military alliance with the United States.",
        "Việt Nam đã bí mật ký liên minh quân sự với Hoa Kỳ.",
        "Vietnam and Laos opened a new border gate for trade.",
        "Việt Nam và Lào khai trương cửa khẩu mới để giao thương.",
    ]
    languages = ["en", "vi", "en", "vi"]
    raw = embedder.embed_queries(texts)
    centring = LanguageCentring.fit(raw, languages)
    centred = centring.apply(raw, languages)
    assert np.allclose(np.linalg.norm(centred, axis=1), 1.0, atol=1e-5)
    gap_raw = raw[0] @ raw[1] - raw[0] @ raw[2]
    gap_centred = centred[0] @ centred[1] - centred[0] @ centred[2]
    assert gap_centred > gap_raw and gap_centred > 0
    assert np.allclose(centring.apply(raw[:1], ["de"]), centring.apply(raw[:1], [None]))


def test_pair_report_counts_pairs_and_cross_language_recall() -> None:
    sentences = [
        GroupedSentence("1", "g1", "test", "en", "a"),
        GroupedSentence("2", "g1", "test", "fr", "b"),
        GroupedSentence("3", "g1", "test", "en", "c"),
        GroupedSentence("4", "g2", "test", "vi", "d"),
    ]
    report = pair_report(sentences, [0, 0, 1, 1])
    assert report["pairs.precision"] == 0.5  # (1,2) right, (3,4) wrong
    assert report["pairs.recall"] == round(1 / 3, 4)
    assert report["cross_language.recall"] == 0.5  # (1,2) joined, (2,3) not
