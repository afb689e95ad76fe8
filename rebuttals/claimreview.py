"""ClaimReview (schema.org JSON-LD) for a decided queue item, for editors to publish with their
fact-check.

Only items decided ``misleading`` or ``accurate`` have a verdict to publish. The claim is the
one the item was flagged for; ``itemReviewed`` is a ``Claim`` with every article that carried it
as an ``appearance`` (its outlet as publisher) and the earliest as ``firstAppearance``. The
author is the desk (an organisation from the settings), never a person, and no author of the
claim is named: claimwatch tracks what was published, not who wrote it. The review body and
citations come from the snippets the reviewer chose (the draft rebuttal's), when there are any.

ClaimReview is meant to be pasted into a page inside ``<script type="application/ld+json">``, and
its text is crawled, so ``json_ld`` (the only way claimwatch writes it: API, CLI, pulls) escapes
``<``, ``>``, ``&``, U+2028 and U+2029 as ``\u003c``-style escapes: a headline holding
``</script><script>…`` stays data, and the JSON means exactly the same. Every ``url`` in a review
must be an http(s) address; anything else (``javascript:``, ``data:``…) is refused.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from claimwatch.errors import LibraryError
from claimwatch.rebuttals.draft import chosen_snippets, claim_of
from claimwatch.review.queue import get_item
from claimwatch.store.schema import Claim, Cluster, Narrative, QueueItem

ESCAPED_IN_SCRIPT = str.maketrans(
    {
        "<": "\\u003c",
        ">": "\\u003e",
        "&": "\\u0026",
        "\u2028": "\\u2028",
        "\u2029": "\\u2029",
    }
)
RATINGS = {  # decision -> (ratingValue on 1..5, textual rating)
    "misleading": (2, "Misleading"),
    "accurate": (5, "Accurate"),
}


def json_ld(data: Any, *, indent: int | None = None) -> str:
    """``data`` as JSON text that is safe inside an HTML ``<script>`` element (the same data:
    these characters only occur inside JSON strings, where the escapes mean the same)."""
    return json.dumps(data, ensure_ascii=False, indent=indent).translate(ESCAPED_IN_SCRIPT)


def is_web_address(url: str) -> bool:
    """An absolute http(s) URL with a host, and nothing a browser would strip or reinterpret."""
    if not url or url != url.strip() or any(ord(c) < 32 or c == "\x7f" for c in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def check_urls(node: Any, where: str = "ClaimReview") -> None:
    """Refuse a review with a ``url`` that is not an http(s) address (names the field)."""
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{where}.{key}"
            if key == "url" and not (isinstance(value, str) and is_web_address(value)):
                raise LibraryError(f"{path} must be an http(s) address, not {value!r}")
            check_urls(value, path)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            check_urls(value, f"{where}[{index}]")


def _appearance(claim: Claim) -> dict[str, Any]:
    article = claim.article
    published = article.published_at or article.fetched_at
    work: dict[str, Any] = {
        "@type": "NewsArticle",
        "url": article.url,
        "datePublished": published.date().isoformat(),
        "inLanguage": claim.language or article.language,
        "publisher": {"@type": "Organization", "name": article.source.name},
    }
    if article.title:
        work["headline"] = article.title
    return work


def _appearances(item: QueueItem) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for claim in item.cluster.claims:
        seen.setdefault(claim.article.url, _appearance(claim))
    return sorted(seen.values(), key=lambda work: (work["datePublished"], work["url"]))


@dataclass(frozen=True)
class Publisher:
    """The desk that publishes its fact-checks: its name and site, and the web app's public
    address (where an item's page is when no other ``url`` is given)."""

    name: str
    url: str
    public_url: str


def claim_review(
    session: Session, item_id: int, publisher: Publisher, *, url: str | None = None
) -> dict[str, Any]:
    """The ClaimReview of decided item ``item_id``; ``url`` is where the fact-check is published
    (default: the item's page in the web app); it must be an http(s) address."""
    if url is not None and not is_web_address(url):
        raise LibraryError(f"the ClaimReview's url must be an http(s) address, not {url!r}")
    item = get_item(session, item_id)
    if item.decision not in RATINGS:
        raise LibraryError(
            f"queue item {item_id} is {item.decision or 'not decided'}; a ClaimReview needs "
            "a decision of misleading or accurate"
        )
    assert item.decided_at is not None
    claim = claim_of(item)
    value, verdict = RATINGS[item.decision]
    appearances = _appearances(item)
    organisation = {"@type": "Organization", "name": publisher.name, "url": publisher.url}
    review: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": url or f"{publisher.public_url.rstrip('/')}/items/{item.id}",
        "claimReviewed": claim.text,
        "inLanguage": claim.language,
        "datePublished": item.decided_at.date().isoformat(),
        "author": organisation,
        "publisher": organisation,
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": value,
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": verdict,
        },
        "itemReviewed": {
            "@type": "Claim",
            "text": claim.text,
            "inLanguage": claim.language,
            "appearance": appearances,
            "firstAppearance": appearances[0],
        },
    }
    try:
        snippets = chosen_snippets(item, claim.language)
    except LibraryError:
        snippets = []  # an accurate claim may need no rebuttal snippet
    if snippets:
        review["reviewBody"] = " ".join(s.text for s in snippets)
        cited = {source.url: source for snippet in snippets for source in snippet.sources}
        review["citation"] = [
            {
                "@type": "CreativeWork",
                "url": source.url,
                "name": source.title,
                "publisher": {"@type": "Organization", "name": source.publisher},
                **({"datePublished": source.published.isoformat()} if source.published else {}),
            }
            for source in cited.values()
        ]
    check_urls(review)
    return review


def reviewable_items(
    session: Session,
    *,
    narrative: str | None = None,
    language: str | None = None,
    decided_since: dt.datetime | None = None,
) -> list[int]:
    """Items decided misleading or accurate (newest decision first), filtered by narrative slug,
    a language the claim was reported in, and decision time."""
    query = (
        select(QueueItem.id)
        .where(QueueItem.decision.in_(RATINGS))
        .order_by(QueueItem.decided_at.desc(), QueueItem.id)
    )
    if narrative:
        query = query.where(QueueItem.narrative.has(Narrative.slug == narrative))
    if language:
        query = query.where(QueueItem.cluster.has(Cluster.claims.any(Claim.language == language)))
    if decided_since:
        query = query.where(QueueItem.decided_at >= decided_since)
    return list(session.scalars(query))
