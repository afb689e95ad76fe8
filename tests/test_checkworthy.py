"""Check-worthiness: statements pass; questions, opinions and boilerplate do not."""

from __future__ import annotations

import pytest

from pipeline.checkworthy import score_checkworthiness

CHECKABLE = [
    "Vietnam has signed a secret military alliance with the United States.",
    "Les Vietnamiens de l'étranger n'ont pas le droit d'acheter un logement au Vietnam.",
    "Du khách nước ngoài chỉ được cấp thị thực điện tử 30 ngày và chỉ công dân của vài chục nước mới đủ điều kiện.",
    "Vietnam joined ASEAN in July 1995.",
]
NOT_CHECKABLE = [
    "Is this really what the two countries want?",
    "Pourquoi maintenant ?",
    "I think the government should do more for students.",
    "À mon avis, il faut aller plus loin.",
    "Theo tôi, chúng ta nên chờ thêm.",
    "© 2026 The Hanoi Ledger. All rights reserved.",
    "Abonnez-vous à notre newsletter.",
    "Đọc thêm tin liên quan.",
    "Read more",
]


@pytest.mark.parametrize("sentence", CHECKABLE)
def test_factual_statements_are_check_worthy(sentence: str) -> None:
    assert score_checkworthiness(sentence).score >= 0.5


@pytest.mark.parametrize("sentence", NOT_CHECKABLE)
def test_questions_opinions_and_boilerplate_are_not(sentence: str) -> None:
    assert score_checkworthiness(sentence).score < 0.5


def test_the_cues_explain_the_score() -> None:
    worth = score_checkworthiness("Is it true that 500 students left in 2024?")
    assert {"question", "number", "date"} <= set(worth.cues)
