"""The review queue: flagged clusters in, reviewers' decisions out, every change audited.

Statuses: ``new`` (waiting), ``needs_expert`` (a reviewer asked for an expert; still open),
``decided``. Decisions: ``misleading`` (needs a rebuttal), ``accurate`` (no action — a first-class
outcome), ``needs_expert``, ``out_of_scope``, ``duplicate_of`` (another item). Nothing here
publishes anything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, selectinload

from claimwatch.errors import QueueError, UnknownItemError
from claimwatch.store.audit import record
from claimwatch.store.schema import (
    ArchivedPage,
    Article,
    AuditEvent,
    Claim,
    Cluster,
    Narrative,
    QueueItem,
    Snippet,
    Suggestion,
    utcnow,
)

DECISIONS = ("misleading", "accurate", "needs_expert", "out_of_scope", "duplicate_of")
STATUSES = ("new", "needs_expert", "decided")
LANES = ("repeat", "emerging")  # repeats a known narrative / a new claim spreading


@dataclass(frozen=True)
class SuggestedSnippet:
    snippet_id: int
    score: float


def item_state(item: QueueItem) -> dict[str, Any]:
    """What a decision changes on an item (what the audit trail keeps before and after)."""
    return {
        "status": item.status,
        "decision": item.decision,
        "decision_note": item.decision_note,
        "duplicate_of": item.duplicate_of_id,
        "decided_by": item.decided_by,
        "decided_at": item.decided_at.isoformat() if item.decided_at else None,
        "assigned_to": item.assigned_to,
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
    claim_language: str | None = None,
    lane: str = "repeat",
) -> str:
    """Queue ``cluster`` in ``lane`` or refresh its item's evidence. Returns "created",
    "updated" or "unchanged". A decided item keeps its decision; new evidence is recorded on it."""
    item = session.scalar(select(QueueItem).where(QueueItem.cluster_id == cluster.id))
    if item is None:
        item = QueueItem(
            cluster=cluster,
            lane=lane,
            flag_score=flag_score,
            priority=priority,
            explanation=explanation,
            model_version=model_version,
            narrative_id=narrative_id,
            claim_text=str(explanation.get("claim", "")),
            claim_language=claim_language,
        )
        session.add(item)
        _set_suggestions(item, suggestions)
        session.flush()
        return "created"
    if (item.flag_score, item.priority, item.explanation, item.narrative_id, item.lane) == (
        flag_score,
        priority,
        explanation,
        narrative_id,
        lane,
    ):
        return "unchanged"
    item.flag_score, item.priority, item.explanation = flag_score, priority, explanation
    item.lane = lane
    item.model_version, item.narrative_id = model_version, narrative_id
    item.claim_text, item.claim_language = str(explanation.get("claim", "")), claim_language
    _set_suggestions(item, suggestions)
    return "updated"


def cluster_decided(session: Session, cluster_id: int) -> bool:
    """Whether reviewers already decided the item of this cluster."""
    decided = select(QueueItem.id).where(
        QueueItem.cluster_id == cluster_id, QueueItem.decision.is_not(None)
    )
    return session.scalar(decided) is not None


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


@dataclass(frozen=True)
class QueueFilter:
    """What a reviewer narrows the queue to; every field is optional."""

    status: str | None = None
    lane: str | None = None  # repeat or emerging
    language: str | None = None  # a claim of the cluster is in this language
    narrative: str | None = None  # slug
    source: str | None = None  # an outlet that carried the claim
    since: dt.datetime | None = None  # last seen on or after
    until: dt.datetime | None = None  # first seen before
    min_score: float | None = None  # flag score
    search: str | None = None  # words of the claim
    assigned_to: str | None = None
    ids: tuple[int, ...] | None = None  # only these items

    @property
    def by_status_only(self) -> bool:
        """Whether nothing but the status narrows the queue (its size is then a status count)."""
        return all(
            getattr(self, name) is None for name in self.__dataclass_fields__ if name != "status"
        )

    def where(self) -> list[ColumnElement[bool]]:
        if self.status and self.status not in STATUSES:
            raise QueueError(f"unknown status {self.status!r}; one of {', '.join(STATUSES)}")
        if self.lane and self.lane not in LANES:
            raise QueueError(f"unknown lane {self.lane!r}; one of {', '.join(LANES)}")
        conditions: list[ColumnElement[bool]] = []
        if self.status:
            conditions.append(QueueItem.status == self.status)
        if self.lane:
            conditions.append(QueueItem.lane == self.lane)
        if self.narrative:
            conditions.append(QueueItem.narrative.has(Narrative.slug == self.narrative))
        if self.language:
            conditions.append(
                QueueItem.cluster.has(Cluster.claims.any(Claim.language == self.language))
            )
        if self.source:
            conditions.append(
                QueueItem.cluster.has(
                    Cluster.claims.any(Claim.article.has(Article.source.has(name=self.source)))
                )
            )
        if self.since:
            conditions.append(QueueItem.cluster.has(Cluster.last_seen >= self.since))
        if self.until:
            conditions.append(QueueItem.cluster.has(Cluster.first_seen < self.until))
        if self.min_score is not None:
            conditions.append(QueueItem.flag_score >= self.min_score)
        for word in (self.search or "").split()[:8]:
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conditions.append(QueueItem.claim_text.ilike(f"%{escaped}%", escape="\\"))
        if self.assigned_to:
            conditions.append(QueueItem.assigned_to == self.assigned_to)
        if self.ids is not None:
            conditions.append(QueueItem.id.in_(self.ids))
        return conditions


def list_items(
    session: Session,
    *,
    status: str | None = None,
    narrative: str | None = None,
    language: str | None = None,
    lane: str | None = None,
    limit: int = 50,
    offset: int = 0,
    where: QueueFilter | None = None,
) -> list[QueueItem]:
    """Items by priority, highest first (``where``, or the few common filters)."""
    chosen = where or QueueFilter(status=status, narrative=narrative, language=language, lane=lane)
    query = (
        select(QueueItem)
        .where(*chosen.where())
        .options(selectinload(QueueItem.cluster), selectinload(QueueItem.narrative))
        .order_by(QueueItem.priority.desc(), QueueItem.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(query))


def count_items(session: Session, where: QueueFilter) -> int:
    query = select(func.count()).select_from(QueueItem).where(*where.where())
    return int(session.scalar(query) or 0)


def status_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(QueueItem.status, func.count()).group_by(QueueItem.status))
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({status: int(n) for status, n in rows})
    return counts


def evidence_pages(session: Session, item_ids: list[int]) -> list[ArchivedPage]:
    """Every archived page (every revision) of the articles that carried these items' claims,
    oldest first; an unknown item is an error."""
    pages: dict[int, ArchivedPage] = {}
    for item_id in item_ids:
        for claim in get_item(session, item_id).cluster.claims:
            for revision in claim.article.revisions:
                if revision.archived_page is not None:
                    pages[revision.archived_page.id] = revision.archived_page
    return sorted(pages.values(), key=lambda page: (page.fetched_at, page.id))


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
    now = utcnow()
    if item.assignee not in (None, actor) and item.lock_expires_at and item.lock_expires_at > now:
        raise QueueError(
            f"item {item_id} is being reviewed by {item.assignee} until "
            f"{item.lock_expires_at:%H:%M} UTC"
        )
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
    item.decided_by, item.decided_at = actor, now
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


def _restore(item: QueueItem, state: dict[str, Any]) -> None:
    item.status, item.decision = state["status"], state["decision"]
    item.decision_note, item.duplicate_of_id = state["decision_note"], state["duplicate_of"]
    item.decided_by = state["decided_by"]
    item.decided_at = (
        dt.datetime.fromisoformat(state["decided_at"]) if state["decided_at"] else None
    )
    item.assigned_to = state.get("assigned_to")
    for suggestion in item.suggestions:
        suggestion.chosen = suggestion.snippet_id in state["chosen_snippets"]


def undo_last_decision(session: Session, actor: str) -> QueueItem:
    """Take back ``actor``'s most recent decision, if nobody changed the item since; the item
    returns to its state before the decision (and the undo is recorded)."""
    last = session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.actor == actor,
            AuditEvent.entity == "queue_item",
            AuditEvent.action.in_(("decide", "undo")),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    if last is None or last.action == "undo" or last.before is None or last.after is None:
        raise QueueError(f"{actor} has no decision to undo")
    item = get_item(session, last.entity_id)
    if item_state(item) != last.after:
        raise QueueError(f"item {item.id} changed since {actor}'s decision; it cannot be undone")
    _restore(item, last.before)
    record(
        session,
        actor=actor,
        action="undo",
        entity="queue_item",
        entity_id=item.id,
        before=last.after,
        after=item_state(item),
    )
    return item


def item_history(session: Session, item_id: int) -> list[AuditEvent]:
    """Every recorded change of the item, oldest first."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity == "queue_item", AuditEvent.entity_id == item_id)
            .order_by(AuditEvent.id)
        )
    )


def bulk_decide(session: Session, where: QueueFilter, decision: str, *, actor: str) -> int:
    """Decide every open item matching ``where`` (e.g. dismiss them as out of scope), one
    audited decision each; items another reviewer is working on are left alone."""
    if decision in ("duplicate_of", "misleading"):
        raise QueueError(f"{decision} is decided item by item, not in bulk")
    now = utcnow()
    open_items = select(QueueItem.id).where(
        *where.where(),
        QueueItem.status.in_(("new", "needs_expert")),
        or_(
            QueueItem.assignee.is_(None),
            QueueItem.assignee == actor,
            QueueItem.lock_expires_at.is_(None),
            QueueItem.lock_expires_at < now,
        ),
    )
    ids = list(session.scalars(open_items))
    for item_id in ids:
        decide(session, item_id, decision, actor=actor)
    return len(ids)
