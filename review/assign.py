"""Handing items to reviewers: "next item" with expiring locks, releasing them, and lasting
assignments.

``next_item`` gives a reviewer the item they already hold, else the open (``new``) item of
highest priority that nobody holds (or whose lock expired) and that is assigned to nobody or to
them, items assigned to them first; it locks it for them until ``now + lock``. Two reviewers never
get the same item: on PostgreSQL the candidate row is read ``FOR UPDATE SKIP LOCKED``, so
concurrent reviewers pass over each other's rows; on SQLite, which runs one writer at a time, the
lock is taken by a conditional UPDATE that succeeds only if the row is still free, and a reviewer
who loses the race tries the next candidate. A decision releases the lock.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from claimwatch.errors import QueueError
from review.queue import QueueFilter, get_item, item_state
from store.audit import record
from store.schema import QueueItem, utcnow

DEFAULT_LOCK = dt.timedelta(minutes=20)
ATTEMPTS = 20


def _free(reviewer: str, now: dt.datetime) -> ColumnElement[bool]:
    return and_(
        QueueItem.status == "new",
        or_(QueueItem.assigned_to.is_(None), QueueItem.assigned_to == reviewer),
        or_(
            QueueItem.lock_expires_at.is_(None),
            QueueItem.lock_expires_at < now,
            QueueItem.assignee == reviewer,
        ),
    )


def held_item(session: Session, reviewer: str, now: dt.datetime | None = None) -> int | None:
    """The open item ``reviewer`` holds a live lock on, if any."""
    return session.scalar(
        select(QueueItem.id)
        .where(
            QueueItem.assignee == reviewer,
            QueueItem.lock_expires_at >= (now or utcnow()),
            QueueItem.status == "new",
        )
        .limit(1)
    )


def _candidates(session: Session, reviewer: str, now: dt.datetime, skip_locked: bool) -> list[int]:
    """Free items assigned to the reviewer, then free unassigned ones, by priority. Each query
    walks the (status, priority) index from the top, so it stays fast on a long queue."""
    found: list[int] = []
    for assigned in (QueueItem.assigned_to == reviewer, QueueItem.assigned_to.is_(None)):
        query = (
            select(QueueItem.id)
            .where(_free(reviewer, now), assigned)
            .order_by(QueueItem.priority.desc(), QueueItem.id.desc())
            .limit(1 if skip_locked else ATTEMPTS)
        )
        if skip_locked:
            query = query.with_for_update(skip_locked=True)
        found += session.scalars(query)
        if found:
            return found
    return found


def next_item(
    session: Session,
    reviewer: str,
    *,
    lock: dt.timedelta = DEFAULT_LOCK,
    now: dt.datetime | None = None,
) -> int | None:
    """Lock the reviewer's next item for them and return its id (``None``: nothing is free)."""
    now = now or utcnow()
    held = held_item(session, reviewer, now)
    if held is not None:
        return held
    skip_locked = session.get_bind().dialect.name == "postgresql"
    for item_id in _candidates(session, reviewer, now, skip_locked):
        taken = session.execute(
            update(QueueItem)
            .where(QueueItem.id == item_id, _free(reviewer, now))
            .values(assignee=reviewer, lock_expires_at=now + lock)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            session.expire_all()  # loaded items must see the new lock
            return item_id
    return None


def release(session: Session, item_id: int, reviewer: str) -> None:
    """Give back the lock ``reviewer`` holds on an item (nothing happens if they hold none)."""
    session.execute(
        update(QueueItem)
        .where(QueueItem.id == item_id, QueueItem.assignee == reviewer)
        .values(assignee=None, lock_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    session.expire_all()


def assign(session: Session, where: QueueFilter, reviewer: str | None, *, actor: str) -> int:
    """Assign every item matching ``where`` to ``reviewer`` (``None``: unassign); audited."""
    if reviewer is not None and not reviewer.strip():
        raise QueueError("assign to whom?")
    changed = 0
    for item_id in session.scalars(select(QueueItem.id).where(*where.where())):
        item = get_item(session, item_id)
        if item.assigned_to == reviewer:
            continue
        before = item_state(item)
        item.assigned_to = reviewer
        record(
            session,
            actor=actor,
            action="assign",
            entity="queue_item",
            entity_id=item.id,
            before=before,
            after=item_state(item),
        )
        changed += 1
    return changed
