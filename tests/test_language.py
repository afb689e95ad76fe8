"""Language identification: whole articles, short sentences, and text with no letters."""

from __future__ import annotations

from claimwatch.pipeline.language import detect_article_language, sentence_language


def test_articles_in_the_three_languages_are_recognised() -> None:
    assert (
        detect_article_language(
            "Vietnam and France",
            "The two countries upgraded their relationship to a comprehensive strategic partnership during a visit to Paris.",
        )
        == "en"
    )
    assert (
        detect_article_language(
            "Le Vietnam et la France",
            "Les deux pays ont élevé leur relation au rang de partenariat stratégique global lors d'une visite à Paris.",
        )
        == "fr"
    )
    assert (
        detect_article_language(
            "Việt Nam và Pháp",
            "Hai nước đã nâng cấp quan hệ lên Đối tác Chiến lược Toàn diện trong chuyến thăm Paris.",
        )
        == "vi"
    )


def test_results_repeat() -> None:
    text = "Ngắn gọn thôi."
    assert len({detect_article_language(None, text) for _ in range(5)}) == 1


def test_short_sentences_keep_the_article_language() -> None:
    assert sentence_language("The minister denied it.", "en") == "en"
    assert sentence_language("Hanoi, Paris.", "vi") == "vi"


def test_a_long_sentence_in_another_language_is_recognised() -> None:
    quote = "Les deux pays ont élevé leur relation au rang de partenariat stratégique global lors de la visite."
    assert sentence_language(quote, "en") == "fr"


def test_text_without_letters_falls_back_to_the_hint() -> None:
    assert detect_article_language(None, "2026 — 15/8 — 90 ✓ 🇻🇳", hint="vi") == "vi"
    assert sentence_language("12 345 678 90 11 12 13 14", "fr") == "fr"
