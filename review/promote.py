"""Promote an emerging claim to a narrative, and take that back.

An editor who recognises an emerging item as a new misleading story creates a narrative from it:
its slug and title, and phrasings (by default the cluster's claims, one per distinct sentence,
in their languages; the editor may edit them). The item's cluster and claims then repeat that
narrative, the item moves to the repeat lane, and later claims match the narrative like any
other (the nightly run builds its narrative index from the database). Both steps are audited.
Undo removes the narrative again, while nothing else uses it (no snippet, no other cluster).
"""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from claimwatch.errors import QueueError, UnknownItemError
from claimwatch.store.audit import record
from claimwatch.store.schema import Claim, Cluster, Narrative, NarrativePhrasing, QueueItem, Snippet

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")


def default_phrasings(item: QueueItem) -> list[tuple[str, str]]:
    """The cluster's claims as phrasings: (language, text), each sentence once."""
    seen: dict[str, str] = {}
    for claim in item.cluster.claims:
        if claim.removed_at is None and claim.text not in seen:
            seen[claim.text] = claim.language or "und"
    return [(language, text) for text, language in seen.items()]


def _item(session: Session, item_id: int) -> QueueItem:
    item = session.get(QueueItem, item_id)
    if item is None:
        raise UnknownItemError(f"no queue item #{item_id}")
    return item


def _check(session: Session, item: QueueItem, slug: str, title: str) -> None:
    if item.lane != "emerging":
        raise QueueError(
            f"item #{item.id} already repeats a narrative; only emerging items are promoted"
        )
    if not SLUG.match(slug):
        raise QueueError(f"slug {slug!r}: lower-case letters, digits and hyphens, 1–100 characters")
    if not title.strip():
        raise QueueError("a narrative needs a title")
    if session.scalar(select(Narrative.id).where(Narrative.slug == slug)) is not None:
        raise QueueError(f"a narrative {slug!r} exists already")


def _set_narrative(item: QueueItem, narrative_id: int | None) -> None:
    cluster: Cluster = item.cluster
    cluster.narrative_id = narrative_id
    for claim in cluster.claims:
        claim.narrative_id = narrative_id
    item.narrative_id = narrative_id
    item.lane = "repeat" if narrative_id is not None else "emerging"


def promote(
    session: Session,
    item_id: int,
    *,
    slug: str,
    title: str,
    actor: str,
    summary: str = "",
    phrasings: list[tuple[str, str]] | None = None,
) -> Narrative:
    """Create narrative ``slug`` from emerging item ``item_id``; the item now repeats it."""
    item = _item(session, item_id)
    _check(session, item, slug, title)
    wanted = [(lang, text.strip()) for lang, text in (phrasings or default_phrasings(item))]
    wanted = [(lang, text) for lang, text in wanted if text]
    if not wanted:
        raise QueueError("a narrative needs at least one phrasing")
    narrative = Narrative(slug=slug, title=title.strip(), summary=summary.strip())
    narrative.phrasings = [NarrativePhrasing(language=lang, text=text) for lang, text in wanted]
    session.add(narrative)
    session.flush()
    _set_narrative(item, narrative.id)
    item.explanation = {**item.explanation, "promoted_to": {"slug": slug, "by": actor}}
    record(
        session,
        actor=actor,
        action="promote",
        entity="queue_item",
        entity_id=item.id,
        before={"lane": "emerging", "narrative": None},
        after={"lane": "repeat", "narrative": slug, "phrasings": len(wanted)},
    )
    return narrative


def _in_use(session: Session, narrative: Narrative, item: QueueItem) -> str | None:
    if session.scalar(
        select(func.count()).select_from(Snippet).where(Snippet.narrative_id == narrative.id)
    ):
        return "it has snippets"
    others = (
        select(func.count())
        .select_from(Claim)
        .where(Claim.narrative_id == narrative.id, Claim.cluster_id != item.cluster_id)
    )
    if session.scalar(others):
        return "other claims repeat it"
    return None


def undo_promote(session: Session, item_id: int, *, actor: str) -> None:
    """Take a promotion back: the narrative goes, the item is emerging again."""
    item = _item(session, item_id)
    promoted = item.explanation.get("promoted_to")
    narrative = session.get(Narrative, item.narrative_id) if item.narrative_id else None
    if not promoted or narrative is None or narrative.slug != promoted.get("slug"):
        raise QueueError(f"item #{item_id} was not promoted to a narrative")
    reason = _in_use(session, narrative, item)
    if reason:
        raise QueueError(f"narrative {narrative.slug!r} cannot be removed: {reason}")
    _set_narrative(item, None)
    item.explanation = {k: v for k, v in item.explanation.items() if k != "promoted_to"}
    session.delete(narrative)
    record(
        session,
        actor=actor,
        action="unpromote",
        entity="queue_item",
        entity_id=item.id,
        before={"lane": "repeat", "narrative": promoted.get("slug")},
        after={"lane": "emerging", "narrative": None},
    )
