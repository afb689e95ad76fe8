"""Topic relevance: is a claim about Vietnam's foreign and people-to-people relations?

Zero-shot by embeddings: the claim (a query) is compared with label descriptions (documents) in
``data/topic_labels.toml``; a softmax over the labels' best similarities, at a low temperature,
gives each label's probability, and relevance is the total of the on-topic labels. The closest
label names the subject in a flag's explanation, and the per-label similarities are features of
the trained topic head (``claimwatch.pipeline.classify``), which decides relevance.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from claimwatch.models.embedder import Embedder

LABELS_FILE = Path(__file__).with_name("data") / "topic_labels.toml"
TEMPERATURE = 0.02


@dataclass(frozen=True)
class TopicLabel:
    name: str
    on_topic: bool
    descriptions: tuple[str, ...]


@dataclass(frozen=True)
class TopicScore:
    relevance: float
    best_label: str
    best_similarity: float


def load_labels(path: Path = LABELS_FILE) -> list[TopicLabel]:
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    return [
        TopicLabel(entry["name"], bool(entry["on_topic"]), tuple(entry["descriptions"]))
        for entry in document["label"]
    ]


class TopicScorer:
    """Scores query-embedded claims against the topic labels (embedded once)."""

    def __init__(
        self,
        embedder: Embedder,
        labels: list[TopicLabel] | None = None,
        temperature: float = TEMPERATURE,
    ) -> None:
        self.labels = labels or load_labels()
        self.temperature = temperature
        descriptions = [d for label in self.labels for d in label.descriptions]
        self._owner = np.array(
            [i for i, label in enumerate(self.labels) for _ in label.descriptions]
        )
        self._vectors = embedder.embed_documents(descriptions)
        self._on_topic = np.array([label.on_topic for label in self.labels])

    @property
    def names(self) -> list[str]:
        return [label.name for label in self.labels]

    def similarities(self, claim_vectors: NDArray[np.float32]) -> NDArray[np.float32]:
        """Each claim's best similarity to each label's descriptions (claims × labels)."""
        sims = claim_vectors @ self._vectors.T
        per_label = np.full((len(claim_vectors), len(self.labels)), -1.0, dtype=np.float32)
        for index in range(len(self.labels)):
            per_label[:, index] = sims[:, self._owner == index].max(axis=1)
        return per_label

    def score(self, claim_vectors: NDArray[np.float32]) -> list[TopicScore]:
        if len(claim_vectors) == 0:
            return []
        return self.score_similarities(self.similarities(claim_vectors))

    def score_similarities(self, per_label: NDArray[np.float32]) -> list[TopicScore]:
        """The scores of claims whose ``similarities`` are already computed."""
        logits = (per_label - per_label.max(axis=1, keepdims=True)) / self.temperature
        probabilities = np.exp(logits)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        relevance = probabilities[:, self._on_topic].sum(axis=1)
        best = per_label.argmax(axis=1)
        return [
            TopicScore(
                round(float(relevance[i]), 4),
                self.labels[best[i]].name,
                round(float(per_label[i, best[i]]), 4),
            )
            for i in range(len(per_label))
        ]


def topic_features(
    vectors: NDArray[np.float32], label_similarities: NDArray[np.float32]
) -> NDArray[np.float32]:
    return np.hstack([vectors, label_similarities]).astype(np.float32)
