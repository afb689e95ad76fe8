"""Handing out items: "next item" never gives two reviewers the same item, even when they ask at
the same moment (SQLite and PostgreSQL), finds a free item whenever one exists (however many were
taken while it waited), locks expire, a decision releases them, and assigned items go only to
their reviewer."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from claimwatch.review.assign import assign, held_item, next_item, release
from claimwatch.review.queue import QueueFilter, decide
from claimwatch.store.db import make_engine, session_factory, session_scope
from claimwatch.store.migrate import upgrade
from claimwatch.store.schema import QueueItem, utcnow
from tests.factories import flagged_item


def make_items(engine: Engine, count: int) -> list[int]:
    with session_scope(engine) as session:
        return [flagged_item(session, priority=1 - i / 100).id for i in range(count)]


def test_next_item_is_the_top_free_one_and_stays_the_reviewers(session: Session) -> None:
    first, second = (flagged_item(session, priority=p).id for p in (0.9, 0.5))
    assert next_item(session, "ana") == first
    assert next_item(session, "ana") == first  # still held: the same item again
    assert next_item(session, "bao") == second
    assert next_item(session, "chi") is None  # both taken
    decide(session, first, "accurate", actor="ana")
    assert held_item(session, "ana") is None
    assert next_item(session, "ana") is None


def test_locks_expire_and_can_be_released(session: Session) -> None:
    item = flagged_item(session).id
    now = utcnow()
    assert next_item(session, "ana", lock=dt.timedelta(minutes=5), now=now) == item
    assert next_item(session, "bao", now=now + dt.timedelta(minutes=4)) is None
    assert next_item(session, "bao", now=now + dt.timedelta(minutes=6)) == item
    release(session, item, "bao")
    assert next_item(session, "chi") == item


def test_assigned_items_go_to_their_reviewer_first_and_only(session: Session) -> None:
    low = flagged_item(session, priority=0.1).id
    high = flagged_item(session, priority=0.9).id
    assert assign(session, QueueFilter(ids=(low,)), "bao", actor="lead") == 1
    assert next_item(session, "ana") == high
    assert next_item(session, "chi") is None  # the low one is bao's
    assert next_item(session, "bao") == low


def test_a_locked_item_cannot_be_decided_by_another_reviewer(session: Session) -> None:
    item = flagged_item(session).id
    next_item(session, "ana")
    with pytest.raises(Exception, match="being reviewed by ana"):
        decide(session, item, "accurate", actor="bao")


def race(engine: Engine, reviewers: int) -> list[int | None]:
    """``reviewers`` threads ask for their next item at the same moment."""
    barrier = threading.Barrier(reviewers)
    taken: list[int | None] = [None] * reviewers
    errors: list[BaseException] = []

    def reviewer(index: int) -> None:
        try:
            barrier.wait()
            with session_scope(engine) as session:
                taken[index] = next_item(session, f"reviewer-{index}")
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=reviewer, args=(i,)) for i in range(reviewers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return taken


def check_race(engine: Engine, make: Callable[[Engine, int], list[int]]) -> None:
    items = make(engine, 25)
    taken = race(engine, 20)
    assert None not in taken and len(set(taken)) == 20, taken
    assert set(taken) <= set(items)
    with session_scope(engine) as session:
        holders = session.execute(select(QueueItem.id, QueueItem.assignee)).all()
    assert {i: who for i, who in holders if who} == {
        item: f"reviewer-{index}" for index, item in enumerate(taken)
    }


def test_twenty_reviewers_at_once_on_sqlite(engine: Engine) -> None:
    check_race(engine, make_items)


@pytest.mark.postgres
def test_twenty_reviewers_at_once_on_postgres(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        upgrade(engine)
        check_race(engine, make_items)
    finally:
        engine.dispose()


def check_next_looks_past_items_taken_while_it_waited(engine: Engine) -> None:
    """Another reviewer's transaction takes the top 30 items and commits only after "next" has
    started waiting for it; "next" must still find the 31st, not say that nothing is left."""
    items = make_items(engine, 40)
    other = session_factory(engine)()
    other.execute(
        update(QueueItem)
        .where(QueueItem.id.in_(items[:30]))
        .values(assignee="bao", lock_expires_at=utcnow() + dt.timedelta(hours=1))
    )
    taken: list[int | None] = []

    def ana() -> None:
        with session_scope(engine) as session:
            taken.append(next_item(session, "ana"))

    thread = threading.Thread(target=ana)
    thread.start()
    time.sleep(0.5)  # ana has read the queue and waits for the other transaction
    other.commit()
    other.close()
    thread.join(timeout=30)
    assert taken == [items[30]]


def test_next_looks_past_items_taken_while_it_waited_on_sqlite(engine: Engine) -> None:
    check_next_looks_past_items_taken_while_it_waited(engine)


@pytest.mark.postgres
def test_next_looks_past_items_taken_while_it_waited_on_postgres(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        upgrade(engine)
        check_next_looks_past_items_taken_while_it_waited(engine)
    finally:
        engine.dispose()


def test_next_finds_the_last_free_item_among_many_reviewers(engine: Engine) -> None:
    """Twelve reviewers take and decide items until "next" says nothing is left: every item
    is decided, by exactly one of them, and nobody stops while an item is still free."""
    items = make_items(engine, 90)
    stopped_early: list[int] = []
    decided: list[int] = []
    lock = threading.Lock()

    def reviewer(name: str) -> None:
        while True:
            with session_scope(engine) as session:
                item = next_item(session, name)
                if item is None:
                    free = session.scalar(
                        select(QueueItem.id).where(
                            QueueItem.status == "new", QueueItem.assignee.is_(None)
                        )
                    )
                    if free is not None:
                        stopped_early.append(free)
                    return
                decide(session, item, "accurate", actor=name)
            with lock:
                decided.append(item)

    threads = [threading.Thread(target=reviewer, args=(f"r{i}",)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert stopped_early == []
    assert sorted(decided) == sorted(items)
