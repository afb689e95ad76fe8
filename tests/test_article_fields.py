"""What an article's fields may hold: language tags cut to their primary subtag, text cleaned of
what no database stores, and values too long for their column found."""

from __future__ import annotations

import pytest

from claimwatch.crawlers.article_fields import (
    clean_optional,
    clean_text,
    column_lengths,
    primary_language,
    too_long,
)
from claimwatch.store.schema import Article


@pytest.mark.parametrize(
    ("tag", "primary"),
    [
        ("en", "en"),
        ("EN-us", "en"),
        ("en-US-x-very-long-private-use-subtag-that-goes-on", "en"),
        ("pt_BR", "pt"),
        ("zh-Hant-TW", "zh"),
        ("fil", "fil"),
        (" vi ", "vi"),
        ("x-klingon", None),
        ("i-default", None),
        ("englishunitedstatesofamericaxyz", None),
        ("e1", None),
        ("", None),
        (None, None),
    ],
)
def test_a_language_tag_keeps_its_primary_subtag_or_is_dropped(
    tag: str | None, primary: str | None
) -> None:
    assert primary_language(tag) == primary


def test_text_loses_nul_characters_and_lone_surrogates() -> None:
    assert clean_text("a\x00b \ud83d c \udc00") == "ab \ufffd c \ufffd"
    assert clean_text("Lào — café 😀") == "Lào — café 😀"
    assert clean_optional("\x00") is None and clean_optional(None) is None


def test_every_bounded_column_of_an_article_is_checked() -> None:
    lengths = column_lengths(Article)
    assert lengths == {"url": 2048, "content_hash": 64, "language": 10}
    assert too_long({"url": "u" * 2048, "language": "en"}, lengths) is None
    assert too_long({"language": "x" * 11}, lengths) == (
        "language is longer than its column allows (11 > 10 characters)"
    )
