"""Languages the desk covers: text in other languages is skipped with the true reason, and scripts
written without spaces (Chinese, Japanese, Thai) are measured in characters, not dropped as short."""

from __future__ import annotations

import pytest

from claimwatch.pipeline.checkworthy import prefilter
from claimwatch.pipeline.language import LANGUAGE_NOT_COVERED, uncovered_language_reason
from claimwatch.pipeline.segment import split_sentences
from claimwatch.settings import Settings

COVERED = ("en", "fr", "vi")


@pytest.mark.parametrize(
    "sentence",
    [
        "越南和法国在河内签署了一项新的贸易协定。",
        "ベトナムと日本は新しい経済協定に署名した。",
        "เวียดนามและไทยลงนามข้อตกลงการค้าฉบับใหม่",
    ],
)
def test_a_full_sentence_in_a_script_without_spaces_is_not_too_short(sentence: str) -> None:
    assert len(sentence.split()) < 4
    assert prefilter(sentence) is None


@pytest.mark.parametrize("sentence", ["越南很好。", "ありがとう", "ขอบคุณ"])
def test_a_few_characters_without_spaces_are_still_too_short(sentence: str) -> None:
    assert prefilter(sentence) == "too_short"


def test_spaced_scripts_are_still_counted_in_words() -> None:
    assert prefilter("Pourquoi maintenant ?") == "too_short"
    assert prefilter("Vietnam and Japan signed a treaty.") is None


def test_chinese_and_japanese_full_stops_end_sentences() -> None:
    chinese = "越南和法国签署了协定。两国领导人在河内会面！他们谈了什么？"
    assert [s.text for s in split_sentences(chinese, "zh")] == [
        "越南和法国签署了协定。",
        "两国领导人在河内会面！",
        "他们谈了什么？",
    ]
    mixed = "Vietnam and China met. 两国领导人在河内会面。"
    assert [s.text for s in split_sentences(mixed, "en")] == [
        "Vietnam and China met.",
        "两国领导人在河内会面。",
    ]


@pytest.mark.parametrize("language", ["en", "fr", "vi", "EN", "vi-VN"])
def test_covered_languages_are_kept(language: str) -> None:
    assert uncovered_language_reason(language, COVERED) is None


@pytest.mark.parametrize("language", ["zh-cn", "ja", "th", "de"])
def test_other_languages_are_skipped_with_their_reason(language: str) -> None:
    assert (
        uncovered_language_reason(language, COVERED)
        == LANGUAGE_NOT_COVERED
        == ("language_not_covered")
    )


def test_an_unknown_language_is_not_called_uncovered() -> None:
    assert uncovered_language_reason(None, COVERED) is None
    assert uncovered_language_reason("", COVERED) is None


def test_the_setting_lists_the_three_languages_by_default_and_reads_a_json_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings().languages == ("en", "fr", "vi")
    monkeypatch.setenv("CLAIMWATCH_LANGUAGES", '["en", "vi", "zh"]')
    covered = Settings().languages
    assert covered == ("en", "vi", "zh")
    assert uncovered_language_reason("zh-cn", covered) is None
    assert uncovered_language_reason("fr", covered) == LANGUAGE_NOT_COVERED
