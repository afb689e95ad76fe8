"""The claim-analysis stages over the database. Each takes the caller's session (never opens its
own), reads what the previous stage stored, and returns counts for the run report.

    analyse_articles   sentences → check-worthy claims → embedded → topic-scored → stored
    match_claims       on-topic claims → narrative match → flag score (kept on the claim)
    cluster_claims     on-topic claims → near-duplicate clusters (outlets, languages, dates)
    flag_clusters      clusters repeating a narrative → queue items with explanations

``analyse_new_articles`` runs them in order, each in its own transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload

from models.embedder import Embedder
from pipeline.centring import LanguageCentring
from pipeline.checkworthy import cues_of
from pipeline.classify import SentenceHeads, prefilter
from pipeline.cluster import ClusterIndex, Partition, number_signature
from pipeline.language import sentence_language
from pipeline.match import Match, NarrativeIndex
from pipeline.score import Flag, explanation, flag_score, novelty, priority
from pipeline.segment import split_sentences
from rebuttals.retrieval import LibraryIndex, build_library_index
from review.queue import SuggestedSnippet, upsert_item
from store.db import session_scope
from store.schema import Article, Claim, Cluster, QueueItem, utcnow

CLUSTER_WINDOW_DAYS = 120


@dataclass(frozen=True)
class Thresholds:
    """The decision thresholds of a run (from the settings); the topic and check-worthiness
    thresholds belong to the heads, calibrated per language."""

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
    dropped: dict[str, int] = field(default_factory=dict)  # reason -> sentences not kept
    claim_ids: list[int] = field(default_factory=list)

    def drop(self, reason: str, count: int = 1) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + count


@dataclass(frozen=True)
class _Candidate:
    article: Article
    position: int
    text: str
    language: str | None


def _candidates(article: Article, counts: AnalysisCounts, max_claims: int) -> list[_Candidate]:
    """The sentences of ``article`` worth embedding; every other one is counted with a reason."""
    texts = ([article.title] if article.title else []) + [
        s.text for s in split_sentences(article.text, article.language)
    ]
    counts.sentences += len(texts)
    known = {claim.text for claim in article.claims}  # an updated article: only what is new
    kept: list[_Candidate] = []
    for position, text in enumerate(texts):
        reason = "already_analysed" if text in known else prefilter(text)
        if reason is None and len(kept) >= max_claims:
            reason = "over_article_limit"
        if reason is not None:
            counts.drop(reason)
            continue
        language = sentence_language(text, article.language)
        kept.append(_Candidate(article, position, text, language))
    return kept


def analyse_articles(
    session: Session,
    embedder: Embedder,
    heads: SentenceHeads,
    *,
    max_claims_per_article: int = 200,
) -> AnalysisCounts:
    """Split every not-yet-analysed article into sentences and store the check-worthy ones as
    claims, with their topic and check-worthiness scores."""
    counts = AnalysisCounts()
    articles = list(
        session.scalars(select(Article).where(Article.analysed_at.is_(None)).order_by(Article.id))
    )
    candidates = [
        c for article in articles for c in _candidates(article, counts, max_claims_per_article)
    ]
    vectors = embedder.embed_queries([c.text for c in candidates])
    verdicts = heads.judge([c.text for c in candidates], [c.language for c in candidates], vectors)
    kept: list[tuple[Claim, bool]] = []
    for candidate, vector, verdict in zip(candidates, vectors, verdicts, strict=True):
        if not verdict.checkworthy:
            counts.drop("not_checkworthy")
            continue
        claim = Claim(
            article=candidate.article,
            position=candidate.position,
            text=candidate.text,
            language=candidate.language,
            checkworthiness=verdict.checkworthiness,
            topic_score=verdict.topic,
            topic_label=verdict.topic_label,
            embedding=vector_to_bytes(vector),
            embedding_model=embedder.version,
        )
        session.add(claim)
        kept.append((claim, verdict.on_topic))
    session.flush()  # one round of inserts; ids are known from here on
    counts.claims = len(kept)
    counts.claim_ids = [claim.id for claim, on_topic in kept if on_topic]
    counts.on_topic = len(counts.claim_ids)
    now = utcnow()
    for article in articles:
        article.analysed_at = now
    counts.articles = len(articles)
    return counts


def _flag(claim: Claim, match: Match, heads: SentenceHeads) -> Flag:
    return flag_score(
        match,
        claim.topic_score or 0.0,
        claim.checkworthiness,
        topic_threshold=heads.topic_threshold(claim.language),
        checkworthy_threshold=heads.checkworthy_threshold(claim.language),
    )


def match_claims(
    session: Session,
    claim_ids: list[int],
    index: NarrativeIndex,
    heads: SentenceHeads,
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
        flag = _flag(claim, match, heads)
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


def _load_index(
    session: Session, dimension: int, model_version: str, centring: LanguageCentring
) -> ClusterIndex:
    """The clusters seen within the window, rebuilt from their members' stored embeddings."""
    index = ClusterIndex(dimension)
    since = utcnow() - dt.timedelta(days=CLUSTER_WINDOW_DAYS)
    rows = session.execute(
        select(Claim.cluster_id, Claim.embedding, Claim.language, Claim.text, Cluster.narrative_id)
        .join(Cluster, Claim.cluster_id == Cluster.id)
        .where(Cluster.last_seen >= since, Claim.embedding_model == model_version)
        .order_by(Claim.id)
    ).all()
    if rows:
        vectors = bytes_to_vectors([r.embedding for r in rows], dimension)
        index.add(
            centring.apply(vectors, [r.language for r in rows]),
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
    centring: LanguageCentring,
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
    index = _load_index(session, dimension, model_version, centring)

    def threshold(partition: Partition) -> float:
        return thresholds.cluster if partition is None else thresholds.narrative_cluster

    vectors = centring.apply(
        bytes_to_vectors([c.embedding for c in claims], dimension), [c.language for c in claims]
    )
    assignments = index.assign(
        vectors, [c.text for c in claims], [c.narrative_id for c in claims], threshold
    )
    new_clusters: dict[int, Cluster] = {}
    grown: set[int] = set()
    for claim, assignment in zip(claims, assignments, strict=True):
        if assignment.new_group is not None:
            cluster = new_clusters.get(assignment.new_group)
            if cluster is None:
                cluster = new_clusters[assignment.new_group] = Cluster(
                    narrative_id=claim.narrative_id
                )
                session.add(cluster)
            claim.cluster = cluster
        else:
            assert assignment.cluster_id is not None
            claim.cluster_id = assignment.cluster_id
            grown.add(assignment.cluster_id)
    session.flush()  # one round of inserts and updates
    touched = grown | {cluster.id for cluster in new_clusters.values()}
    session.expire_all()  # members were added through the claims' side
    for cluster in session.scalars(
        select(Cluster)
        .where(Cluster.id.in_(touched))
        .options(
            selectinload(Cluster.claims).selectinload(Claim.article).selectinload(Article.source)
        )
    ):
        refresh_cluster(cluster)
    counts.new_clusters = len(new_clusters)
    counts.grown_clusters = len(grown)
    counts.cluster_ids = sorted(touched)
    return counts


@dataclass
class FlagCounts:
    clusters_checked: int = 0
    flagged: int = 0
    created: int = 0
    updated: int = 0


def _already_decided(session: Session, cluster: Cluster) -> bool:
    return (
        session.scalar(
            select(QueueItem.id).where(
                QueueItem.cluster_id == cluster.id, QueueItem.decision.is_not(None)
            )
        )
        is not None
    )


def _queue_cluster(
    session: Session,
    cluster: Cluster,
    library: LibraryIndex,
    heads: SentenceHeads,
    *,
    model_version: str,
    dimension: int,
) -> str | None:
    claims = [c for c in cluster.claims if c.narrative_id == cluster.narrative_id]
    vectors = bytes_to_vectors([c.embedding for c in claims], dimension)
    scored = [
        (claim, match, _flag(claim, match, heads))
        for claim, match in zip(
            claims,
            library.narratives.match(
                vectors, [c.language for c in claims], [c.text for c in claims]
            ),
            strict=True,
        )
        if match is not None and match.narrative_id == cluster.narrative_id
    ]
    if not scored:
        return None
    claim, match, flag = max(scored, key=lambda s: s[2].score)
    retrieval = library.snippets.rank(
        claim.text,
        claim.language,
        bytes_to_vectors([claim.embedding], dimension)[0],
        [match.narrative_id, *(c.narrative_id for c in match.candidates)],
    )
    outlets, languages = len(cluster.outlets), len(cluster.languages)
    fresh = novelty(
        cluster.first_seen, utcnow(), already_decided=_already_decided(session, cluster)
    )
    why = explanation(
        match,
        flag,
        claim_text=claim.text,
        topic=claim.topic_score or 0.0,
        topic_label=claim.topic_label or "",
        checkworthiness=claim.checkworthiness,
        cues=cues_of(claim.text),
        model_versions={"embedding": model_version, **heads.versions},
        outlets=outlets,
        languages=languages,
        novelty=fresh,
        thresholds={
            "topic": heads.topic_threshold(claim.language),
            "checkworthiness": heads.checkworthy_threshold(claim.language),
        },
    )
    why["snippets"] = [
        {
            "id": c.snippet_id,
            "status": c.status,
            "language": c.language,
            "score": c.score,
            "reason": c.reason,
        }
        for c in retrieval.references + retrieval.drafts
    ]
    suggestions = [SuggestedSnippet(c.snippet_id, c.score) for c in retrieval.references]
    return upsert_item(
        session,
        cluster=cluster,
        flag_score=flag.score,
        priority=priority(flag.score, outlets, languages, fresh),
        explanation=why,
        model_version=model_version,
        narrative_id=match.narrative_id,
        suggestions=suggestions,
        claim_language=claim.language,
    )


def flag_clusters(
    session: Session,
    cluster_ids: list[int],
    library: LibraryIndex,
    heads: SentenceHeads,
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
            session, cluster, library, heads, model_version=model_version, dimension=dimension
        )
        if outcome is None:
            continue
        counts.flagged += 1
        counts.created += outcome == "created"
        counts.updated += outcome == "updated"
    return counts


@dataclass(frozen=True)
class Analysis:
    """What one analysis of the new articles produced, stage by stage."""

    claims: AnalysisCounts
    matched: int
    clusters: ClusterCounts
    flags: FlagCounts


Stage = Callable[[str, Callable[[], Any]], Any]


def _untimed(_name: str, call: Callable[[], Any]) -> Any:
    return call()


def analyse_new_articles(
    engine: Engine,
    embedder: Embedder,
    heads: SentenceHeads,
    centring: LanguageCentring,
    thresholds: Thresholds,
    *,
    stage: Stage = _untimed,
) -> Analysis:
    """Every stage over the articles not analysed yet, each in its own transaction; ``stage``
    wraps each one (``stage(name, call)``), e.g. to time it."""
    model = {"dimension": embedder.dimension}
    with session_scope(engine) as session:
        claims = stage("analyse", lambda: analyse_articles(session, embedder, heads))
    with session_scope(engine) as session:
        library = stage("library", lambda: build_library_index(session, embedder))
        matched = stage(
            "match",
            lambda: match_claims(
                session, claims.claim_ids, library.narratives, heads, thresholds, **model
            ),
        )
    with session_scope(engine) as session:
        clusters = stage(
            "cluster",
            lambda: cluster_claims(
                session,
                claims.claim_ids,
                thresholds,
                centring,
                model_version=embedder.version,
                **model,
            ),
        )
    with session_scope(engine) as session:
        flags = stage(
            "flag",
            lambda: flag_clusters(
                session,
                clusters.cluster_ids,
                library,
                heads,
                model_version=embedder.version,
                **model,
            ),
        )
    return Analysis(claims, matched, clusters, flags)
