"""Hybrid retrieval: words find what meaning blurs (a rare name), meaning finds what shares no
word (a translation), the fused ranking keeps both, and every hit says why."""

from __future__ import annotations

import numpy as np
import pytest

from claimwatch.models import Embedder
from claimwatch.pipeline.hybrid_search import HybridIndex, tokenize

DOCUMENTS = [
    "Vietnam and Japan agreed to expand student exchanges in 2025.",
    "Le Vietnam a rétabli l'exemption de visa pour les citoyens français.",
    "Việt Nam và Lào khai trương cửa khẩu quốc tế mới tại Quảng Trị.",
    "The Nguyen Van Troi friendship school in Nhu Xuan opened a library.",
    "Vietnam's exports to the European Union rose after the trade agreement.",
]


@pytest.fixture(scope="module")
def index(embedder: Embedder) -> HybridIndex:
    return HybridIndex(DOCUMENTS, embedder.embed_queries(DOCUMENTS))


def search(index: HybridIndex, embedder: Embedder, text: str, weight: float = 0.6):  # type: ignore[no-untyped-def]
    index.dense_weight = weight
    return index.search(text, embedder.embed_queries([text])[0], k=3)


def test_tokenize_drops_stopwords_in_every_language_and_keeps_numbers() -> None:
    assert tokenize("The visas of the French are valid for 45 days") == [
        "visas",
        "french",
        "valid",
        "45",
        "days",
    ]
    assert tokenize("Les visas des Français") == ["visas", "français"]
    assert tokenize("Việt Nam và Lào đã ký 3 thỏa thuận") == [
        "việt",
        "nam",
        "lào",
        "ký",
        "3",
        "thỏa",
        "thuận",
    ]


def test_a_translation_is_found_by_meaning(index: HybridIndex, embedder: Embedder) -> None:
    hits = search(index, embedder, "Vietnam and Laos opened a new international border gate.")
    assert hits[0].index == 2
    assert hits[0].dense_rank == 1 and hits[0].shared_terms == ()


def test_a_rare_name_is_found_by_words(index: HybridIndex, embedder: Embedder) -> None:
    hits = search(index, embedder, "Nhu Xuan school news", weight=0.0)
    assert hits[0].index == 3 and hits[0].lexical_rank == 1
    assert {"nhu", "xuan"} <= set(hits[0].shared_terms)
    assert "words #1" in hits[0].reason() and "nhu" in hits[0].reason()


def test_fusion_weight_moves_between_the_two_rankings(
    index: HybridIndex, embedder: Embedder
) -> None:
    text = "Japanese and Vietnamese students will study in each other's countries."
    by_meaning = search(index, embedder, text, weight=1.0)
    assert by_meaning[0].index == 0
    assert by_meaning[0].score == pytest.approx(1.0)
    with pytest.raises(ValueError, match="dense_weight"):
        HybridIndex(DOCUMENTS, index.vectors, dense_weight=1.5)


def test_empty_collection_and_wordless_query(embedder: Embedder) -> None:
    empty = HybridIndex([], np.zeros((0, embedder.dimension), np.float32))
    assert empty.search("anything", embedder.embed_queries(["anything"])[0]) == []
    index = HybridIndex(DOCUMENTS[:2], embedder.embed_queries(DOCUMENTS[:2]))
    hits = index.search("🙂 ???", embedder.embed_queries(["🙂 ???"])[0], k=5)
    assert len(hits) == 2 and all(h.lexical_score == 0 for h in hits)
