"""Training the heads: the seed sentences plus what reviewers decided, and the heads a run uses.

A decided queue item labels its cluster's claims: ``out_of_scope`` says they are off topic; any
other decision (misleading, accurate, needs_expert, duplicate_of) says they are on topic and
check-worthy — reviewers only decide on claims that could be checked. A decision overrides a
seed with the same text. Retraining writes new head files and makes them
current; earlier ones stay on disk, so a flag's head version can always be looked up.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from claimwatch.settings import Settings
from models.embedder import Embedder
from models.heads import Head, save_head
from pipeline.classify import SentenceHeads, load_heads, train_heads, training_set
from pipeline.labelled import LabelledSentence
from pipeline.topic import TopicScorer
from store.schema import Claim, Cluster, QueueItem


def sentence_heads(
    settings: Settings, embedder: Embedder, session: Session | None = None
) -> SentenceHeads:
    """The heads a run uses: the current ones, trained on the seeds (and the decisions in
    ``session``'s database) when there are none or the seeds changed."""
    return load_heads(
        embedder,
        settings.resolved_heads_dir,
        cache_dir=settings.resolved_embeddings_dir,
        decisions=examples_from_decisions(session) if session is not None else (),
        topic_threshold=settings.topic_threshold,
        checkworthy_threshold=settings.checkworthy_threshold,
    )


def examples_from_decisions(session: Session) -> list[LabelledSentence]:
    """One labelled sentence per distinct claim text of every decided cluster."""
    items = session.scalars(
        select(QueueItem)
        .where(QueueItem.decision.is_not(None))
        .options(selectinload(QueueItem.cluster).selectinload(Cluster.claims))
        .order_by(QueueItem.id)
    )
    examples: dict[str, LabelledSentence] = {}
    for item in items:
        on_topic = item.decision != "out_of_scope"
        claims: list[Claim] = item.cluster.claims
        for claim in claims:
            examples[claim.text] = LabelledSentence(
                id=f"decision-{item.id}-{claim.id}",
                language=claim.language or "",
                text=claim.text,
                topic=on_topic,
                checkworthy=True,
                kind="fact",
            )
    return list(examples.values())


@dataclass(frozen=True)
class TrainingResult:
    topic: Head
    checkworthy: Head
    examples: int
    from_decisions: int


def retrain(settings: Settings, session: Session, embedder: Embedder) -> TrainingResult:
    """Train both heads on the seeds and every decision so far, save them and make them current."""
    examples, sources = training_set(examples_from_decisions(session))
    topic, checkworthy = train_heads(
        embedder,
        TopicScorer(embedder),
        examples,
        cache_dir=settings.resolved_embeddings_dir,
        sources=sources,
    )
    save_head(topic, settings.resolved_heads_dir)
    save_head(checkworthy, settings.resolved_heads_dir)
    return TrainingResult(topic, checkworthy, len(examples), sources["decision"])
