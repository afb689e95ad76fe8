"""Training the heads: the seed sentences plus what reviewers decided, and the heads a run uses.

A decided queue item labels its cluster's claims: ``out_of_scope`` says they are off topic; any
other decision (misleading, accurate, needs_expert, duplicate_of) says they are on topic and
check-worthy — reviewers only decide on claims that could be checked. A decision overrides a
seed with the same text.

Decisions reach the heads only through ``retrain`` (``claimwatch models train``), and only past
a gate. A fixed share of the decisions (``HELD_OUT_PERCENT``, chosen by a hash of the claim text,
so the same claims every time) is held out and never trained on. The candidates (trained on the
seeds and the other decisions) and the current heads are both evaluated on the bundled held-out
sentences and on the held-out decisions; the candidates become current only if

- on the bundled held-out sentences, no language's topic or check-worthiness F1 is lower than
  the current heads' by more than ``heads_promotion_tolerance``, and
- when at least ``heads_min_held_out_decisions`` decisions are held out, neither head agrees
  with fewer of them than the current head does.

Otherwise the current heads stay and the reasons are returned. Every head file is kept and every
outcome is logged in the heads' history (``claimwatch.models.heads.record_event``); ``rollback`` makes an
earlier pair current again.

A run (``sentence_heads``) never trains on decisions: it uses the current heads, and trains on
the seed sentences alone only when there are no heads for this model yet, or when the bundled
seeds or topic labels changed (the earlier heads then belong to other training data and cannot
be the reference). Those seed-only heads are the new baseline, logged as such; decisions are
added again by the next ``claimwatch models train``, through the gate. Changes to the seeds are
themselves guarded by the quality-floor tests.
"""

from __future__ import annotations

import getpass
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from claimwatch.errors import ModelError
from claimwatch.evaluation.metrics import binary_scores
from claimwatch.evaluation.sentences import evaluate_sentences
from claimwatch.models.cache import cached_embeddings
from claimwatch.models.embedder import Embedder
from claimwatch.models.heads import (
    Head,
    HeadsEvent,
    current_head,
    current_version,
    head_by_version,
    make_current,
    pair_id,
    read_history,
    record_event,
    write_head,
)
from claimwatch.pipeline.classify import (
    SentenceHeads,
    load_heads,
    seed_digest,
    train_heads,
    training_set,
)
from claimwatch.pipeline.labelled import EVAL_FILE, LabelledSentence, read_labelled
from claimwatch.pipeline.topic import TopicScorer
from claimwatch.settings import Settings
from claimwatch.store.schema import Claim, Cluster, QueueItem

HELD_OUT_PERCENT = 20  # share of decisions never trained on, by a hash of the claim text
HEAD_NAMES = ("topic", "checkworthy")


def actor_name() -> str:
    """Who the history records for a command run here: the login name."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


# ── the heads a run uses ────────────────────────────────────────────────────────────────────


def _up_to_date(head: Head | None) -> bool:
    return head is not None and head.trained_on.get("seed_digest") == seed_digest()


def sentence_heads(settings: Settings, embedder: Embedder) -> SentenceHeads:
    """The heads a run uses: the current ones. When there are none for this model, or the seeds
    or topic labels changed since they were trained, heads trained on the seeds alone become the
    baseline (logged in the heads' history); decisions are never trained on here."""
    directory = settings.resolved_heads_dir
    topic = current_head(directory, "topic", embedder.version)
    checkworthy = current_head(directory, "checkworthy", embedder.version)
    if not (_up_to_date(topic) and _up_to_date(checkworthy)):
        reason = (
            "no heads for this embedding model yet"
            if topic is None or checkworthy is None
            else "the seed sentences or topic labels changed"
        )
        baseline = load_heads(embedder, directory, cache_dir=settings.resolved_embeddings_dir)
        record_event(
            directory,
            "baseline",
            baseline.topic,
            baseline.checkworthy,
            actor="claimwatch",
            reason=f"trained on the seed sentences alone: {reason}",
        )
    return load_heads(
        embedder,
        directory,
        cache_dir=settings.resolved_embeddings_dir,
        topic_threshold=settings.topic_threshold,
        checkworthy_threshold=settings.checkworthy_threshold,
    )


# ── decisions as examples ───────────────────────────────────────────────────────────────────


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


def is_held_out(text: str) -> bool:
    """Whether a decided claim is held out for evaluation (the same answer for a text, always)."""
    digest = hashlib.sha256(text.strip().encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % 100 < HELD_OUT_PERCENT


def split_decisions(
    decisions: Sequence[LabelledSentence],
) -> tuple[list[LabelledSentence], list[LabelledSentence]]:
    """``(to train on, held out)``."""
    held = [d for d in decisions if is_held_out(d.text)]
    return [d for d in decisions if not is_held_out(d.text)], held


# ── candidates ──────────────────────────────────────────────────────────────────────────────


def _vectors_by_text(
    embedder: Embedder, examples: Sequence[LabelledSentence], decided: set[str], cache_dir: Path
) -> NDArray[np.float32]:
    """The examples' query embeddings; the seeds and the decisions are cached as two
    collections, so a new decision does not re-embed the seeds."""
    seeds = [e.text for e in examples if e.text not in decided]
    decisions = [e.text for e in examples if e.text in decided]
    by_text: dict[str, NDArray[np.float32]] = {}
    for texts in (seeds, decisions):
        if texts:
            vectors = cached_embeddings(embedder, texts, prompt="query", cache_dir=cache_dir)
            by_text.update(zip(texts, vectors, strict=True))
    return np.vstack([by_text[e.text] for e in examples]).astype(np.float32)


def train_candidates(
    embedder: Embedder,
    labels: TopicScorer,
    decisions: Sequence[LabelledSentence],
    *,
    cache_dir: Path,
) -> tuple[Head, Head, int]:
    """Topic and check-worthiness heads trained on the seeds and ``decisions``, and the number
    of examples."""
    examples, sources = training_set(decisions)
    vectors = _vectors_by_text(embedder, examples, {d.text for d in decisions}, cache_dir)
    topic, checkworthy = train_heads(embedder.version, labels, examples, vectors, sources=sources)
    return topic, checkworthy, len(examples)


# ── evaluation and the gate ─────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class HeadsFigures:
    """Held-out figures of one pair of heads: ``evaluate_sentences``' report on the bundled
    held-out sentences, and agreement with the held-out decisions."""

    bundled: dict[str, float]
    decisions: dict[str, float]

    def as_dict(self) -> dict[str, dict[str, float]]:
        return {"bundled": self.bundled, "decisions": self.decisions}


def _agreement(
    heads: SentenceHeads,
    embedder: Embedder,
    held_out: Sequence[LabelledSentence],
    cache_dir: Path,
) -> dict[str, float]:
    if not held_out:
        return {"n": 0.0}
    texts = [d.text for d in held_out]
    vectors = cached_embeddings(embedder, texts, prompt="query", cache_dir=cache_dir)
    verdicts = heads.judge(texts, [d.language for d in held_out], vectors)
    topic = [v.on_topic == d.topic for v, d in zip(verdicts, held_out, strict=True)]
    worthy = [v.checkworthy == d.checkworthy for v, d in zip(verdicts, held_out, strict=True)]
    return {
        "n": float(len(held_out)),
        "topic.agreement": round(float(np.mean(topic)), 4),
        "checkworthy.agreement": round(float(np.mean(worthy)), 4),
        "topic.f1": binary_scores([d.topic for d in held_out], [v.on_topic for v in verdicts]).f1,
    }


def evaluate_heads(
    heads: SentenceHeads,
    embedder: Embedder,
    held_out_decisions: Sequence[LabelledSentence],
    *,
    cache_dir: Path,
    bundled: Sequence[LabelledSentence] | None = None,
) -> HeadsFigures:
    """``heads`` (with their own calibrated thresholds) on the bundled held-out sentences and on
    the held-out decisions."""
    sentences = list(bundled) if bundled is not None else read_labelled(EVAL_FILE)
    return HeadsFigures(
        bundled=evaluate_sentences(sentences, embedder, heads, cache_dir=cache_dir),
        decisions=_agreement(heads, embedder, held_out_decisions, cache_dir),
    )


def languages_of(figures: HeadsFigures) -> list[str]:
    """The languages of the bundled figures (``all`` last)."""
    found = {key.split(".")[1] for key in figures.bundled}
    return [*sorted(found - {"all"}), "all"]


@dataclass(frozen=True)
class GateResult:
    promote: bool
    reasons: list[str] = field(default_factory=list)


def gate(
    current: HeadsFigures,
    candidate: HeadsFigures,
    *,
    tolerance: float,
    min_decisions: int,
) -> GateResult:
    """Promote only if the candidates are not worse (the rule is in this module's docstring)."""
    reasons = []
    for name in HEAD_NAMES:
        for language in languages_of(current)[:-1]:
            before = current.bundled[f"{name}.{language}.f1"]
            after = candidate.bundled.get(f"{name}.{language}.f1", 0.0)
            if after < before - tolerance - 1e-9:
                reasons.append(
                    f"{name} F1 ({language}) on the held-out sentences would fall from "
                    f"{before:.3f} to {after:.3f} (tolerance {tolerance:.3f})"
                )
    held = int(candidate.decisions["n"])
    if held >= min_decisions:
        for name in HEAD_NAMES:
            before = current.decisions[f"{name}.agreement"]
            after = candidate.decisions[f"{name}.agreement"]
            if after < before - 1e-9:
                reasons.append(
                    f"{name} agreement with the {held} held-out decisions would fall from "
                    f"{before:.3f} to {after:.3f}"
                )
    return GateResult(promote=not reasons, reasons=reasons)


# ── retraining ──────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class TrainingResult:
    """What ``retrain`` did: the heads before, the candidates, their figures and the verdict."""

    current: SentenceHeads
    topic: Head  # the candidate topic head
    checkworthy: Head  # the candidate check-worthiness head
    examples: int
    from_decisions: int
    held_out_decisions: int
    before: HeadsFigures
    after: HeadsFigures
    verdict: GateResult
    promoted: bool

    @property
    def unchanged(self) -> bool:
        """The candidates are the current heads (nothing new to train on)."""
        return (self.topic.version, self.checkworthy.version) == (
            self.current.topic.version,
            self.current.checkworthy.version,
        )


def retrain(
    settings: Settings, session: Session, embedder: Embedder, *, actor: str | None = None
) -> TrainingResult:
    """Train candidate heads on the seeds and the decisions not held out, evaluate them and the
    current heads, and make the candidates current only if they are not worse. Candidate files
    are kept either way; the outcome is logged in the heads' history."""
    directory = settings.resolved_heads_dir
    cache_dir = settings.resolved_embeddings_dir
    current = sentence_heads(settings, embedder)
    if (current.topic.version, current.checkworthy.version) not in {
        event.pair for event in read_history(directory)
    }:
        record_event(
            directory,
            "baseline",
            current.topic,
            current.checkworthy,
            actor=actor or actor_name(),
            reason="in use before the first logged training",
        )
    train, held_out = split_decisions(examples_from_decisions(session))
    topic, checkworthy, examples = train_candidates(
        embedder, current.labels, train, cache_dir=cache_dir
    )
    candidate = SentenceHeads(topic, checkworthy, current.labels)
    own_thresholds = SentenceHeads(current.topic, current.checkworthy, current.labels)
    before = evaluate_heads(own_thresholds, embedder, held_out, cache_dir=cache_dir)
    after = evaluate_heads(candidate, embedder, held_out, cache_dir=cache_dir)
    verdict = gate(
        before,
        after,
        tolerance=settings.heads_promotion_tolerance,
        min_decisions=settings.heads_min_held_out_decisions,
    )
    write_head(topic, directory)
    write_head(checkworthy, directory)
    figures = {
        "before": before.as_dict(),
        "after": after.as_dict(),
        "before_pair": [current.topic.version, current.checkworthy.version],
    }
    same = (topic.version, checkworthy.version) == tuple(figures["before_pair"])
    if verdict.promote:
        make_current(checkworthy, directory)
        make_current(topic, directory)
    record_event(
        directory,
        "unchanged" if same else "promoted" if verdict.promote else "refused",
        topic,
        checkworthy,
        actor=actor or actor_name(),
        reason="; ".join(verdict.reasons) or "not worse on the held-out data",
        figures=figures,
    )
    return TrainingResult(
        current=current,
        topic=topic,
        checkworthy=checkworthy,
        examples=examples,
        from_decisions=len(train),
        held_out_decisions=len(held_out),
        before=before,
        after=after,
        verdict=verdict,
        promoted=verdict.promote,
    )


# ── versions and rollback ───────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class HeadsVersion:
    """A pair of kept heads as the history knows it."""

    id: str
    topic: str
    checkworthy: str
    first_at: str
    events: list[str]
    figures: dict[str, Any]
    current: bool


def list_versions(directory: Path) -> list[HeadsVersion]:
    """Every pair of heads in the history (oldest first) and the current pair, marked."""
    now = (current_version(directory, "topic"), current_version(directory, "checkworthy"))
    versions: dict[tuple[str, str], HeadsVersion] = {}
    for event in read_history(directory):
        _note_before_figures(versions, event, now)
        known = versions.get(event.pair)
        figures = event.figures.get("after") or (known.figures if known else {})
        versions[event.pair] = HeadsVersion(
            id=pair_id(*event.pair),
            topic=event.topic,
            checkworthy=event.checkworthy,
            first_at=known.first_at if known else event.at,
            events=[*(known.events if known else []), event.event],
            figures=figures if isinstance(figures, dict) else {},
            current=event.pair == now,
        )
    if now[0] and now[1] and (now[0], now[1]) not in versions:
        versions[(now[0], now[1])] = HeadsVersion(
            pair_id(now[0], now[1]), now[0], now[1], "", ["current"], {}, True
        )
    return list(versions.values())


def _note_before_figures(
    versions: dict[tuple[str, str], HeadsVersion],
    event: HeadsEvent,
    now: tuple[str | None, str | None],
) -> None:
    """A training event measured the pair that was current then: keep those figures for it."""
    pair = event.figures.get("before_pair")
    before = event.figures.get("before")
    if not (isinstance(pair, list) and len(pair) == 2 and isinstance(before, dict)):
        return
    key = (str(pair[0]), str(pair[1]))
    known = versions.get(key)
    if known is not None and not known.figures:
        versions[key] = HeadsVersion(
            known.id,
            known.topic,
            known.checkworthy,
            known.first_at,
            known.events,
            before,
            key == now,
        )


def _previous_pair(events: Sequence[HeadsEvent], now: tuple[str | None, str | None]) -> str:
    for event in reversed(events):
        if event.made_current and event.pair != now:
            return pair_id(*event.pair)
    raise ModelError("there is no earlier version of the heads to roll back to")


def _resolve(wanted: str, versions: Sequence[HeadsVersion]) -> HeadsVersion:
    for version in versions:
        if wanted in (version.id, version.topic, version.checkworthy):
            return version
    known = ", ".join(v.id for v in versions) or "none"
    raise ModelError(f"unknown heads version {wanted!r} (known: {known})")


def rollback(
    settings: Settings, wanted: str | None = None, *, actor: str | None = None
) -> HeadsVersion:
    """Make an earlier pair of heads current again (default: the one current before this one).
    ``wanted`` is a pair's id or either head's version. Logged in the heads' history."""
    directory = settings.resolved_heads_dir
    now = (current_version(directory, "topic"), current_version(directory, "checkworthy"))
    versions = list_versions(directory)
    target = _resolve(wanted or _previous_pair(read_history(directory), now), versions)
    topic = head_by_version(directory, target.topic)
    checkworthy = head_by_version(directory, target.checkworthy)
    if topic is None or checkworthy is None:
        raise ModelError(f"heads version {target.id}: its head files are missing in {directory}")
    if topic.trained_on.get("seed_digest") != seed_digest():
        raise ModelError(
            f"heads version {target.id} was trained on other seed sentences or topic labels; "
            "a run would retrain instead of using it"
        )
    current_topic = head_by_version(directory, now[0]) if now[0] else None
    if current_topic is not None and topic.embedding_model != current_topic.embedding_model:
        raise ModelError(f"heads version {target.id} belongs to another embedding model")
    make_current(checkworthy, directory)
    make_current(topic, directory)
    record_event(
        directory,
        "rollback",
        topic,
        checkworthy,
        actor=actor or actor_name(),
        reason=f"restored from {pair_id(now[0], now[1]) if now[0] and now[1] else 'none'}",
        figures=dict(target.figures),
    )
    return next(v for v in list_versions(directory) if v.id == target.id)
