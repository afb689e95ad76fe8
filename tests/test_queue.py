"""The review queue: items are created once per cluster, refreshed with new evidence, decided with
an audit trail, and a decision survives the next night's refresh."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from claimwatch.errors import QueueError
from claimwatch.rebuttals.library import load_seed
from claimwatch.review.queue import (
    SuggestedSnippet,
    decide,
    get_item,
    list_items,
    status_counts,
    upsert_item,
)
from claimwatch.store.schema import AuditEvent, Cluster, Snippet


def make_item(session: Session, score: float = 0.9) -> tuple[int, list[int]]:
    load_seed(session)
    snippets = session.scalars(
        select(Snippet).where(Snippet.status == "vetted").order_by(Snippet.id).limit(2)
    ).all()
    cluster = Cluster(outlets=["a", "b"], languages=["en"], occurrences=2)
    session.add(cluster)
    session.flush()
    suggestions = [SuggestedSnippet(s.id, 0.9 - i / 10) for i, s in enumerate(snippets)]
    result = upsert_item(
        session,
        cluster=cluster,
        flag_score=score,
        priority=score,
        explanation={"claim": "x"},
        model_version="m@1",
        narrative_id=None,
        suggestions=suggestions,
    )
    assert result == "created"
    return cluster.id, [s.id for s in snippets]


def test_upsert_is_idempotent_and_refreshes(session: Session) -> None:
    cluster_id, snippet_ids = make_item(session)
    cluster = session.get_one(Cluster, cluster_id)
    same = [SuggestedSnippet(snippet_ids[0], 0.9), SuggestedSnippet(snippet_ids[1], 0.8)]
    kwargs = dict(
        cluster=cluster,
        explanation={"claim": "x"},
        model_version="m@1",
        narrative_id=None,
        suggestions=same,
    )
    assert upsert_item(session, flag_score=0.9, priority=0.9, **kwargs) == "unchanged"  # type: ignore[arg-type]
    assert upsert_item(session, flag_score=0.95, priority=1.2, **kwargs) == "updated"  # type: ignore[arg-type]
    assert [i.priority for i in list_items(session)] == [1.2]


def test_decide_records_choice_and_audit(session: Session) -> None:
    make_item(session)
    item = list_items(session)[0]
    chosen = item.suggestions[1].snippet_id
    decide(
        session, item.id, "misleading", actor="reviewer", note="seen before", snippet_ids=(chosen,)
    )
    item = get_item(session, item.id)
    assert (item.status, item.decision, item.decided_by) == ("decided", "misleading", "reviewer")
    assert [s.snippet_id for s in item.suggestions if s.chosen] == [chosen]
    event = session.scalars(select(AuditEvent).where(AuditEvent.entity == "queue_item")).one()
    assert event.before and event.after
    assert event.before["status"] == "new" and event.after["chosen_snippets"] == [chosen]
    assert status_counts(session) == {"new": 0, "needs_expert": 0, "decided": 1}


def test_accurate_is_a_decision_and_survives_a_refresh(session: Session) -> None:
    cluster_id, snippet_ids = make_item(session)
    item = list_items(session)[0]
    decide(session, item.id, "accurate", actor="reviewer")
    cluster = session.get_one(Cluster, cluster_id)
    upsert_item(
        session,
        cluster=cluster,
        flag_score=0.99,
        priority=2.0,
        explanation={"claim": "y"},
        model_version="m@1",
        narrative_id=None,
        suggestions=[SuggestedSnippet(snippet_ids[0], 0.9)],
    )
    item = get_item(session, item.id)
    assert (item.status, item.decision, item.flag_score) == ("decided", "accurate", 0.99)
    assert list_items(session, status="new") == []


def test_needs_expert_stays_open(session: Session) -> None:
    make_item(session)
    item = list_items(session)[0]
    decide(session, item.id, "needs_expert", actor="reviewer")
    assert [i.id for i in list_items(session, status="needs_expert")] == [item.id]


@pytest.mark.parametrize(
    ("decision", "kwargs", "message"),
    [
        ("wrong", {}, "unknown decision 'wrong'"),
        ("duplicate_of", {}, "duplicate_of needs --of"),
        ("misleading", {"duplicate_of": 1}, "only duplicate_of takes it"),
        ("duplicate_of", {"duplicate_of": 999}, "no queue item 999"),
        ("misleading", {"snippet_ids": (99999,)}, "were not suggested"),
        ("misleading", {"actor": "  "}, "reviewer's name"),
    ],
)
def test_bad_decisions_are_refused_and_change_nothing(
    session: Session, decision: str, kwargs: dict[str, object], message: str
) -> None:
    make_item(session)
    item = list_items(session)[0]
    arguments: dict[str, object] = {"actor": "reviewer", **kwargs}
    with pytest.raises(QueueError, match=message):
        decide(session, item.id, decision, **arguments)  # type: ignore[arg-type]
    assert get_item(session, item.id).status == "new"


def test_unknown_item_and_status_are_clear_errors(session: Session) -> None:
    with pytest.raises(QueueError, match="no queue item 42"):
        get_item(session, 42)
    with pytest.raises(QueueError, match="unknown status 'open'"):
        list_items(session, status="open")
