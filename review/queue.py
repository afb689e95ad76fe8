"""The review queue: flagged clusters in, reviewers' decisions out, every change audited.

Statuses: ``new`` (waiting), ``needs_expert`` (a reviewer asked for an expert; still open),
``decided``. Decisions: ``misleading`` (needs a rebuttal), ``accurate`` (no action — a first-class
outcome), ``needs_expert``, ``out_of_scope``, ``duplicate_of`` (another item). Nothing here
publishes anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from claimwatch.errors import QueueError, UnknownItemError
from store.audit import record
from store.schema import Claim, Cluster, QueueItem, Snippet, Suggestion, utcnow

DECISIONS = ("misleading", "accurate", "needs_expert", "out_of_scope", "duplicate_of")
STATUSES = ("new", "needs_expert", "decided")


@dataclass(frozen=True)
class SuggestedSnippet:
    snippet_id: int
    score: float


def item_state(item: QueueItem) -> dict[str, Any]:
    return {
        "status": item.status,
        "decision": item.decision,
        "decision_note": item.decision_note,
        "duplicate_of": item.duplicate_of_id,
        "decided_by": item.decided_by,
        "chosen_snippets": sorted(s.snippet_id for s in item.suggestions if s.chosen),
    }


def upsert_item(
    session: Session,
    *,
    cluster: Cluster,
    flag_score: float,
    priority: float,
    explanation: dict[str, Any],
    model_version: str,
    narrative_id: int | None,
    suggestions: list[SuggestedSnippet],
) -> str:
    """Queue ``cluster`` or refresh its item's evidence. Returns "created", "updated" or
    "unchanged". A decided item keeps its decision; new evidence is recorded on it."""
    item = session.scalar(select(QueueItem).where(QueueItem.cluster_id == cluster.id))
    if item is None:
        item = QueueItem(
            cluster=cluster,
            flag_score=flag_score,
            priority=priority,
            explanation=explanation,
            model_version=model_version,
            narrative_id=narrative_id,
        )
        session.add(item)
        _set_suggestions(item, suggestions)
        session.flush()
        return "created"
    if (item.flag_score, item.priority, item.explanation, item.narrative_id) == (
        flag_score,
        priority,
        explanation,
        narrative_id,
    ):
        return "unchanged"
    item.flag_score, item.priority, item.explanation = flag_score, priority, explanation
    item.model_version, item.narrative_id = model_version, narrative_id
    _set_suggestions(item, suggestions)
    return "updated"


def _set_suggestions(item: QueueItem, suggestions: list[SuggestedSnippet]) -> None:
    chosen = {s.snippet_id for s in item.suggestions if s.chosen}
    existing = {s.snippet_id: s for s in item.suggestions}
    wanted = []
    for rank, suggestion in enumerate(suggestions):
        row = existing.get(suggestion.snippet_id) or Suggestion(
            snippet_id=suggestion.snippet_id, score=suggestion.score, rank=rank
        )
        row.score, row.rank, row.chosen = suggestion.score, rank, suggestion.snippet_id in chosen
        wanted.append(row)
    wanted += [
        s
        for s in item.suggestions
        if s.chosen and s.snippet_id not in {w.snippet_id for w in wanted}
    ]
    item.suggestions = wanted


def list_items(
    session: Session,
    *,
    status: str | None = None,
    narrative: str | None = None,
    language: str | None = None,
    limit: int = 50,
) -> list[QueueItem]:
    """Items by priority, highest first."""
    query = (
        select(QueueItem)
        .options(selectinload(QueueItem.cluster), selectinload(QueueItem.narrative))
        .order_by(QueueItem.priority.desc(), QueueItem.id)
        .limit(limit)
    )
    if status:
        if status not in STATUSES:
            raise QueueError(f"unknown status {status!r}; one of {', '.join(STATUSES)}")
        query = query.where(QueueItem.status == status)
    if narrative:
        query = query.where(QueueItem.narrative.has(slug=narrative))
    if language:
        query = query.where(QueueItem.cluster.has(Cluster.claims.any(Claim.language == language)))
    return list(session.scalars(query))


def status_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(QueueItem.status, func.count()).group_by(QueueItem.status))
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({status: int(n) for status, n in rows})
    return counts


def get_item(session: Session, item_id: int) -> QueueItem:
    item = session.get(
        QueueItem,
        item_id,
        options=[
            selectinload(QueueItem.cluster)
            .selectinload(Cluster.claims)
            .selectinload(Claim.article),
            selectinload(QueueItem.suggestions)
            .selectinload(Suggestion.snippet)
            .selectinload(Snippet.sources),
        ],
    )
    if item is None:
        raise UnknownItemError(f"no queue item {item_id}")
    return item


def decide(
    session: Session,
    item_id: int,
    decision: str,
    *,
    actor: str,
    note: str | None = None,
    duplicate_of: int | None = None,
    snippet_ids: tuple[int, ...] = (),
) -> QueueItem:
    """Record a reviewer's decision on an item (and which suggested snippets they chose)."""
    if decision not in DECISIONS:
        raise QueueError(f"unknown decision {decision!r}; one of {', '.join(DECISIONS)}")
    if not actor.strip():
        raise QueueError("a decision needs the reviewer's name")
    item = get_item(session, item_id)
    if (decision == "duplicate_of") != (duplicate_of is not None):
        raise QueueError("duplicate_of needs --of ITEM, and only duplicate_of takes it")
    if duplicate_of is not None:
        if duplicate_of == item_id:
            raise QueueError("an item cannot be a duplicate of itself")
        get_item(session, duplicate_of)
    offered = {s.snippet_id: s for s in item.suggestions}
    unknown = [s for s in snippet_ids if s not in offered]
    if unknown:
        raise QueueError(f"snippets {unknown} were not suggested for item {item_id}")
    before = item_state(item)
    item.decision, item.decision_note, item.duplicate_of_id = decision, note, duplicate_of
    item.status = "needs_expert" if decision == "needs_expert" else "decided"
    item.decided_by, item.decided_at = actor, utcnow()
    item.assignee, item.lock_expires_at = None, None
    for suggestion in item.suggestions:
        suggestion.chosen = suggestion.snippet_id in snippet_ids
    record(
        session,
        actor=actor,
        action="decide",
        entity="queue_item",
        entity_id=item.id,
        before=before,
        after=item_state(item),
    )
    return item
