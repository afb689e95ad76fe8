"""The emerging lane: new on-topic, check-worthy claims that repeat no narrative and are spreading
reach the queue, best first, within the night's cap; another sentence of a story already queued
does not; an editor promotes an emerging item to a narrative and can take it back."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from claimwatch.cli import app
from claimwatch.errors import LibraryError, QueueError
from claimwatch.flows.emerging_queue import EmergingRules, queue_emerging
from claimwatch.models import Embedder
from claimwatch.pipeline.classify import SentenceHeads
from claimwatch.pipeline.emerging import growth, spread
from claimwatch.pipeline.vectors import vector_to_bytes
from claimwatch.rebuttals.draft import draft_rebuttal
from claimwatch.rebuttals.library import load_seed
from claimwatch.rebuttals.library_index import build_library_index
from claimwatch.review.promote import promote, undo_promote
from claimwatch.store.schema import (
    Article,
    AuditEvent,
    Claim,
    Cluster,
    Narrative,
    QueueItem,
    Source,
)
from tests.factories import ALLIANCE, Occurrence, flagged_item

NOW = dt.datetime(2026, 12, 4, 2, tzinfo=dt.UTC)
JAPAN = [
    ("hanoi-ledger", "en", "Japan has cancelled all of its development aid to Vietnam."),
    ("courrier-mekong", "fr", "Le Japon a annulé toute son aide au développement au Vietnam."),
    ("tin-quoc-te", "vi", "Nhật Bản đã hủy toàn bộ viện trợ phát triển dành cho Việt Nam."),
]
KOREA = [
    ("hanoi-ledger", "en", "South Korea will stop issuing work visas to Vietnamese citizens."),
    (
        "pacific-wire",
        "en",
        "Seoul is to halt all work visas for Vietnamese nationals from January.",
    ),
]


def test_spread_and_growth_reward_many_outlets_and_recent_reports() -> None:
    assert spread(1, 1) == 0.0 and spread(2, 1) == 0.5 and spread(3, 3) > spread(3, 1) > 0.7
    recent, old = NOW - dt.timedelta(hours=1), NOW - dt.timedelta(days=5)
    assert growth([recent, recent], NOW) == 1.0 and growth([old, old], NOW) == 0.5
    assert growth([recent, old], NOW) == 0.75


def _cluster(
    session: Session,
    embedder: Embedder,
    reports: list[tuple[str, str, str]],
    articles: list[Article] | None = None,
) -> Cluster:
    """A stored cluster of ``reports`` (outlet, language, text), each in its own article unless
    ``articles`` are given (another sentence of those same stories)."""
    cluster = Cluster(
        outlets=sorted({r[0] for r in reports}),
        languages=sorted({r[1] for r in reports}),
        occurrences=len(reports),
        first_seen=NOW - dt.timedelta(hours=6),
        last_seen=NOW,
    )
    session.add(cluster)
    vectors = embedder.embed_queries([r[2] for r in reports])
    for index, ((outlet, language, text), vector) in enumerate(zip(reports, vectors, strict=True)):
        article = articles[index] if articles else _article(session, outlet, language, text)
        session.add(
            Claim(
                article=article,
                cluster=cluster,
                position=len(article.claims) + 10,
                text=text,
                language=language,
                checkworthiness=0.97,
                topic_score=0.97,
                embedding=vector_to_bytes(vector),
                embedding_model=embedder.version,
                created_at=NOW - dt.timedelta(hours=1),
            )
        )
    session.flush()
    return cluster


def _article(session: Session, outlet: str, language: str, text: str) -> Article:
    source = session.scalar(select(Source).where(Source.name == outlet))
    if source is None:
        source = Source(name=outlet, kind="feed", url=f"https://{outlet}.example/rss")
    digest = hashlib.sha256(f"{outlet}{text}".encode()).hexdigest()
    article = Article(
        source=source,
        url=f"https://{outlet}.example/{digest[:10]}",
        content_hash=digest,
        text=text,
        language=language,
        published_at=NOW - dt.timedelta(hours=6),
    )
    session.add(article)
    return article


def _run(
    session: Session, embedder: Embedder, heads: SentenceHeads, rules: EmergingRules
) -> tuple[object, list[QueueItem]]:
    library = build_library_index(session, embedder)
    counts = queue_emerging(
        session,
        library,
        heads,
        rules,
        model_version=embedder.version,
        dimension=embedder.dimension,
        now=NOW,
    )
    items = list(session.scalars(select(QueueItem).order_by(QueueItem.priority.desc())))
    return counts, items


def test_a_new_claim_carried_by_several_outlets_is_queued_with_its_context(
    session: Session, embedder: Embedder, heads: SentenceHeads
) -> None:
    load_seed(session)
    japan = _cluster(session, embedder, JAPAN)
    _cluster(
        session,
        embedder,
        [("hanoi-ledger", "en", "Japan and Vietnam will hold talks on trade next week in Tokyo.")],
    )
    headlines = [
        ("hanoi-ledger", "en", "Tokyo pulls the plug on aid to Hanoi, posts claim"),
        ("tin-quoc-te", "vi", "Tin đồn Nhật Bản ngừng viện trợ cho Việt Nam"),
    ]
    _cluster(
        session, embedder, headlines, articles=[japan.claims[0].article, japan.claims[2].article]
    )
    counts, items = _run(session, embedder, heads, EmergingRules())
    assert [i.cluster_id for i in items] == [japan.id]  # one outlet alone is not spreading
    assert counts.same_story == 1  # the headlines of the stories already queued
    item = items[0]
    assert item.lane == "emerging" and item.narrative_id is None
    why = item.explanation
    assert why["lane"] == "emerging" and why["closest"] and "not a repeat" in why["summary"]
    assert why["reach"] == {"outlets": 3, "languages": 3}
    assert set(why["model_versions"]) == {"embedding", "topic", "checkworthy"}
    with pytest.raises(LibraryError, match="choose the snippets"):
        draft_rebuttal(session, item.id)  # its suggestions are context, not its rebuttal


def test_the_nights_cap_keeps_the_best_and_counts_the_rest(
    session: Session, embedder: Embedder, heads: SentenceHeads
) -> None:
    load_seed(session)
    japan = _cluster(session, embedder, JAPAN)
    _cluster(session, embedder, KOREA)
    counts, items = _run(session, embedder, heads, EmergingRules(per_night=1))
    assert [i.cluster_id for i in items] == [japan.id]  # three outlets and languages rank first
    assert counts.created == 1 and counts.below_line == 1
    again, _ = _run(session, embedder, heads, EmergingRules(per_night=1))
    assert again.created == 0 and again.below_line == 1  # the night's cap counts what it made


def test_an_editor_promotes_an_emerging_item_and_can_take_it_back(session: Session) -> None:
    japan = [Occurrence(o, lang, text, NOW) for o, lang, text in JAPAN]
    item = flagged_item(session, japan, narrative=None, snippet_keys=())
    narrative = promote(
        session, item.id, slug="japan-aid-cut", title="Japan cut its aid", actor="ed"
    )
    assert sorted(p.language for p in narrative.phrasings) == ["en", "fr", "vi"]
    assert item.lane == "repeat" and item.narrative_id == narrative.id
    assert {c.narrative_id for c in item.cluster.claims} == {narrative.id}
    with pytest.raises(QueueError, match="only emerging items"):
        promote(session, item.id, slug="again", title="again", actor="ed")
    undo_promote(session, item.id, actor="ed")
    assert item.lane == "emerging" and item.narrative_id is None
    assert session.scalar(select(Narrative).where(Narrative.slug == "japan-aid-cut")) is None
    actions = list(
        session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == item.id))
    )
    assert actions[-2:] == ["promote", "unpromote"]


def test_promotion_refuses_a_bad_or_taken_slug_and_a_repeat_item(session: Session) -> None:
    repeat = flagged_item(session)
    japan = [Occurrence(o, lang, text, NOW) for o, lang, text in JAPAN]
    emerging = flagged_item(session, japan, narrative=None, snippet_keys=())
    with pytest.raises(QueueError, match="only emerging"):
        promote(session, repeat.id, slug="x-y", title="t", actor="ed")
    with pytest.raises(QueueError, match="slug"):
        promote(session, emerging.id, slug="Bad Slug", title="t", actor="ed")
    with pytest.raises(QueueError, match="exists already"):
        promote(session, emerging.id, slug="asean-exit", title="t", actor="ed")


def test_the_queue_command_filters_by_lane_and_promotes(session: Session) -> None:
    flagged_item(session, ALLIANCE)
    japan = [Occurrence(o, lang, text, NOW) for o, lang, text in JAPAN]
    emerging = flagged_item(session, japan, narrative=None, snippet_keys=(), priority=0.5)
    session.commit()
    runner = CliRunner()
    listed = runner.invoke(app, ["queue", "list", "--lane", "emerging", "--json"])
    assert listed.exit_code == 0, listed.output
    assert '"lane": "emerging"' in listed.output and "Japan" in listed.output
    assert "military" not in listed.output
    promoted = runner.invoke(
        app,
        [
            "queue",
            "promote",
            str(emerging.id),
            "--slug",
            "japan-aid-cut",
            "--title",
            "Japan cut aid",
            "--editor",
            "ed",
        ],
    )
    assert promoted.exit_code == 0, promoted.output
    assert "japan-aid-cut" in promoted.output
    back = runner.invoke(app, ["queue", "unpromote", str(emerging.id), "--editor", "ed"])
    assert back.exit_code == 0 and "emerging claim again" in back.output
