"""The emerging lane over the database: queue the new claims that are spreading.

After the night's articles are analysed, every cluster seen in the last ``WINDOW`` that repeats
no narrative, is carried by enough outlets, and is not a correction of one is scored
(``claimwatch.pipeline.emerging``). Those above the threshold are ranked by priority; the night adds at most
``per_night`` new emerging items (counting those created in the last 24 hours, so a run that
resumes a killed one shares its night's cap), the rest are counted as "below the line". A
cluster all of whose reports sit in articles already queued for a better claim (another sentence
of the same story: its headline, its standfirst, the "declined to comment" line) is counted as
"same story", not queued. Items already queued are refreshed whatever the cap. The pass reads what is stored, not what this run
touched, so a run killed before it ends is made good by the next one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from claimwatch.pipeline.checkworthy import cues_of
from claimwatch.pipeline.classify import SentenceHeads
from claimwatch.pipeline.emerging import EmergingScore, closest_narratives, emerging_explanation
from claimwatch.pipeline.emerging import emerging_score as score_of
from claimwatch.pipeline.match import Match
from claimwatch.pipeline.score import novelty, priority
from claimwatch.pipeline.vectors import bytes_to_vectors
from claimwatch.rebuttals.library_index import LibraryIndex
from claimwatch.review.queue import SuggestedSnippet, cluster_decided, upsert_item
from claimwatch.store.schema import Article, Claim, Cluster, QueueItem, utcnow

WINDOW = dt.timedelta(days=7)
NIGHT = dt.timedelta(hours=24)


@dataclass(frozen=True)
class EmergingRules:
    """When a new claim is queued: its score's threshold, the outlets it needs, the night's cap."""

    threshold: float = 0.35
    min_outlets: int = 2
    per_night: int = 10


@dataclass
class EmergingCounts:
    candidates: int = 0  # clusters that repeat no narrative and are carried by enough outlets
    below_threshold: int = 0
    created: int = 0
    updated: int = 0
    below_line: int = 0  # above the threshold, past the night's cap
    same_story: int = 0  # every report is in articles already queued for a better claim


@dataclass(frozen=True)
class _Assessed:
    cluster: Cluster
    claim: Claim
    match: Match | None
    score: EmergingScore
    priority: float
    novelty: float


def _seen_lately(now: dt.datetime) -> Select[tuple[int | None]]:
    """Clusters that gained a claim in the last ``WINDOW`` (by when claimwatch stored it, not
    when the outlet dated it: an old story that starts spreading again counts)."""
    return select(Claim.cluster_id).where(
        Claim.created_at >= now - WINDOW, Claim.cluster_id.is_not(None)
    )


def _candidates(session: Session, now: dt.datetime, min_outlets: int) -> list[Cluster]:
    clusters = session.scalars(
        select(Cluster)
        .where(
            Cluster.narrative_id.is_(None),
            Cluster.id.in_(_seen_lately(now)),
            Cluster.occurrences >= min_outlets,
        )
        .options(
            selectinload(Cluster.claims).selectinload(Claim.article).selectinload(Article.source)
        )
        .order_by(Cluster.id)
    )
    return [
        c
        for c in clusters
        if len(c.outlets) >= min_outlets and not any(m.correction_of_id for m in c.claims)
    ]


def _representative(cluster: Cluster) -> Claim:
    """The cluster's clearest claim: most check-worthy and on topic, still published."""
    current = [c for c in cluster.claims if c.removed_at is None] or list(cluster.claims)
    return max(current, key=lambda c: (c.checkworthiness * (c.topic_score or 0.0), -c.id))


def _assess(
    cluster: Cluster, library: LibraryIndex, heads: SentenceHeads, now: dt.datetime, dimension: int
) -> _Assessed:
    claim = _representative(cluster)
    vector = bytes_to_vectors([claim.embedding], dimension)
    match = library.narratives.match(vector, [claim.language], [claim.text])[0]
    seen = [c.created_at for c in cluster.claims]  # when claimwatch saw each report
    score = score_of(
        topic=claim.topic_score or 0.0,
        checkworthiness=claim.checkworthiness,
        topic_threshold=heads.topic_threshold(claim.language),
        checkworthy_threshold=heads.checkworthy_threshold(claim.language),
        outlets=len(cluster.outlets),
        languages=len(cluster.languages),
        seen=seen,
        now=now,
    )
    session = Session.object_session(cluster)
    assert session is not None
    fresh = novelty(cluster.first_seen, now, already_decided=cluster_decided(session, cluster.id))
    rank = priority(score.score, len(cluster.outlets), len(cluster.languages), fresh)
    return _Assessed(cluster, claim, match, score, rank, fresh)


def _queue(
    session: Session,
    found: _Assessed,
    library: LibraryIndex,
    heads: SentenceHeads,
    *,
    model_version: str,
    dimension: int,
) -> str:
    claim, cluster = found.claim, found.cluster
    closest = closest_narratives(found.match)
    retrieval = library.snippets.rank(
        claim.text,
        claim.language,
        bytes_to_vectors([claim.embedding], dimension)[0],
        [c["id"] for c in closest],
    )
    why = emerging_explanation(
        found.score,
        claim_text=claim.text,
        topic=claim.topic_score or 0.0,
        topic_label=claim.topic_label or "",
        checkworthiness=claim.checkworthiness,
        cues=cues_of(claim.text),
        closest=closest,
        model_versions={"embedding": model_version, **heads.versions},
        outlets=len(cluster.outlets),
        languages=len(cluster.languages),
        novelty=found.novelty,
        thresholds={
            "topic": heads.topic_threshold(claim.language),
            "checkworthiness": heads.checkworthy_threshold(claim.language),
        },
    )
    why["snippets"] = [
        {"id": c.snippet_id, "status": c.status, "language": c.language, "score": c.score}
        for c in retrieval.references + retrieval.drafts
    ]
    return upsert_item(
        session,
        cluster=cluster,
        flag_score=found.score.score,
        priority=found.priority,
        explanation=why,
        model_version=model_version,
        narrative_id=None,
        suggestions=[SuggestedSnippet(c.snippet_id, c.score) for c in retrieval.references],
        claim_language=claim.language,
        lane="emerging",
    )


def _articles(cluster: Cluster) -> set[int]:
    return {claim.article_id for claim in cluster.claims}


def _articles_in_queue(session: Session, article_ids: set[int]) -> set[int]:
    """Which of these articles carry a claim of a cluster that is already queued."""
    queued = select(QueueItem.cluster_id)
    return set(
        session.scalars(
            select(Claim.article_id).where(
                Claim.article_id.in_(article_ids), Claim.cluster_id.in_(queued)
            )
        )
    )


def unqueued_candidates(session: Session, min_outlets: int, now: dt.datetime | None = None) -> int:
    """Clusters that could become emerging items and have none yet (a cheap count, to know
    whether the pass is worth loading the model for)."""
    now = now or utcnow()
    queued = select(QueueItem.id).where(QueueItem.cluster_id == Cluster.id).exists()
    return int(
        session.scalar(
            select(func.count())
            .select_from(Cluster)
            .where(
                Cluster.narrative_id.is_(None),
                Cluster.id.in_(_seen_lately(now)),
                Cluster.occurrences >= min_outlets,
                ~queued,
            )
        )
        or 0
    )


def created_last_night(session: Session, now: dt.datetime) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(QueueItem)
            .where(QueueItem.lane == "emerging", QueueItem.created_at >= now - NIGHT)
        )
        or 0
    )


def queue_emerging(
    session: Session,
    library: LibraryIndex,
    heads: SentenceHeads,
    rules: EmergingRules,
    *,
    model_version: str,
    dimension: int,
    now: dt.datetime | None = None,
) -> EmergingCounts:
    """Score the clusters that could be emerging claims and queue the best, within the cap."""
    now = now or utcnow()
    counts = EmergingCounts()
    assessed = []
    for cluster in _candidates(session, now, rules.min_outlets):
        counts.candidates += 1
        found = _assess(cluster, library, heads, now, dimension)
        if found.score.score < rules.threshold:
            counts.below_threshold += 1
            continue
        assessed.append(found)
    room = rules.per_night - created_last_night(session, now)
    ids = [f.cluster.id for f in assessed]
    queued = set(session.scalars(select(QueueItem.cluster_id).where(QueueItem.cluster_id.in_(ids))))
    covered = _articles_in_queue(session, {a for f in assessed for a in _articles(f.cluster)})
    for found in sorted(assessed, key=lambda f: (-f.priority, f.cluster.id)):
        is_new = found.cluster.id not in queued
        if is_new and _articles(found.cluster) <= covered:
            counts.same_story += 1  # another sentence of stories already in the queue
            continue
        if is_new and room <= 0:
            counts.below_line += 1
            continue
        covered |= _articles(found.cluster)
        outcome = _queue(
            session, found, library, heads, model_version=model_version, dimension=dimension
        )
        room -= outcome == "created"
        counts.created += outcome == "created"
        counts.updated += outcome == "updated"
    return counts
