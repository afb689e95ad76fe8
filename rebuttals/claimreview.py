"""ClaimReview (schema.org JSON-LD) for a decided queue item, for editors to publish with their
fact-check.

Only items decided ``misleading`` or ``accurate`` have a verdict to publish. The claim is the
one the item was flagged for; ``itemReviewed`` is a ``Claim`` with every article that carried it
as an ``appearance`` (its outlet as publisher, and ``archivedAt``: the page as fetched, in the
evidence archive) and the earliest as ``firstAppearance``. The
claim's author (the claimant) is the outlet that carried it first and its date that first
appearance's; outlets are named as people know them (a source's title), never a person:
claimwatch tracks what was published, not who wrote it. The review's author is the desk.

Right by construction: the review body and citations come only from snippets a reviewer chose
on the item, and only those that can be cited today (vetted, not past their review-by date; a
snippet retired after the decision drops out). An ``accurate`` verdict never carries a rebuttal.
A review whose ``url`` or author address is still a loopback or private default is refused,
naming the setting (``allow_local`` lets tests through).

ClaimReview is meant to be pasted into a page inside ``<script type="application/ld+json">``, and
its text is crawled, so ``json_ld`` (the only way claimwatch writes it: API, CLI, pulls) escapes
``<``, ``>``, ``&``, U+2028 and U+2029 as ``\u003c``-style escapes: a headline holding
``</script><script>…`` stays data, and the JSON means exactly the same. Every ``url`` in a review
must be an http(s) address; anything else (``javascript:``, ``data:``…) is refused.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from claimwatch.errors import ConfigError, LibraryError
from claimwatch.rebuttals.draft import citable_versions, claim_of
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


def _appearance(claim: Claim, public_url: str) -> dict[str, Any]:
    article = claim.article
    published = article.published_at or article.fetched_at
    work: dict[str, Any] = {
        "@type": "NewsArticle",
        "url": article.url,
        "datePublished": published.date().isoformat(),
        "inLanguage": claim.language or article.language,
        "publisher": {"@type": "Organization", "name": article.source.outlet},
    }
    if article.title:
        work["headline"] = article.title
    if article.archived_page is not None:
        work["archivedAt"] = f"{public_url.rstrip('/')}/archive/{article.archived_page.digest}"
    return work


def _appearances(item: QueueItem, public_url: str) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for claim in item.cluster.claims:
        seen.setdefault(claim.article.url, _appearance(claim, public_url))
    return sorted(seen.values(), key=lambda work: (work["datePublished"], work["url"]))


@dataclass(frozen=True)
class Publisher:
    """The desk that publishes its fact-checks: its name and site, and the web app's public
    address (where an item's page is when no other ``url`` is given)."""

    name: str
    url: str
    public_url: str


def is_local_address(url: str) -> bool:
    """A loopback, private or link-local host (``localhost``, ``127.0.0.1``, ``10.…``, ``::1``):
    nobody outside this machine or network can open it."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def _public_addresses(review_url: str, publisher: Publisher) -> None:
    if is_local_address(review_url):
        raise ConfigError(
            f"the ClaimReview's url would be {review_url}, a local address: set "
            "CLAIMWATCH_PUBLIC_URL to the web app's public address, or give the published "
            "fact-check's address (--url)"
        )
    if is_local_address(publisher.url):
        raise ConfigError(
            f"the ClaimReview's author.url would be {publisher.url}, a local address: set "
            "CLAIMWATCH_PUBLISHER_URL to the desk's public site"
        )


def _rebuttal(item: QueueItem, language: str | None) -> dict[str, Any]:
    """reviewBody and citation from the chosen snippets that can be cited today (none for an
    accurate verdict)."""
    if item.decision != "misleading":
        return {}
    chosen = [s.snippet for s in item.suggestions if s.chosen]
    snippets = citable_versions(chosen, language)
    if not snippets:
        return {}
    cited = {source.url: source for snippet in snippets for source in snippet.sources}
    return {
        "reviewBody": " ".join(s.text for s in snippets),
        "citation": [
            {
                "@type": "CreativeWork",
                "url": source.url,
                "name": source.title,
                "publisher": {"@type": "Organization", "name": source.publisher},
                **({"datePublished": source.published.isoformat()} if source.published else {}),
            }
            for source in cited.values()
        ],
    }


def claim_review(
    session: Session,
    item_id: int,
    publisher: Publisher,
    *,
    url: str | None = None,
    allow_local: bool = False,
) -> dict[str, Any]:
    """The ClaimReview of decided item ``item_id``; ``url`` is where the fact-check is published
    (default: the item's page in the web app); it must be an http(s) address, and a public one
    unless ``allow_local``."""
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
    appearances = _appearances(item, publisher.public_url)
    review_url = url or f"{publisher.public_url.rstrip('/')}/items/{item.id}"
    if not allow_local:
        _public_addresses(review_url, publisher)
    organisation = {"@type": "Organization", "name": publisher.name, "url": publisher.url}
    first = appearances[0]
    review: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": review_url,
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
            "name": verdict,
        },
        "itemReviewed": {
            "@type": "Claim",
            "text": claim.text,
            "inLanguage": claim.language,
            "author": first["publisher"],
            "datePublished": first["datePublished"],
            "appearance": appearances,
            "firstAppearance": first,
        },
        **_rebuttal(item, claim.language),
    }
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
