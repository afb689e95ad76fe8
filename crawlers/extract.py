"""Article extraction with trafilatura: main text and metadata, normalised, capped, hashed.
The page is parsed without its HTML comments and with its tables, so framework-rendered pages
(comments between text nodes) and table-laid-out articles keep all their text
(``benchmarks/extraction_quality.py`` measures it against trafilatura's defaults).

Text is Unicode NFC (Vietnamese diacritics composed, never stripped) with whitespace folded inside
each paragraph; paragraphs stay on their own lines; NUL characters are removed and lone surrogates
replaced, as no database takes them. The page's declared language is kept as its primary subtag
(``en-US`` → ``en``), or dropped when it is no language tag. Authors are not kept: claimwatch
tracks what was published, not who wrote it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

import trafilatura
from lxml import html as lxml_html

from claimwatch.crawlers.article_fields import clean_text, primary_language
from claimwatch.crawlers.urls import canonical_or_none, canonicalize, split_or_none

MIN_TEXT_CHARS = 200
# HTML comments are dropped while parsing: server-rendered framework pages put them between text
# nodes (``Hanoi<!-- --> and``), and a tree that keeps them loses the text after each one.
PARSER = lxml_html.HTMLParser(remove_comments=True, remove_pis=True)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


@dataclass(frozen=True)
class ExtractedArticle:
    url: str
    title: str | None
    text: str
    published_at: dt.datetime | None
    html_lang: str | None
    content_hash: str


def normalise_text(text: str) -> str:
    """NFC, folded spaces within lines, no empty lines, nothing a database refuses."""
    lines = (
        _SPACES.sub(" ", line).strip()
        for line in unicodedata.normalize("NFC", clean_text(text)).splitlines()
    )
    return "\n".join(line for line in lines if line)


def content_hash(text: str) -> str:
    """Hash of the text as stored, insensitive to spacing and case."""
    folded = " ".join(text.split()).casefold()
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def _parse_date(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)


def _published_time(tree: lxml_html.HtmlElement) -> dt.datetime | None:
    """The precise publication time from ``article:published_time`` when the page has one."""
    for value in tree.xpath(
        "//meta[@property='article:published_time' or @name='article:published_time'"
        " or @itemprop='datePublished']/@content"
    ):
        parsed = _parse_date(str(value).strip())
        if parsed:
            return parsed
    return None


def _canonical_url(declared: str | None, fetched: str) -> str:
    """The page's declared canonical URL when it is on the host it was fetched from."""
    fetched_canonical = canonicalize(fetched)
    if declared and declared.startswith(("http://", "https://")):
        declared_canonical = canonical_or_none(declared)  # None: it cannot even be parsed
        fetched_parts = split_or_none(fetched_canonical)
        if (
            declared_canonical is not None
            and fetched_parts is not None
            and urlsplit(declared_canonical).netloc == fetched_parts.netloc
        ):
            return declared_canonical
    return fetched_canonical


def extract_article(html: str, url: str, *, max_chars: int = 100_000) -> ExtractedArticle | None:
    """The article in ``html`` fetched from ``url``, or ``None`` when the page holds no article
    (too little main text: an index page, an error page, an empty body)."""
    if not html.strip():
        return None
    try:
        tree = lxml_html.fromstring(html, parser=PARSER)
    except (ValueError, lxml_html.etree.ParserError):
        return None
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=True,
        include_comments=False,  # readers' comments under the article, not HTML comments
        include_tables=True,  # table-laid-out articles and the tables of figures in stories
        favor_precision=True,
    )
    if document is None or isinstance(document, dict):
        return None
    text = normalise_text(document.text or "")[:max_chars]
    if len(text) < MIN_TEXT_CHARS:
        return None
    return ExtractedArticle(
        url=_canonical_url(document.url, url),
        title=normalise_text(document.title) if document.title else None,
        text=text,
        published_at=_published_time(tree) or _parse_date(document.date),
        html_lang=primary_language(tree.get("lang")),
        content_hash=content_hash(text),
    )
