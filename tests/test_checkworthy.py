"""Check-worthiness: the prefilter drops what cannot be a claim with a reason, the cues explain a
sentence, and the trained head keeps statements and drops questions, opinions and boilerplate in
English, French and Vietnamese."""

from __future__ import annotations

import pytest

from claimwatch.models import Embedder
from claimwatch.pipeline.checkworthy import cues_of, prefilter
from claimwatch.pipeline.classify import SentenceHeads

CHECKABLE = [
    ("en", "Vietnam has signed a secret military alliance with the United States."),
    ("fr", "Les Vietnamiens de l'étranger n'ont pas le droit d'acheter un logement au Vietnam."),
    (
        "vi",
        "Du khách nước ngoài chỉ được cấp thị thực điện tử 30 ngày và chỉ công dân của vài chục nước mới đủ điều kiện.",
    ),
    ("en", "Vietnam joined ASEAN in July 1995."),
]
NOT_CHECKABLE = [
    ("en", "Is this really what the two countries want?"),
    ("en", "I think the government should do more for students."),
    ("fr", "À mon avis, il faut aller plus loin dans cette relation."),
    ("vi", "Theo tôi, chúng ta nên chờ thêm một thời gian nữa."),
    ("en", "© 2026 The Hanoi Ledger. All rights reserved."),
    ("fr", "Abonnez-vous à notre newsletter pour ne rien manquer."),
]


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("12 345 — 67 %", "no_words"),
        ("🇻🇳🤝🇫🇷 !!!", "no_words"),
        ("Read more", "boilerplate"),
        ("Đọc thêm tin liên quan về chuyến thăm.", "boilerplate"),
        ("Pourquoi maintenant ?", "too_short"),
        ("Vietnam joined ASEAN in 1995.", None),
    ],
)
def test_prefilter_names_why_a_sentence_is_not_a_claim(sentence: str, reason: str | None) -> None:
    assert prefilter(sentence) == reason


def test_the_cues_explain_a_sentence() -> None:
    assert {"question", "number", "date"} <= set(
        cues_of("Is it true that 500 students left in 2024?")
    )
    assert "opinion" in cues_of("À mon avis, il faut aller plus loin.")
    assert "attribution" in cues_of("Theo Bộ Ngoại giao, hai nước đã ký 12 thỏa thuận.")


@pytest.mark.parametrize(("language", "sentence"), CHECKABLE)
def test_statements_are_check_worthy(
    heads: SentenceHeads, embedder: Embedder, language: str, sentence: str
) -> None:
    verdict = heads.judge([sentence], [language], embedder.embed_queries([sentence]))[0]
    assert verdict.checkworthy, verdict


@pytest.mark.parametrize(("language", "sentence"), NOT_CHECKABLE)
def test_questions_opinions_and_boilerplate_are_not(
    heads: SentenceHeads, embedder: Embedder, language: str, sentence: str
) -> None:
    verdict = heads.judge([sentence], [language], embedder.embed_queries([sentence]))[0]
    assert not verdict.checkworthy, verdict
