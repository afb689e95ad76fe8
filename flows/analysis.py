"""The claim-analysis stages over the database. Each takes the caller's session (never opens its
own), reads what the previous stage stored, and returns counts for the run report.

    analyse_articles   sentences → check-worthy claims → embedded → topic-scored → stored
    match_claims       on-topic claims → narrative match → flag score (kept on the claim)
    cluster_claims     on-topic claims → near-duplicate clusters (outlets, languages, dates)
    flag_clusters      clusters repeating a narrative → queue items with explanations

``analyse_new_articles`` runs them in order over batches of articles, one transaction a batch:
an article's claims, their narrative matches, their cluster membership, the queue items they
touched and the article's "analysed" mark commit together or not at all, so a run killed at any
point leaves either a whole batch or nothing, and the next run redoes only what is missing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Engine, distinct, func, select
from sqlalchemy.orm import Session, selectinload

from claimwatch.flows.emerging_queue import EmergingCounts, EmergingRules, queue_emerging
from claimwatch.models.embedder import Embedder
from claimwatch.pipeline.centring import LanguageCentring
from claimwatch.pipeline.checkworthy import cues_of, prefilter
from claimwatch.pipeline.classify import SentenceHeads
from claimwatch.pipeline.cluster import ClusterIndex, Partition
from claimwatch.pipeline.details import claim_details
from claimwatch.pipeline.flag_model import FlagModel
from claimwatch.pipeline.language import sentence_language, uncovered_language_reason
from claimwatch.pipeline.match import Match, NarrativeIndex
from claimwatch.pipeline.score import Flag, explanation, flag_score, novelty, priority
from claimwatch.pipeline.segment import split_sentences
from claimwatch.pipeline.vectors import bytes_to_vectors, vector_to_bytes
from claimwatch.rebuttals.library_index import LibraryIndex, build_library_index
from claimwatch.review.queue import SuggestedSnippet, cluster_decided, upsert_item
from claimwatch.store.db import session_scope
from claimwatch.store.schema import Article, Claim, Cluster, QueueItem, Source, utcnow

CLUSTER_WINDOW_DAYS = 120
COVERED_LANGUAGES = ("en", "fr", "vi")


@dataclass(frozen=True)
class Thresholds:
    """The decision thresholds of a run (from the settings); the topic and check-worthiness
    thresholds belong to the heads, calibrated per language."""

    flag: float
    cluster: float
    narrative_cluster: float


@dataclass
class AnalysisCounts:
    articles: int = 0
    sentences: int = 0
    claims: int = 0
    on_topic: int = 0
    revised: int = 0  # articles analysed again after their outlet changed them
    removed: int = 0  # claims a revision no longer carries (kept, marked removed)
    dropped: dict[str, int] = field(default_factory=dict)  # reason -> sentences not kept
    claim_ids: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def drop(self, reason: str, count: int = 1) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + count

    def add(self, other: AnalysisCounts) -> None:
        """Add another batch's counts to these."""
        self.articles += other.articles
        self.sentences += other.sentences
        self.claims += other.claims
        self.on_topic += other.on_topic
        self.revised += other.revised
        self.removed += other.removed
        for reason, count in other.dropped.items():
            self.drop(reason, count)
        self.claim_ids += other.claim_ids
        self.problems += other.problems


@dataclass(frozen=True)
class _Candidate:
    article: Article
    position: int
    text: str
    language: str | None


def _sentences(article: Article) -> list[str]:
    return ([article.title] if article.title else []) + [
        s.text for s in split_sentences(article.text, article.language)
    ]


def _mark_removed(article: Article, texts: list[str], counts: AnalysisCounts) -> None:
    """Claims of an earlier revision that this one no longer carries are marked, never deleted;
    a sentence that comes back is unmarked."""
    present, now = set(texts), utcnow()
    for claim in article.claims:
        if claim.text in present:
            claim.removed_at = None
        elif claim.removed_at is None:
            claim.removed_at = now
            counts.removed += 1


def _candidates(
    article: Article, counts: AnalysisCounts, max_claims: int, covered: tuple[str, ...]
) -> list[_Candidate]:
    """The sentences of ``article`` worth embedding, in the ``covered`` languages; every other
    one is counted with a reason (no head is calibrated for another language).

    A first analysis numbers claims by sentence (0 is the title). A revision keeps the claims
    it still carries, marks the ones it dropped, and gives each new sentence the next free
    position, so no position is ever used twice."""
    try:
        texts = _sentences(article)
    except Exception as exc:  # one unreadable article must not stop the batch
        counts.problems.append(f"article {article.url}: not analysed: {exc!r}"[:500])
        counts.drop("article_unreadable")
        return []
    counts.sentences += len(texts)
    known = {claim.text for claim in article.claims}
    if known:
        counts.revised += 1
        _mark_removed(article, texts, counts)
    next_free = max((claim.position for claim in article.claims), default=-1) + 1
    kept: list[_Candidate] = []
    seen: set[str] = set()
    for index, text in enumerate(texts):
        reason = "already_analysed" if text in known else prefilter(text)
        if reason is None and text in seen:
            reason = "repeated_in_article"  # a headline repeated as the lead, say: one claim
        seen.add(text)
        language = sentence_language(text, article.language) if reason is None else None
        if reason is None:
            reason = uncovered_language_reason(language, covered)
        if reason is None and len(kept) >= max_claims:
            reason = "over_article_limit"
        if reason is not None:
            counts.drop(reason)
            continue
        position = index if not known else next_free + len(kept)
        kept.append(_Candidate(article, position, text, language))
    return kept


def analyse_articles(
    session: Session,
    embedder: Embedder,
    heads: SentenceHeads,
    *,
    article_ids: list[int] | None = None,
    max_claims_per_article: int = 200,
    languages: tuple[str, ...] = COVERED_LANGUAGES,
) -> AnalysisCounts:
    """Split the not-yet-analysed articles (those of ``article_ids``, or all) into sentences and
    store the check-worthy ones as claims, with their topic and check-worthiness scores."""
    counts = AnalysisCounts()
    query = select(Article).where(Article.analysed_at.is_(None)).order_by(Article.id)
    if article_ids is not None:
        query = query.where(Article.id.in_(article_ids))
    articles = list(session.scalars(query.options(selectinload(Article.claims))))
    candidates = [
        c
        for article in articles
        for c in _candidates(article, counts, max_claims_per_article, languages)
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


def _flags(
    claims: list[Claim],
    matches: list[Match | None],
    vectors: NDArray[np.float32],
    heads: SentenceHeads,
    flag_model: FlagModel,
) -> list[Flag | None]:
    """The flag of each matched claim (``None`` where nothing matched)."""
    rows = [i for i, m in enumerate(matches) if m is not None]
    odds = flag_model.odds([m for m in matches if m is not None], vectors[rows])
    flags: list[Flag | None] = [None] * len(claims)
    for row, found in zip(rows, odds, strict=True):
        claim = claims[row]
        flags[row] = flag_score(
            found,
            claim.topic_score or 0.0,
            claim.checkworthiness,
            topic_threshold=heads.topic_threshold(claim.language),
            checkworthy_threshold=heads.checkworthy_threshold(claim.language),
        )
    return flags


@dataclass
class MatchCounts:
    repeats: int = 0  # claims flagged as repeating a narrative
    corrections: int = 0  # claims that state a narrative's correction ("correction seen")


def match_claims(
    session: Session,
    claim_ids: list[int],
    index: NarrativeIndex,
    heads: SentenceHeads,
    flag_model: FlagModel,
    thresholds: Thresholds,
    *,
    dimension: int,
) -> MatchCounts:
    """Score each claim against the narratives: a claim whose flag score reaches the threshold
    is marked as repeating that narrative; one the flag model reads as stating a narrative's
    correction is linked to it as a correction seen (never flagged)."""
    claims = list(session.scalars(select(Claim).where(Claim.id.in_(claim_ids)).order_by(Claim.id)))
    vectors = bytes_to_vectors([c.embedding for c in claims], dimension)
    matches = index.match(vectors, [c.language for c in claims], [c.text for c in claims])
    counts = MatchCounts()
    for claim, match, flag in zip(
        claims, matches, _flags(claims, matches, vectors, heads, flag_model), strict=True
    ):
        if match is None or flag is None:
            continue
        claim.flag_score = flag.score
        if flag.score >= thresholds.flag:
            claim.narrative_id = match.narrative_id
            counts.repeats += 1
        elif flag.verdict == "correction":
            claim.correction_of_id = match.narrative_id
            counts.corrections += 1
    return counts


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
            [claim_details(r.text) for r in rows],
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
    flagged: int = 0
    created: int = 0
    updated: int = 0
    held_back: int = 0  # flagged, but past the run's or the source's cap on new items
    held_back_by_source: Counter[str] = field(default_factory=Counter)

    def add(self, other: FlagCounts) -> None:
        """Add another batch's counts to these."""
        self.flagged += other.flagged
        self.created += other.created
        self.updated += other.updated
        self.held_back += other.held_back
        self.held_back_by_source.update(other.held_back_by_source)


NIGHT = dt.timedelta(hours=24)


@dataclass
class QueueBudget:
    """How many new queue items may still be added, in all and per source, over the last 24
    hours: a flood (one outlet publishing hundreds of near-identical claims) is counted and
    reported, not queued, and a run that resumes a killed one shares its night's budget. Items
    already in the queue are refreshed whatever the budget."""

    per_night: int | None = None
    per_source: int | None = None
    created: int = 0
    created_by_source: Counter[str] = field(default_factory=Counter)

    @classmethod
    def for_night(
        cls, session: Session, per_night: int | None, per_source: int | None
    ) -> QueueBudget:
        """The budget left after the items created in the last 24 hours (an item counts for
        every source that carried it)."""
        since = utcnow() - NIGHT
        created = session.scalar(
            select(func.count()).select_from(QueueItem).where(QueueItem.created_at >= since)
        )
        by_source = session.execute(
            select(Source.name, func.count(distinct(QueueItem.id)))
            .join(Claim, Claim.cluster_id == QueueItem.cluster_id)
            .join(Article, Article.id == Claim.article_id)
            .join(Source, Source.id == Article.source_id)
            .where(QueueItem.created_at >= since)
            .group_by(Source.name)
        )
        counts = Counter({name: int(count) for name, count in by_source.tuples()})
        return cls(per_night, per_source, int(created or 0), counts)

    def allows(self, source: str) -> bool:
        return (self.per_night is None or self.created < self.per_night) and (
            self.per_source is None or self.created_by_source[source] < self.per_source
        )

    def take(self, source: str) -> None:
        self.created += 1
        self.created_by_source[source] += 1


def _queue_cluster(
    session: Session,
    cluster: Cluster,
    library: LibraryIndex,
    heads: SentenceHeads,
    flag_model: FlagModel,
    budget: QueueBudget,
    *,
    model_version: str,
    dimension: int,
) -> str | None:
    claims = [c for c in cluster.claims if c.narrative_id == cluster.narrative_id]
    vectors = bytes_to_vectors([c.embedding for c in claims], dimension)
    matches = library.narratives.match(
        vectors, [c.language for c in claims], [c.text for c in claims]
    )
    scored = [
        (claim, match, flag)
        for claim, match, flag in zip(
            claims, matches, _flags(claims, matches, vectors, heads, flag_model), strict=True
        )
        if match is not None and flag is not None and match.narrative_id == cluster.narrative_id
    ]
    if not scored:
        return None
    claim, match, flag = max(scored, key=lambda s: s[2].score)
    source = claim.article.source.name
    is_new = session.scalar(select(QueueItem.id).where(QueueItem.cluster_id == cluster.id)) is None
    if is_new and not budget.allows(source):
        return f"held_back:{source}"
    retrieval = library.snippets.rank(
        claim.text,
        claim.language,
        bytes_to_vectors([claim.embedding], dimension)[0],
        [match.narrative_id, *(c.narrative_id for c in match.candidates)],
    )
    outlets, languages = len(cluster.outlets), len(cluster.languages)
    fresh = novelty(
        cluster.first_seen, utcnow(), already_decided=cluster_decided(session, cluster.id)
    )
    why = explanation(
        match,
        flag,
        claim_text=claim.text,
        topic=claim.topic_score or 0.0,
        topic_label=claim.topic_label or "",
        checkworthiness=claim.checkworthiness,
        cues=cues_of(claim.text),
        model_versions={"embedding": model_version, **heads.versions, "flag": flag_model.version},
        outlets=outlets,
        languages=languages,
        novelty=fresh,
        thresholds={
            "topic": heads.topic_threshold(claim.language),
            "checkworthiness": heads.checkworthy_threshold(claim.language),
        },
    )
    why["lane"] = "repeat"
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
    if is_new:
        budget.take(source)
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
    flag_model: FlagModel,
    *,
    model_version: str,
    dimension: int,
    budget: QueueBudget | None = None,
) -> FlagCounts:
    """Queue (or refresh) every touched cluster that repeats a narrative, with its explanation;
    new items only while ``budget`` (no limit when None) allows."""
    counts = FlagCounts()
    budget = budget or QueueBudget()
    clusters = session.scalars(
        select(Cluster)
        .where(Cluster.id.in_(cluster_ids), Cluster.narrative_id.is_not(None))
        .options(
            selectinload(Cluster.claims).selectinload(Claim.article).selectinload(Article.source)
        )
    )
    for cluster in clusters:
        outcome = _queue_cluster(
            session,
            cluster,
            library,
            heads,
            flag_model,
            budget,
            model_version=model_version,
            dimension=dimension,
        )
        if outcome is None:
            continue
        counts.flagged += 1
        if outcome.startswith("held_back:"):
            counts.held_back += 1
            counts.held_back_by_source[outcome.removeprefix("held_back:")] += 1
        counts.created += outcome == "created"
        counts.updated += outcome == "updated"
    return counts


@dataclass
class Analysis:
    """What one analysis of the new articles produced, stage by stage, over all its batches."""

    claims: AnalysisCounts = field(default_factory=AnalysisCounts)
    matched: MatchCounts = field(default_factory=MatchCounts)
    clusters: ClusterCounts = field(default_factory=ClusterCounts)
    flags: FlagCounts = field(default_factory=FlagCounts)
    batches: int = 0
    emerging: EmergingCounts = field(default_factory=EmergingCounts)

    def add(self, other: Analysis) -> None:
        """Add another batch's results to these."""
        self.claims.add(other.claims)
        self.matched.repeats += other.matched.repeats
        self.matched.corrections += other.matched.corrections
        self.clusters.new_clusters += other.clusters.new_clusters
        self.clusters.grown_clusters += other.clusters.grown_clusters
        self.clusters.cluster_ids += other.clusters.cluster_ids
        self.flags.add(other.flags)
        self.batches += other.batches


Stage = Callable[[str, Callable[[], Any]], Any]
BatchDone = Callable[[int, int, "Analysis"], None]  # (articles done, articles in all, so far)


def _untimed(_name: str, call: Callable[[], Any]) -> Any:
    return call()


def _ignore_batch(_done: int, _total: int, _so_far: Analysis) -> None:
    return None


def pending_article_ids(session: Session) -> list[int]:
    """The articles not analysed yet (new, revised, or left by a run that was killed)."""
    return list(
        session.scalars(
            select(Article.id).where(Article.analysed_at.is_(None)).order_by(Article.id)
        )
    )


@dataclass(frozen=True)
class AnalysisModels:
    """What the analysis runs with: the embedder, the heads, the flag model, the language
    centring."""

    embedder: Embedder
    heads: SentenceHeads
    flag_model: FlagModel
    centring: LanguageCentring
    languages: tuple[str, ...] = COVERED_LANGUAGES  # the languages the desk covers


def analyse_batch(
    session: Session,
    article_ids: list[int],
    models: AnalysisModels,
    library: LibraryIndex,
    thresholds: Thresholds,
    budget: QueueBudget,
    stage: Stage = _untimed,
) -> Analysis:
    """Every stage over one batch of articles, in the caller's transaction."""
    embedder, heads = models.embedder, models.heads
    dimension, version = embedder.dimension, embedder.version
    claims = stage(
        "analyse",
        lambda: analyse_articles(
            session, embedder, heads, article_ids=article_ids, languages=models.languages
        ),
    )
    matched = stage(
        "match",
        lambda: match_claims(
            session,
            claims.claim_ids,
            library.narratives,
            heads,
            models.flag_model,
            thresholds,
            dimension=embedder.dimension,
        ),
    )
    clusters = stage(
        "cluster",
        lambda: cluster_claims(
            session,
            claims.claim_ids,
            thresholds,
            models.centring,
            dimension=dimension,
            model_version=version,
        ),
    )
    flags = stage(
        "flag",
        lambda: flag_clusters(
            session,
            clusters.cluster_ids,
            library,
            heads,
            models.flag_model,
            budget=budget,
            dimension=dimension,
            model_version=version,
        ),
    )
    return Analysis(claims, matched, clusters, flags, batches=1)


def analyse_new_articles(
    engine: Engine,
    models: AnalysisModels,
    thresholds: Thresholds,
    *,
    batch_size: int = 100,
    budget: QueueBudget | None = None,
    emerging: EmergingRules | None = None,
    stage: Stage = _untimed,
    on_batch: BatchDone = _ignore_batch,
) -> Analysis:
    """Every stage over the articles not analysed yet, ``batch_size`` articles a transaction, in
    article order, then (with ``emerging`` rules) the emerging lane in a transaction of its own;
    ``stage`` wraps each stage of each batch (``stage(name, call)``, e.g. to time it) and
    ``on_batch`` hears of every committed batch."""
    with session_scope(engine) as session:
        pending = pending_article_ids(session)
        if not pending and emerging is None:
            return Analysis()
        library = stage(
            "library", lambda: build_library_index(session, models.embedder, models.centring)
        )
    budget = budget or QueueBudget()
    total = Analysis()
    for start in range(0, len(pending), batch_size):
        with session_scope(engine) as session:
            batch = analyse_batch(
                session,
                pending[start : start + batch_size],
                models,
                library,
                thresholds,
                budget,
                stage,
            )
        total.add(batch)
        on_batch(min(start + batch_size, len(pending)), len(pending), total)
    if emerging is not None:
        with session_scope(engine) as session:
            total.emerging = stage(
                "emerging",
                lambda: queue_emerging(
                    session,
                    library,
                    models.heads,
                    emerging,
                    model_version=models.embedder.version,
                    dimension=models.embedder.dimension,
                ),
            )
    return total
