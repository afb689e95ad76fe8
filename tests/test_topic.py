"""Topic relevance: the trained topic head keeps claims about Vietnam's foreign and
people-to-people relations in English, French and Vietnamese, and drops domestic news and other
countries' diplomacy; its thresholds are calibrated per language; the closest zero-shot label
names the subject."""

from __future__ import annotations

import pytest

from claimwatch.models import Embedder
from claimwatch.pipeline.classify import SentenceHeads
from claimwatch.pipeline.topic import TopicScorer, load_labels

ON_TOPIC = [
    ("en", "Vietnam and Japan agreed to expand student exchanges next year."),
    ("fr", "Le président français a été reçu à Hanoï pour renforcer le partenariat stratégique."),
    ("vi", "Việt Nam và Hàn Quốc ký kết thỏa thuận hợp tác văn hóa."),
    ("en", "Overseas Vietnamese sent home a record amount of remittances last year."),
]
OFF_TOPIC = [
    ("en", "The price of gold rose sharply on the Ho Chi Minh City market this morning."),
    ("fr", "Le match de football s'est terminé sur un score nul à Lyon."),
    ("vi", "Giá xăng giảm nhẹ từ chiều nay tại các cửa hàng trong nước."),
    ("en", "Germany and France signed a new treaty on rail links in Aachen."),
]


def judge(heads: SentenceHeads, embedder: Embedder, language: str, text: str):  # type: ignore[no-untyped-def]
    return heads.judge([text], [language], embedder.embed_queries([text]))[0]


def test_labels_file_has_both_kinds() -> None:
    labels = load_labels()
    assert any(label.on_topic for label in labels) and any(not label.on_topic for label in labels)
    assert all(label.descriptions for label in labels)


@pytest.mark.parametrize(("language", "text"), ON_TOPIC)
def test_on_topic_claims_pass_the_head(
    heads: SentenceHeads, embedder: Embedder, language: str, text: str
) -> None:
    verdict = judge(heads, embedder, language, text)
    assert verdict.on_topic, verdict
    on_topic_labels = {label.name for label in load_labels() if label.on_topic}
    assert verdict.topic_label in on_topic_labels


@pytest.mark.parametrize(("language", "text"), OFF_TOPIC)
def test_off_topic_claims_do_not(
    heads: SentenceHeads, embedder: Embedder, language: str, text: str
) -> None:
    assert not judge(heads, embedder, language, text).on_topic


def test_thresholds_are_calibrated_per_language(heads: SentenceHeads) -> None:
    for head in (heads.topic, heads.checkworthy):
        assert {"en", "fr", "vi"} <= set(head.thresholds)
        assert all(0.1 <= cut <= 0.9 for cut in head.thresholds.values())
        assert head.cross_validated["vi"]["f1"] > 0.8
    assert heads.topic.features[-1].startswith("label:")
    assert heads.topic_threshold("vi") == heads.topic.thresholds["vi"]
    assert heads.topic_threshold("de") == heads.topic.thresholds["*"]


def test_a_threshold_from_the_settings_overrides_the_calibrated_one(
    heads: SentenceHeads, embedder: Embedder
) -> None:
    strict = SentenceHeads(heads.topic, heads.checkworthy, heads.labels, topic_threshold=0.999)
    text = "Vietnam and Japan agreed to expand student exchanges next year."
    assert not strict.judge([text], ["en"], embedder.embed_queries([text]))[0].on_topic


def test_no_claims_no_scores(embedder: Embedder, heads: SentenceHeads) -> None:
    assert TopicScorer(embedder).score(embedder.embed_queries([])) == []
    assert heads.judge([], [], embedder.embed_queries([])) == []
