"""Handing items to reviewers: "next item" with expiring locks, releasing them, and lasting
assignments.

``next_item`` gives a reviewer the item they already hold, else the open (``new``) item of
highest priority that nobody holds (or whose lock expired) and that is assigned to nobody or to
them, items assigned to them first; it locks it for them until ``now + lock``. The lock is taken
by one conditional statement, ``UPDATE … WHERE id = (the top free item) AND it is still free
RETURNING id``, so the choice and the lock happen together: on SQLite the statement runs under
the database's single write lock (it sees every lock taken before it); on PostgreSQL the inner
SELECT reads ``FOR UPDATE SKIP LOCKED``, so concurrent reviewers pass over each other's rows. Two
reviewers never get the same item, and "nothing left" is said only when no free item exists: if
the statement takes nothing while a free item is still visible (it was locked by a concurrent
reviewer at that instant), it tries again. A decision releases the lock.
"""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import ColumnElement, Select, and_, or_, select, update
from sqlalchemy.orm import Session

from claimwatch.errors import QueueError
from claimwatch.review.queue import QueueFilter, get_item, item_state
from claimwatch.store.audit import record
from claimwatch.store.schema import QueueItem, utcnow

DEFAULT_LOCK = dt.timedelta(minutes=20)
RETRIES = 50  # tries while a free item is visible but locked by concurrent reviewers
RETRY_PAUSE_S = 0.002


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


def _top_free(
    reviewer: str, now: dt.datetime, mine: ColumnElement[bool], skip_locked: bool
) -> Select[tuple[int]]:
    """The id of the highest-priority free item among ``mine`` (walks the (status, priority)
    indexes from the top, so it stays fast on a long queue)."""
    query = (
        select(QueueItem.id)
        .where(_free(reviewer, now), mine)
        .order_by(QueueItem.priority.desc(), QueueItem.id.desc())
        .limit(1)
    )
    return query.with_for_update(skip_locked=True) if skip_locked else query


def _take_top(
    session: Session, reviewer: str, now: dt.datetime, lock: dt.timedelta, mine: ColumnElement[bool]
) -> int | None:
    """Lock the top free item among ``mine`` for ``reviewer`` in one statement (``None``: none
    was free, or the one chosen was taken at that instant)."""
    skip_locked = session.get_bind().dialect.name == "postgresql"
    chosen = _top_free(reviewer, now, mine, skip_locked).scalar_subquery()
    return session.execute(
        update(QueueItem)
        .where(QueueItem.id == chosen, _free(reviewer, now))
        .values(assignee=reviewer, lock_expires_at=now + lock)
        .returning(QueueItem.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()


def _any_free(session: Session, reviewer: str, now: dt.datetime, mine: ColumnElement[bool]) -> bool:
    return (
        session.scalar(select(QueueItem.id).where(_free(reviewer, now), mine).limit(1)) is not None
    )


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
    for mine in (QueueItem.assigned_to == reviewer, QueueItem.assigned_to.is_(None)):
        for attempt in range(RETRIES):
            taken = _take_top(session, reviewer, now, lock, mine)
            if taken is not None:
                session.expire_all()  # loaded items must see the new lock
                return taken
            if not _any_free(session, reviewer, now, mine):
                break
            time.sleep(RETRY_PAUSE_S * (attempt + 1))  # a concurrent reviewer is taking it
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
