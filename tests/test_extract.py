"""Article extraction with trafilatura on real pages written for the fixtures and the demo."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from claimwatch.crawlers.extract import content_hash, extract_article, normalise_text
from claimwatch.demo.server import corpus_root

SITE = Path(__file__).with_name("fixtures") / "site"
BASE = "http://127.0.0.1:8765"


def page(path: Path) -> str:
    return path.read_text(encoding="utf-8").replace("{{BASE}}", BASE)


def test_the_article_body_and_metadata_are_extracted_without_boilerplate() -> None:
    article = extract_article(
        page(SITE / "pages" / "laos-education.html"),
        f"{BASE}/pages/laos-education.html?utm_source=rss",
    )
    assert article is not None
    assert article.title == "Vietnam and Laos sign an education agreement"
    assert "500 Lao students will receive scholarships" in article.text
    assert "All rights reserved" not in article.text and "Subscribe" not in article.text
    assert article.url == f"{BASE}/pages/laos-education.html"
    assert (
        article.published_at is not None
        and article.published_at.isoformat() == "2026-11-18T01:00:00+00:00"
    )
    assert article.html_lang == "en"


def test_vietnamese_keeps_its_diacritics_in_composed_form() -> None:
    decomposed = unicodedata.normalize("NFD", page(SITE / "pages" / "tin-viet.html"))
    article = extract_article(decomposed, f"{BASE}/pages/tin-viet.html")
    assert article is not None
    assert "Việt Nam và Lào đã ký thỏa thuận hợp tác giáo dục" in article.text
    assert unicodedata.is_normalized("NFC", article.text)


def test_every_demo_article_yields_its_text() -> None:
    stories = sorted((corpus_root() / "pacific-wire" / "stories").glob("*.html"))
    assert len(stories) == 5
    for story in stories:
        article = extract_article(page(story), f"{BASE}/pacific-wire/stories/{story.name}")
        assert article is not None and len(article.text) > 300, story.name
        assert "© 2026" not in article.text


def test_pages_without_an_article_yield_nothing() -> None:
    assert extract_article("", BASE) is None
    assert extract_article("<html><body><p>Short.</p></body></html>", BASE) is None
    assert extract_article("\x00\x01 not html at all", BASE) is None


def test_a_canonical_link_to_another_host_is_ignored() -> None:
    html = page(SITE / "pages" / "laos-education.html").replace(
        f"{BASE}/pages/laos-education.html", "https://elsewhere.example/stolen.html"
    )
    article = extract_article(html, f"{BASE}/pages/laos-education.html")
    assert article is not None and article.url == f"{BASE}/pages/laos-education.html"


def test_text_is_capped() -> None:
    article = extract_article(page(SITE / "pages" / "laos-education.html"), BASE, max_chars=250)
    assert article is not None and len(article.text) == 250


def test_normalisation_and_hash_ignore_spacing_and_case() -> None:
    assert normalise_text("  Hà\u00a0 Nội \n\n  Paris\t ") == "Hà Nội\nParis"
    assert content_hash("Vietnam  and FRANCE") == content_hash("vietnam and france")
    assert content_hash("Vietnam and France") != content_hash("Vietnam and Japan")
