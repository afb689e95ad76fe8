"""Topic relevance on sentences in the style of real news (written for the project, none of them a
seed): national-team football, a chess bonus, a generic "Người Việt…" feature and domestic
weather are off topic; a migrant smuggled into Britain, work visas, study grants abroad and the
diaspora's aid are on topic. Two known misses are kept as expected failures, so they are seen."""

from __future__ import annotations

import pytest

from models import Embedder
from pipeline.classify import SentenceHeads
from pipeline.labelled import SEED_FILE, read_labelled

OFF_TOPIC = [
    ("vi", "Tuyển Việt Nam thắng Indonesia 2-1 ở lượt trận thứ hai bảng B AFF Cup."),
    (
        "vi",
        "Kỳ thủ trẻ được thưởng nóng 100 triệu đồng sau khi giành huy chương vàng cờ chớp châu Á.",
    ),
    ("vi", "Người Việt ngày càng thích uống cà phê muối vào buổi sáng."),
    ("vi", "Mưa lớn kéo dài khiến nhiều xã ở Quảng Bình bị cô lập."),
    ("vi", "Thành phố Đà Nẵng khánh thành cây cầu mới bắc qua sông Hàn."),
    ("en", "Vietnam's under-23 side drew 0-0 with Myanmar in their opening SEA Games match."),
    (
        "en",
        "A chess prodigy from Hanoi was given a bonus of 100 million dong after winning the national title.",
    ),
    ("en", "Vietnamese people are drinking more coffee at home than ever before."),
    ("fr", "L'équipe du Vietnam a battu la Malaisie 2-0 en finale de la Coupe d'Asie du Sud-Est."),
]
ON_TOPIC = [
    ("vi", "Hàn Quốc cấp thêm 5.000 thị thực lao động cho người Việt Nam trong năm nay."),
    (
        "fr",
        "Des étudiants vietnamiens pourront obtenir des bourses pour étudier en France dès la rentrée.",
    ),
    ("vi", "Kiều bào tại Úc gửi 10.000 khẩu trang về hỗ trợ quê nhà chống dịch."),
    ("en", "Vietnam and Singapore agreed to open a green shipping corridor between their ports."),
]


def on_topic(heads: SentenceHeads, embedder: Embedder, language: str, text: str) -> bool:
    return heads.judge([text], [language], embedder.embed_queries([text]))[0].on_topic


def test_none_of_these_sentences_is_a_seed() -> None:
    seeds = {s.text for s in read_labelled(SEED_FILE)}
    assert not seeds & {text for _, text in OFF_TOPIC + ON_TOPIC}
    assert not any("nail bar" in seed or "orages" in seed for seed in seeds)


@pytest.mark.parametrize(("language", "text"), OFF_TOPIC)
def test_sport_prizes_features_and_domestic_news_are_off_topic(
    heads: SentenceHeads, embedder: Embedder, language: str, text: str
) -> None:
    assert not on_topic(heads, embedder, language, text)


@pytest.mark.parametrize(("language", "text"), ON_TOPIC)
def test_cross_border_stories_are_on_topic(
    heads: SentenceHeads, embedder: Embedder, language: str, text: str
) -> None:
    assert on_topic(heads, embedder, language, text)


@pytest.mark.xfail(
    strict=True,
    reason="the English migrant story scores just under the English threshold "
    "(see docs/pipeline.md, topic precision on real news)",
)
def test_a_migrant_smuggled_into_britain_is_on_topic(
    heads: SentenceHeads, embedder: Embedder
) -> None:
    text = (
        "A Vietnamese teenager smuggled into Britain in a lorry was found working in a nail bar "
        "in Birmingham, police said."
    )
    assert on_topic(heads, embedder, "en", text)


@pytest.mark.xfail(
    strict=True,
    reason="French reports of Vietnamese domestic news are still called on topic "
    "(see docs/pipeline.md, topic precision on real news)",
)
def test_french_report_of_domestic_weather_is_off_topic(
    heads: SentenceHeads, embedder: Embedder
) -> None:
    text = "De violents orages ont provoqué des inondations dans le centre du Vietnam."
    assert not on_topic(heads, embedder, "fr", text)
