"""The claim-analysis stages over the database. Each takes the caller's session (never opens its
own), reads what the previous stage stored, and returns counts for the run report.

    analyse_articles   sentences → check-worthy claims → embedded → topic-scored → stored
    match_claims       on-topic claims → narrative match → flag score (kept on the claim)
    cluster_claims     on-topic claims → near-duplicate clusters (outlets, languages, dates)
    flag_clusters      clusters repeating a narrative → queue items with explanations
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models.embedder import Embedder
from pipeline.checkworthy import cues_of, score_checkworthiness
from pipeline.cluster import ClusterIndex, Partition, number_signature
from pipeline.language import sentence_language
from pipeline.match import Match, NarrativeIndex
from pipeline.score import Flag, explanation, flag_score, priority
from pipeline.segment import split_sentences
from pipeline.topic import TopicScorer
from review.queue import SuggestedSnippet, upsert_item
from store.schema import Article, Claim, Cluster, utcnow

CLUSTER_WINDOW_DAYS = 120


@dataclass(frozen=True)
class Thresholds:
    """The decision thresholds of a run (from the settings)."""

    checkworthy: float
    topic: float
    flag: float
    cluster: float
    narrative_cluster: float


def vector_to_bytes(vector: NDArray[np.float32]) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def bytes_to_vectors(blobs: list[bytes | None], dimension: int) -> NDArray[np.float32]:
    if not blobs:
        return np.zeros((0, dimension), dtype=np.float32)
    joined = b"".join(b or bytes(4 * dimension) for b in blobs)
    return np.frombuffer(joined, dtype="<f4").reshape(len(blobs), dimension).astype(np.float32)


@dataclass
class AnalysisCounts:
    articles: int = 0
    sentences: int = 0
    claims: int = 0
    on_topic: int = 0
    claim_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _Candidate:
    article: Article
    position: int
    text: str
    language: str | None
    checkworthiness: float


def _candidates(
    article: Article, threshold: float, max_claims: int
) -> tuple[int, list[_Candidate]]:
    texts = ([article.title] if article.title else []) + [
        s.text for s in split_sentences(article.text, article.language)
    ]
    known = {claim.text for claim in article.claims}  # an updated article: only what is new
    kept: list[_Candidate] = []
    for position, text in enumerate(texts):
        if text in known:
            continue
        worth = score_checkworthiness(text)
        if worth.score >= threshold and len(kept) < max_claims:
            kept.append(
                _Candidate(
                    article, position, text, sentence_language(text, article.language), worth.score
                )
            )
    return len(texts), kept


def analyse_articles(
    session: Session,
    embedder: Embedder,
    topic_scorer: TopicScorer,
    thresholds: Thresholds,
    *,
    max_claims_per_article: int = 200,
) -> AnalysisCounts:
    """Split every not-yet-analysed article into claims and store the check-worthy ones."""
    counts = AnalysisCounts()
    articles = list(
        session.scalars(select(Article).where(Article.analysed_at.is_(None)).order_by(Article.id))
    )
    candidates: list[_Candidate] = []
    for article in articles:
        sentences, kept = _candidates(article, thresholds.checkworthy, max_claims_per_article)
        counts.sentences += sentences
        candidates.extend(kept)
    vectors = embedder.embed_queries([c.text for c in candidates])
    topics = topic_scorer.score(vectors)
    for candidate, vector, topic in zip(candidates, vectors, topics, strict=False):
        claim = Claim(
            article=candidate.article,
            position=candidate.position,
            text=candidate.text,
            language=candidate.language,
            checkworthiness=candidate.checkworthiness,
            topic_score=topic.relevance,
            topic_label=topic.best_label,
            embedding=vector_to_bytes(vector),
            embedding_model=embedder.version,
        )
        session.add(claim)
        session.flush()
        counts.claims += 1
        if topic.relevance >= thresholds.topic:
            counts.on_topic += 1
            counts.claim_ids.append(claim.id)
    now = utcnow()
    for article in articles:
        article.analysed_at = now
    counts.articles = len(articles)
    return counts


def _flag(claim: Claim, match: Match, thresholds: Thresholds) -> Flag:
    return flag_score(
        match,
        claim.topic_score or 0.0,
        claim.checkworthiness,
        topic_threshold=thresholds.topic,
        checkworthy_threshold=thresholds.checkworthy,
    )


def match_claims(
    session: Session,
    claim_ids: list[int],
    index: NarrativeIndex,
    thresholds: Thresholds,
    *,
    dimension: int,
) -> int:
    """Score each claim against the narratives; claims whose flag score reaches the threshold
    are marked as repeating that narrative. Returns how many were."""
    claims = list(session.scalars(select(Claim).where(Claim.id.in_(claim_ids)).order_by(Claim.id)))
    vectors = bytes_to_vectors([c.embedding for c in claims], dimension)
    matched = 0
    for claim, match in zip(
        claims,
        index.match(vectors, [c.language for c in claims], [c.text for c in claims]),
        strict=False,
    ):
        if match is None:
            continue
        flag = _flag(claim, match, thresholds)
        claim.flag_score = flag.score
        if flag.score >= thresholds.flag:
            claim.narrative_id = match.narrative_id
            matched += 1
    return matched


@dataclass
class ClusterCounts:
    new_clusters: int = 0
    grown_clusters: int = 0
    cluster_ids: list[int] = field(default_factory=list)


def _load_index(session: Session, dimension: int, model_version: str) -> ClusterIndex:
    index = ClusterIndex(dimension)
    since = utcnow() - dt.timedelta(days=CLUSTER_WINDOW_DAYS)
    rows = session.execute(
        select(Claim.cluster_id, Claim.embedding, Claim.text, Cluster.narrative_id)
        .join(Cluster, Claim.cluster_id == Cluster.id)
        .where(Cluster.last_seen >= since, Claim.embedding_model == model_version)
    ).all()
    if rows:
        index.add(
            bytes_to_vectors([r.embedding for r in rows], dimension),
            [r.cluster_id for r in rows],
            [r.narrative_id for r in rows],
            [number_signature(r.text) for r in rows],
        )
    return index


def refresh_cluster(cluster: Cluster) -> None:
    """Recompute a cluster's occurrences, outlets, languages and first/last seen from its claims."""
    claims = cluster.claims
    seen = [c.article.published_at or c.article.fetched_at for c in claims]
    cluster.occurrences = len(claims)
    cluster.outlets = sorted({c.article.source.name for c in claims})
    cluster.languages = sorted({c.language for c in claims if c.language})
    cluster.first_seen, cluster.last_seen = min(seen), max(seen)


def cluster_claims(
    session: Session,
    claim_ids: list[int],
    thresholds: Thresholds,
    *,
    dimension: int,
    model_version: str,
) -> ClusterCounts:
    """Put each new on-topic claim into an existing cluster of its partition or a new one."""
    counts = ClusterCounts()
    claims = list(
        session.scalars(
            select(Claim)
            .where(Claim.id.in_(claim_ids), Claim.cluster_id.is_(None))
            .order_by(Claim.id)
        )
    )
    if not claims:
        return counts
    index = _load_index(session, dimension, model_version)

    def threshold(partition: Partition) -> float:
        return thresholds.cluster if partition is None else thresholds.narrative_cluster

    vectors = bytes_to_vectors([c.embedding for c in claims], dimension)
    assignments = index.assign(
        vectors, [c.text for c in claims], [c.narrative_id for c in claims], threshold
    )
    new_clusters: dict[int, Cluster] = {}
    touched: dict[int, Cluster] = {}
    for claim, assignment in zip(claims, assignments, strict=False):
        if assignment.new_group is not None:
            cluster = new_clusters.get(assignment.new_group)
            if cluster is None:
                cluster = new_clusters[assignment.new_group] = Cluster(
                    narrative_id=claim.narrative_id
                )
                session.add(cluster)
                session.flush()
        else:
            cluster = session.get_one(Cluster, assignment.cluster_id)
            if cluster.id not in touched:
                counts.grown_clusters += 1
        claim.cluster = cluster
        touched[cluster.id] = cluster
    session.flush()
    for cluster in touched.values():
        session.refresh(cluster, attribute_names=["claims"])
        refresh_cluster(cluster)
    counts.new_clusters = len(new_clusters)
    counts.cluster_ids = sorted(touched)
    return counts


@dataclass
class FlagCounts:
    clusters_checked: int = 0
    flagged: int = 0
    created: int = 0
    updated: int = 0


def _queue_cluster(
    session: Session,
    cluster: Cluster,
    index: NarrativeIndex,
    thresholds: Thresholds,
    *,
    model_version: str,
    dimension: int,
) -> str | None:
    claims = [c for c in cluster.claims if c.narrative_id == cluster.narrative_id]
    vectors = bytes_to_vectors([c.embedding for c in claims], dimension)
    scored = [
        (claim, match, _flag(claim, match, thresholds))
        for claim, match in zip(
            claims,
            index.match(vectors, [c.language for c in claims], [c.text for c in claims]),
            strict=False,
        )
        if match is not None and match.narrative_id == cluster.narrative_id
    ]
    if not scored:
        return None
    claim, match, flag = max(scored, key=lambda s: s[2].score)
    outlets, languages = len(cluster.outlets), len(cluster.languages)
    why = explanation(
        match,
        flag,
        claim_text=claim.text,
        topic=claim.topic_score or 0.0,
        topic_label=claim.topic_label or "",
        checkworthiness=claim.checkworthiness,
        cues=cues_of(claim.text),
        model_version=model_version,
        outlets=outlets,
        languages=languages,
    )
    suggestions = [
        SuggestedSnippet(s.snippet_id, s.similarity) for s in match.snippets if s.status == "vetted"
    ]
    return upsert_item(
        session,
        cluster=cluster,
        flag_score=flag.score,
        priority=priority(flag.score, outlets, languages),
        explanation=why,
        model_version=model_version,
        narrative_id=match.narrative_id,
        suggestions=suggestions,
    )


def flag_clusters(
    session: Session,
    cluster_ids: list[int],
    index: NarrativeIndex,
    thresholds: Thresholds,
    *,
    model_version: str,
    dimension: int,
) -> FlagCounts:
    """Queue (or refresh) every touched cluster that repeats a narrative, with its explanation."""
    counts = FlagCounts()
    clusters = session.scalars(
        select(Cluster)
        .where(Cluster.id.in_(cluster_ids), Cluster.narrative_id.is_not(None))
        .options(
            selectinload(Cluster.claims).selectinload(Claim.article).selectinload(Article.source)
        )
    )
    for cluster in clusters:
        counts.clusters_checked += 1
        outcome = _queue_cluster(
            session, cluster, index, thresholds, model_version=model_version, dimension=dimension
        )
        if outcome is None:
            continue
        counts.flagged += 1
        counts.created += outcome == "created"
        counts.updated += outcome == "updated"
    return counts
