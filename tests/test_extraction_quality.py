"""Extraction keeps the whole article on pages that frameworks render (HTML comments between
text nodes) and on table-laid-out pages, and is no worse than trafilatura's defaults on any
class of page (pages written for this test; ``benchmarks/extraction_quality.py`` measures 300
generated pages per class)."""

from __future__ import annotations

import html

import pytest
import trafilatura

from claimwatch.crawlers.extract import extract_article
from claimwatch.evaluation.extraction import PAGE_CLASSES, token_scores

STORIES = {
    "en": [
        "Japan has cancelled all of its development aid to Vietnam, including the loans for the "
        "new metro lines in Hanoi and Ho Chi Minh City, according to posts shared this week.",
        "A contractor working on a metro depot said his team had been asked about the posts by "
        "worried suppliers, and the pages have been shared more than 8,000 times since Monday.",
        "An economist in Hanoi said the rumour had been discussed at a business breakfast on "
        "Wednesday, while the embassy had not replied to questions by Thursday evening.",
    ],
    "fr": [
        "Le Vietnam et la France ont signé mardi à Hanoï un accord sur la formation des "
        "enseignants de français, qui concerne quelque deux cents écoles du pays.",
        "Selon le ministère de l'Éducation, les premiers stages commenceront en mars, avec des "
        "formateurs venus de Lyon, de Toulouse et de Montpellier pour trois semaines.",
        "Les deux gouvernements ont aussi évoqué la création de bourses pour les étudiants "
        "vietnamiens qui souhaitent poursuivre un master dans une université française.",
    ],
    "vi": [
        "Việt Nam và Lào đã ký thỏa thuận hợp tác giáo dục giai đoạn mới tại Viêng Chăn vào "
        "sáng thứ Ba, mở rộng chương trình học bổng cho sinh viên hai nước.",
        "Theo thỏa thuận, mỗi năm Việt Nam sẽ tiếp nhận thêm một nghìn sinh viên Lào sang học "
        "tập tại các trường đại học ở Hà Nội, Đà Nẵng và Thành phố Hồ Chí Minh.",
        "Hai bên cũng thống nhất trao đổi giáo viên tiếng Việt và tiếng Lào, đồng thời biên "
        "soạn chung tài liệu giảng dạy lịch sử quan hệ hai nước.",
    ],
}


def page(language: str, paragraphs: list[str]) -> str:
    body = "\n".join(f"<p>{html.escape(text)}</p>" for text in paragraphs)
    return f"""<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8">
<title>Story | Wire</title></head><body>
<header><a href="/">Wire</a><nav><a href="/news">News</a> <a href="/sport">Sport</a></nav></header>
<main><article><h1>A headline for the story</h1>
<div class="body">
{body}
</div></article>
<aside><h2>Related</h2><ul><li><a href="/a">Another story</a></li><li><a href="/b">More</a></li></ul></aside>
</main><footer><p>© 2026 Wire. All rights reserved.</p></footer></body></html>"""


@pytest.mark.parametrize("page_class", list(PAGE_CLASSES))
def test_the_whole_article_is_kept_in_every_class_of_page(page_class: str) -> None:
    transform = PAGE_CLASSES[page_class]
    for language, paragraphs in STORIES.items():
        document = transform(page(language, paragraphs), paragraphs)
        expected = "\n".join(["A headline for the story", *paragraphs])  # the h1 is text too
        ours = extract_article(document, f"https://wire.example/{language}.html")
        plain = trafilatura.extract(document, url="https://wire.example/") or ""
        assert ours is not None, (page_class, language)
        mine, theirs = token_scores(expected, ours.text), token_scores(expected, plain)
        body = token_scores("\n".join(paragraphs), ours.text)
        assert body.recall >= 0.98 and mine.precision >= 0.95, (page_class, language, mine)
        assert mine.f1 >= theirs.f1 - 0.01, (page_class, language, mine, theirs)


def test_table_rows_and_text_between_comments_survive() -> None:
    paragraphs = STORIES["en"]
    tabled = PAGE_CLASSES["table layout"](page("en", paragraphs), paragraphs)
    article = extract_article(tabled, "https://wire.example/t.html")
    assert article is not None and "8,000 times since Monday" in article.text
    framed = PAGE_CLASSES["framework comments"](page("en", paragraphs), paragraphs)
    assert framed.count("<!-- -->") >= 10
    article = extract_article(framed, "https://wire.example/f.html")
    assert article is not None and "by Thursday evening" in article.text
