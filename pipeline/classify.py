"""Which sentences become claims, and which claims are on topic: the two trained heads.

    sentence ─► prefilter (no letters, boilerplate, too short: dropped with a reason, not embedded)
             ─► embedding ─► check-worthiness head (embedding + cues) ─► claim, or dropped
                          └► topic head (embedding + similarity to each topic label)
                                 ─► on topic for its language's threshold

Heads are trained on the seed sentences (``data/seed_sentences.jsonl``) plus reviewers'
decisions, calibrated per language, saved under the heads directory and reused until retrained
(or until the seeds or the topic labels change). The closest topic label names the subject in
the explanation. On the held-out sentences the label similarities lift the topic head's F1 from
0.913 to 0.929 (``claimwatch eval sentences``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from claimwatch.models.cache import cached_embeddings
from claimwatch.models.embedder import Embedder
from claimwatch.models.heads import Head, current_head, save_head, train_head
from claimwatch.pipeline.checkworthy import CUES, checkworthy_features
from claimwatch.pipeline.labelled import SEED_FILE, LabelledSentence, read_labelled
from claimwatch.pipeline.topic import LABELS_FILE, TopicScorer, topic_features


def feature_names(head: str, dimension: int, labels: TopicScorer) -> list[str]:
    names = [f"e{i}" for i in range(dimension)]
    if head == "checkworthy":
        return names + [f"cue:{c}" for c in CUES]
    return names + [f"label:{name}" for name in labels.names]


@dataclass(frozen=True)
class Verdict:
    """What the heads say about one sentence, with the thresholds they used."""

    checkworthiness: float
    checkworthy: bool
    topic: float
    on_topic: bool
    topic_threshold: float
    checkworthy_threshold: float
    topic_label: str


class SentenceHeads:
    """The topic and check-worthiness heads of one embedding model."""

    def __init__(
        self,
        topic: Head,
        checkworthy: Head,
        labels: TopicScorer,
        *,
        topic_threshold: float | None = None,
        checkworthy_threshold: float | None = None,
    ) -> None:
        self.topic = topic
        self.checkworthy = checkworthy
        self.labels = labels
        self._topic_override = topic_threshold
        self._checkworthy_override = checkworthy_threshold

    @property
    def versions(self) -> dict[str, str]:
        return {"topic": self.topic.version, "checkworthy": self.checkworthy.version}

    def topic_threshold(self, language: str | None) -> float:
        if self._topic_override is not None:
            return self._topic_override
        return self.topic.threshold(language)

    def checkworthy_threshold(self, language: str | None) -> float:
        if self._checkworthy_override is not None:
            return self._checkworthy_override
        return self.checkworthy.threshold(language)

    def judge(
        self,
        texts: Sequence[str],
        languages: Sequence[str | None],
        vectors: NDArray[np.float32],
    ) -> list[Verdict]:
        if not len(texts):
            return []
        worth = self.checkworthy.probabilities(checkworthy_features(texts, vectors))
        similarities = self.labels.similarities(vectors)
        topic = self.topic.probabilities(topic_features(vectors, similarities))
        names = [score.best_label for score in self.labels.score_similarities(similarities)]
        verdicts = []
        for index, language in enumerate(languages):
            t_cut, c_cut = self.topic_threshold(language), self.checkworthy_threshold(language)
            verdicts.append(
                Verdict(
                    checkworthiness=round(float(worth[index]), 4),
                    checkworthy=bool(worth[index] >= c_cut),
                    topic=round(float(topic[index]), 4),
                    on_topic=bool(topic[index] >= t_cut),
                    topic_threshold=t_cut,
                    checkworthy_threshold=c_cut,
                    topic_label=names[index],
                )
            )
        return verdicts


def seed_digest(seeds: Path = SEED_FILE, labels: Path = LABELS_FILE) -> str:
    """Identifies the bundled seed sentences and topic labels a head was trained with."""
    return hashlib.sha256(seeds.read_bytes() + b"\0" + labels.read_bytes()).hexdigest()[:16]


def train_heads(
    embedding_model: str,
    labels: TopicScorer,
    examples: Sequence[LabelledSentence],
    vectors: NDArray[np.float32],
    *,
    sources: dict[str, int] | None = None,
) -> tuple[Head, Head]:
    """Train (and calibrate) both heads on ``examples`` (the seeds, and decisions if any) and
    their embeddings. Cross-validation folds follow each example's text, so the same examples
    give the same heads on any machine."""
    texts = [e.text for e in examples]
    languages = [e.language for e in examples]
    dimension = vectors.shape[1]
    digest = seed_digest()
    topic = train_head(
        "topic",
        feature_names("topic", dimension, labels),
        topic_features(vectors, labels.similarities(vectors)),
        [e.topic for e in examples],
        languages,
        embedding_model=embedding_model,
        sources=sources,
        seed_digest=digest,
        keys=texts,
    )
    checkworthy = train_head(
        "checkworthy",
        feature_names("checkworthy", dimension, labels),
        checkworthy_features(texts, vectors),
        [e.checkworthy for e in examples],
        languages,
        embedding_model=embedding_model,
        sources=sources,
        seed_digest=digest,
        keys=texts,
    )
    return topic, checkworthy


def _usable(head: Head | None) -> bool:
    return head is not None and head.trained_on.get("seed_digest") == seed_digest()


def training_set(
    decisions: Sequence[LabelledSentence] = (),
) -> tuple[list[LabelledSentence], dict[str, int]]:
    """The seeds with reviewers' decisions on top (a decision wins over a seed of the same text)."""
    by_text = {e.text: e for e in read_labelled(SEED_FILE)}
    by_text.update({e.text: e for e in decisions})
    examples = list(by_text.values())
    decided = {e.text for e in decisions}
    sources = {"seed": sum(e.text not in decided for e in examples), "decision": len(decided)}
    return examples, sources


def load_heads(
    embedder: Embedder,
    heads_dir: Path,
    *,
    cache_dir: Path,
    decisions: Sequence[LabelledSentence] = (),
    topic_threshold: float | None = None,
    checkworthy_threshold: float | None = None,
) -> SentenceHeads:
    """The current heads for this model. They are trained (on the seeds and ``decisions``) when
    there are none yet, or when the bundled seed sentences changed since they were trained."""
    labels = TopicScorer(embedder)
    topic = current_head(heads_dir, "topic", embedder.version)
    checkworthy = current_head(heads_dir, "checkworthy", embedder.version)
    if not (_usable(topic) and _usable(checkworthy)):
        examples, sources = training_set(decisions)
        texts = [e.text for e in examples]
        vectors = cached_embeddings(embedder, texts, prompt="query", cache_dir=cache_dir)
        topic, checkworthy = train_heads(
            embedder.version, labels, examples, vectors, sources=sources
        )
        save_head(topic, heads_dir)
        save_head(checkworthy, heads_dir)
    assert topic is not None and checkworthy is not None
    return SentenceHeads(
        topic,
        checkworthy,
        labels,
        topic_threshold=topic_threshold,
        checkworthy_threshold=checkworthy_threshold,
    )
