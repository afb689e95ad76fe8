"""ClaimReview (schema.org JSON-LD) for a decided queue item, for editors to publish with their
fact-check.

Only items decided ``misleading`` or ``accurate`` have a verdict to publish. The claim is the
one the item was flagged for; ``itemReviewed`` is a ``Claim`` with every article that carried it
as an ``appearance`` (its outlet as publisher) and the earliest as ``firstAppearance``. The
author is the desk (an organisation from the settings), never a person, and no author of the
claim is named: claimwatch tracks what was published, not who wrote it. The review body and
citations come from the snippets the reviewer chose (the draft rebuttal's), when there are any.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from claimwatch.errors import LibraryError
from claimwatch.settings import Settings
from rebuttals.draft import chosen_snippets, claim_of
from review.queue import get_item
from store.schema import Claim, Cluster, Narrative, QueueItem

RATINGS = {  # decision -> (ratingValue on 1..5, textual rating)
    "misleading": (2, "Misleading"),
    "accurate": (5, "Accurate"),
}


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


def claim_review(
    session: Session, item_id: int, settings: Settings, *, url: str | None = None
) -> dict[str, Any]:
    """The ClaimReview of decided item ``item_id``; ``url`` is where the fact-check is published
    (default: the item's page in the web app)."""
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
    publisher = {
        "@type": "Organization",
        "name": settings.publisher_name,
        "url": settings.publisher_url,
    }
    review: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": url or f"{settings.public_url.rstrip('/')}/items/{item.id}",
        "claimReviewed": claim.text,
        "inLanguage": claim.language,
        "datePublished": item.decided_at.date().isoformat(),
        "author": publisher,
        "publisher": publisher,
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
