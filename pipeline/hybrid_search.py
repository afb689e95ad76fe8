"""Hybrid retrieval: lexical BM25 (bm25s) and dense embeddings, fused, with the reason for each hit.

The two retrievers fail differently. BM25 finds rare shared words (names, places, numbers) that
embeddings blur; embeddings find paraphrases and translations that share no word. Each ranks the
whole collection; the fused score is a weighted sum of the two scores, each min–max normalised
over the query's candidates (the top ``depth`` of either list), so one weight, tuned on labelled
pairs, says how much to trust each. Every hit keeps both ranks, both raw scores and the shared
words, which is what a reviewer is shown as the reason.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import bm25s
import numpy as np
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_FRENCH
from numpy.typing import NDArray

# Chosen on the CheckThat! 2022 2A train split (`claimwatch eval matching --split train --tune`).
DENSE_WEIGHT = 0.7
DEPTH = 100
_TOKEN = re.compile(r"\w+", re.UNICODE)
# Vietnamese function syllables: frequent enough to add noise, too short to carry a claim.
_STOPWORDS_VI = frozenset(
    [
        "và",
        "của",
        "là",
        "có",
        "cho",
        "các",
        "những",
        "được",
        "đã",
        "sẽ",
        "đang",
        "với",
        "trong",
        "này",
        "khi",
        "từ",
        "theo",
        "một",
        "không",
        "để",
        "thì",
        "mà",
        "ra",
        "vào",
        "về",
        "như",
        "nhưng",
        "cũng",
        "lại",
        "rằng",
        "do",
        "bởi",
        "tại",
        "trên",
        "dưới",
        "sau",
        "trước",
        "nơi",
        "đó",
        "đây",
        "ấy",
        "hay",
        "hoặc",
    ]
)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG
STOPWORDS = frozenset(STOPWORDS_EN) | frozenset(STOPWORDS_FRENCH) | _STOPWORDS_VI


def tokenize(text: str) -> list[str]:
    """Lower-cased NFC word tokens without stopwords, in any of the project's languages."""
    words = _TOKEN.findall(unicodedata.normalize("NFC", text).lower())
    return [w for w in words if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


@dataclass(frozen=True)
class Hit:
    """One retrieved document and why: both retrievers' ranks (1-based) and scores."""

    index: int
    score: float
    dense_score: float
    dense_rank: int
    lexical_score: float
    lexical_rank: int
    shared_terms: tuple[str, ...]

    def reason(self) -> str:
        terms = ", ".join(self.shared_terms[:6]) or "none"
        return (
            f"fused {self.score:.3f}: meaning #{self.dense_rank} (cosine {self.dense_score:.3f}), "
            f"words #{self.lexical_rank} (BM25 {self.lexical_score:.2f}; shared: {terms})"
        )


def _normalise(values: NDArray[np.float32]) -> NDArray[np.float32]:
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-9:
        return np.zeros_like(values)
    return ((values - low) / (high - low)).astype(np.float32)


def _ranks(scores: NDArray[np.float32]) -> NDArray[np.int64]:
    order = np.argsort(-scores, kind="stable")
    ranks = np.empty(len(scores), dtype=np.int64)
    ranks[order] = np.arange(1, len(scores) + 1)
    return ranks


class HybridIndex:
    """A fixed collection of documents with their (normalised) embeddings."""

    def __init__(
        self,
        texts: Sequence[str],
        vectors: NDArray[np.float32],
        *,
        dense_weight: float = DENSE_WEIGHT,
        depth: int = DEPTH,
    ) -> None:
        if len(texts) != len(vectors):
            raise ValueError(f"{len(texts)} texts but {len(vectors)} vectors")
        if not 0.0 <= dense_weight <= 1.0:
            raise ValueError(f"dense_weight must be in [0, 1], not {dense_weight}")
        self.texts = list(texts)
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.dense_weight = dense_weight
        self.depth = depth
        self._tokens = [set(tokenize(t)) for t in self.texts]
        self._bm25 = bm25s.BM25()
        if self.texts:
            self._bm25.index([tokenize(t) or [""] for t in self.texts], show_progress=False)

    def __len__(self) -> int:
        return len(self.texts)

    def lexical_scores(self, text: str) -> NDArray[np.float32]:
        words = [w for w in tokenize(text) if w in self._bm25.vocab_dict]
        if not words or not self.texts:
            return np.zeros(len(self.texts), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(words), dtype=np.float32)

    def search(self, text: str, vector: NDArray[np.float32], k: int = 10) -> list[Hit]:
        """The ``k`` best documents for one query (its text and its query embedding)."""
        if not self.texts:
            return []
        dense = self.vectors @ np.asarray(vector, dtype=np.float32)
        lexical = self.lexical_scores(text)
        dense_ranks, lexical_ranks = _ranks(dense), _ranks(lexical)
        pool = np.flatnonzero((dense_ranks <= self.depth) | (lexical_ranks <= self.depth))
        fused = self.dense_weight * _normalise(dense[pool]) + (1 - self.dense_weight) * _normalise(
            lexical[pool]
        )
        query_terms = set(tokenize(text))
        hits = [
            Hit(
                index=int(doc),
                score=round(float(score), 4),
                dense_score=round(float(dense[doc]), 4),
                dense_rank=int(dense_ranks[doc]),
                lexical_score=round(float(lexical[doc]), 3),
                lexical_rank=int(lexical_ranks[doc]),
                shared_terms=tuple(sorted(query_terms & self._tokens[doc])),
            )
            for doc, score in zip(pool, fused, strict=True)
        ]
        hits.sort(key=lambda h: (-h.score, h.dense_rank))
        return hits[:k]
