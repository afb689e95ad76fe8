"""Sentence segmentation for English, French and Vietnamese, and a fallback."""

from __future__ import annotations

from claimwatch.pipeline.segment import MAX_SENTENCE_CHARS, split_sentences


def texts(text: str, language: str | None) -> list[str]:
    return [s.text for s in split_sentences(text, language)]


def test_english_abbreviations_numbers_and_quotes_stay_whole() -> None:
    text = 'Mr. Smith arrived on Jan. 5. He said: "We will sign. Then we go home." The deal is worth 3.5 billion dollars. Is it true? U.S. officials declined to comment.'
    assert texts(text, "en") == [
        "Mr. Smith arrived on Jan. 5.",
        'He said: "We will sign. Then we go home."',
        "The deal is worth 3.5 billion dollars.",
        "Is it true?",
        "U.S. officials declined to comment.",
    ]


def test_french_spacing_guillemets_and_abbreviations() -> None:
    text = "M. Dupont est arrivé à Paris. « Nous allons signer ! » a-t-il déclaré. Pourquoi maintenant ? Le Vietnam et la France ont élevé leur relation en 2024."
    assert texts(text, "fr") == [
        "M. Dupont est arrivé à Paris.",
        "« Nous allons signer ! » a-t-il déclaré.",
        "Pourquoi maintenant ?",
        "Le Vietnam et la France ont élevé leur relation en 2024.",
    ]


def test_vietnamese_titles_dates_and_decimal_commas() -> None:
    text = "PGS.TS. Nguyễn Văn A cho biết Việt Nam sẽ tăng cường hợp tác. Từ ngày 15/8/2023, Việt Nam cấp thị thực điện tử 90 ngày. TP. Hồ Chí Minh đón 5,2 triệu khách. Đây là tin tốt."
    assert texts(text, "vi") == [
        "PGS.TS. Nguyễn Văn A cho biết Việt Nam sẽ tăng cường hợp tác.",
        "Từ ngày 15/8/2023, Việt Nam cấp thị thực điện tử 90 ngày.",
        "TP. Hồ Chí Minh đón 5,2 triệu khách.",
        "Đây là tin tốt.",
    ]


def test_paragraphs_always_end_a_sentence_and_offsets_point_into_the_text() -> None:
    text = "A heading without a full stop\nThe first sentence. The second one."
    sentences = split_sentences(text, "en")
    assert [s.text for s in sentences] == [
        "A heading without a full stop",
        "The first sentence.",
        "The second one.",
    ]
    assert all(text[s.start : s.end].strip() == s.text for s in sentences)


def test_unknown_languages_and_cjk_punctuation() -> None:
    assert texts("Hola amigos. Adiós amigos.", "es") == ["Hola amigos.", "Adiós amigos."]
    assert texts("越南和法国升级了关系。这是好消息！", "zh") == [
        "越南和法国升级了关系。",
        "这是好消息！",
    ]


def test_ellipsis_before_lowercase_does_not_split() -> None:
    assert texts("He paused... and then left. Done.", "en") == [
        "He paused... and then left.",
        "Done.",
    ]


def test_overlong_runs_are_cut_and_nothing_is_lost() -> None:
    text = "; ".join(f"item {i} of a very long list that never ends" for i in range(100))
    sentences = split_sentences(text, "en")
    assert len(sentences) > 1 and all(len(s.text) <= MAX_SENTENCE_CHARS for s in sentences)
    assert "".join(s.text for s in sentences).replace(" ", "") == text.replace(" ", "")


def test_empty_and_whitespace_text() -> None:
    assert split_sentences("", "en") == []
    assert split_sentences(" \n \n", "vi") == []
