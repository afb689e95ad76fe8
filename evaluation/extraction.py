"""Extraction quality on pages whose article text is known: token precision, recall and F1 of
claimwatch's extractor (``claimwatch.crawlers.extract``) against trafilatura's defaults, per
class of page.

A page's expected text is its standfirst and body paragraphs. Besides pages as they are, two
classes stand for what real sites do to their markup:

- **framework comments**: server-rendered JavaScript frameworks (React, Vue) put HTML comments
  between adjacent text nodes (``Hanoi<!-- --> and <!-- -->Tokyo``) and around blocks
  (``<!--$-->``); a parser that keeps comments hands the extractor text broken at each one;
- **table layout**: the body laid out in a table, one paragraph a cell, as older CMSs do.

Scores count word tokens (casefolded) as a multiset: precision is the share of extracted tokens
that are in the expected text, recall the share of expected tokens extracted.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class TokenScores:
    precision: float
    recall: float
    f1: float


def token_scores(expected: str, extracted: str) -> TokenScores:
    want = Counter(w.casefold() for w in _WORD.findall(expected))
    got = Counter(w.casefold() for w in _WORD.findall(extracted))
    hits = sum((want & got).values())
    precision = hits / max(1, sum(got.values()))
    recall = hits / max(1, sum(want.values()))
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return TokenScores(round(precision, 4), round(recall, 4), round(f1, 4))


def _paragraph(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


def with_framework_comments(document: str, paragraphs: Sequence[str]) -> str:
    """The page as a framework server-renders it: a comment between every few words of each
    paragraph, and block markers around the body."""
    for text in paragraphs:
        words = html.escape(text).split(" ")
        chunks = [" ".join(words[i : i + 4]) for i in range(0, len(words), 4)]
        rendered = "<p><!--$-->" + " <!-- -->".join(chunks) + "<!--/$--></p>"
        document = document.replace(_paragraph(text), rendered, 1)
    return document


def in_table_layout(document: str, paragraphs: Sequence[str]) -> str:
    """The page with its body paragraphs laid out as the rows of one table."""
    if not paragraphs:
        return document
    first, last = _paragraph(paragraphs[0]), _paragraph(paragraphs[-1])
    start = document.find(first)
    end = document.find(last, start) + len(last)
    if start < 0 or end < len(last):
        return document
    rows = "".join(
        f'<tr><td class="text" valign="top">{html.escape(text)}</td></tr>' for text in paragraphs
    )
    table = f'<table class="article-body" width="100%" cellpadding="4">{rows}</table>'
    return document[:start] + table + document[end:]


PAGE_CLASSES: dict[str, Callable[[str, Sequence[str]], str]] = {
    "as served": lambda document, _paragraphs: document,
    "framework comments": with_framework_comments,
    "table layout": in_table_layout,
}
