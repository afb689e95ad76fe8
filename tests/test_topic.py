"""Topic relevance: claims about Vietnam's foreign and people-to-people relations score above the
threshold in English, French and Vietnamese; domestic and unrelated news scores below it."""

from __future__ import annotations

import pytest

from models import Embedder
from pipeline.topic import TopicScorer, load_labels

ON_TOPIC = [
    "Vietnam and Japan agreed to expand student exchanges next year.",
    "Le président français a été reçu à Hanoï pour renforcer le partenariat stratégique.",
    "Việt Nam và Hàn Quốc ký kết thỏa thuận hợp tác văn hóa.",
]
OFF_TOPIC = [
    "The price of gold rose sharply on the Ho Chi Minh City market this morning.",
    "Le match de football s'est terminé sur un score nul.",
    "Giá xăng giảm nhẹ từ chiều nay.",
]


@pytest.fixture(scope="module")
def scorer(embedder: Embedder) -> TopicScorer:
    return TopicScorer(embedder)


def test_labels_file_has_both_kinds() -> None:
    labels = load_labels()
    assert any(label.on_topic for label in labels) and any(not label.on_topic for label in labels)
    assert all(label.descriptions for label in labels)


def test_on_topic_claims_score_high(scorer: TopicScorer, embedder: Embedder) -> None:
    scores = scorer.score(embedder.embed_queries(ON_TOPIC))
    assert [s.relevance > 0.5 for s in scores] == [True, True, True], scores


def test_off_topic_claims_score_low(scorer: TopicScorer, embedder: Embedder) -> None:
    scores = scorer.score(embedder.embed_queries(OFF_TOPIC))
    assert [s.relevance < 0.5 for s in scores] == [True, True, True], scores


def test_no_claims_no_scores(scorer: TopicScorer, embedder: Embedder) -> None:
    assert scorer.score(embedder.embed_queries([])) == []
