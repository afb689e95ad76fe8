"""Narrative matching: which known misleading story does a claim repeat, and how strongly?

Each narrative has phrasings of the misleading claim in several languages; each snippet states
the correction (its title and sentences are used). Claims and phrasings are compared as E5
queries (a symmetric, paraphrase-style comparison). Three pieces of evidence come out:

- ``similarity``: the mean of the best similarity to any phrasing and the best similarity to a
  phrasing in *another* language. Sentences in the same language share vocabulary and score
  high on topic alone; agreement across languages is evidence that the claim itself is repeated.
- numbers must not contradict: a phrasing stating "30 days" is not evidence for "90 days".
- ``fused`` and ``reason``: narratives are ranked by hybrid retrieval over their phrasings
  (``pipeline.retrieve``: BM25 and embeddings, fused), and the best phrasing's hit says why
  (its rank by meaning and by words, and the words it shares with the claim).
- ``margin``: best phrasing similarity minus best correction similarity. A report that restates
  the correction sits clearly closer to it (negative margin). Embeddings barely see negation, so
  a small negative margin stays possible for a real repeat ("banned" vs "allowed"): the reviewer
  decides.
- the same evidence in a **language-centred** space (``pipeline.centring``: each language's mean
  embedding over the bundled seed sentences is subtracted, so a French claim is no longer closer
  to every French phrasing than to an English one): ``centred_similarity`` (best phrasing),
  ``centred_margin`` (best phrasing minus best correction sentence of the narrative) and
  ``centred_gap`` (how far the narrative leads the next one). Raw E5 cosines of on-topic
  sentences bunch between 0.8 and 0.95 whatever they say; centred ones spread out, and they are
  what the calibrated flag (``pipeline.score``) reads. Narratives are ranked by centred
  similarity, then by the hybrid score.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from models.embedder import Embedder
from pipeline.centring import LanguageCentring, language_centring
from pipeline.cluster import number_signature, numbers_compatible
from pipeline.labelled import SEED_FILE, read_labelled
from pipeline.retrieve import Hit, HybridIndex
from pipeline.segment import split_sentences


@dataclass(frozen=True)
class NarrativeText:
    narrative_id: int
    slug: str
    language: str
    text: str


@dataclass(frozen=True)
class SnippetText:
    snippet_id: int
    narrative_id: int | None
    language: str
    status: str
    title: str
    text: str


@dataclass(frozen=True)
class Candidate:
    narrative_id: int
    slug: str
    similarity: float
    fused: float
    reason: str


@dataclass(frozen=True)
class Match:
    """The best narrative for one claim, with the evidence for the explanation."""

    narrative_id: int
    slug: str
    similarity: float
    best_similarity: float
    cross_language_similarity: float
    phrasing: str
    phrasing_language: str
    rebuttal_similarity: float
    margin: float
    fused: float
    reason: str
    candidates: tuple[Candidate, ...]
    centred_similarity: float = 0.0
    centred_margin: float = 0.0
    centred_gap: float = 0.0


_SEED_CENTRINGS: dict[str, LanguageCentring] = {}


def seed_centring(embedder: Embedder, cache_dir: Path | None = None) -> LanguageCentring:
    """The language centring measured on the bundled seed sentences, once per model and process
    (with ``cache_dir``, the seeds' embeddings are also cached on disk)."""
    if embedder.version not in _SEED_CENTRINGS:
        if cache_dir is not None:
            centring = language_centring(embedder, cache_dir)
        else:
            seeds = read_labelled(SEED_FILE)
            vectors = embedder.embed_queries([s.text for s in seeds])
            centring = LanguageCentring.fit(vectors, [s.language for s in seeds])
        _SEED_CENTRINGS[embedder.version] = centring
    return _SEED_CENTRINGS[embedder.version]


@dataclass(frozen=True)
class _Evidence:
    """One narrative's evidence for one claim (indices are into the phrasings)."""

    top: float
    cross: float
    where: int
    centred: float


class NarrativeIndex:
    """Narrative phrasings and correction statements, embedded once per run.

    ``centring`` takes each language's mean out of the embeddings for the centred evidence; by
    default it is measured on the bundled seed sentences (``seed_centring``).
    """

    def __init__(
        self,
        embedder: Embedder,
        phrasings: list[NarrativeText],
        snippets: list[SnippetText],
        *,
        centring: LanguageCentring | None = None,
    ) -> None:
        self.phrasings = phrasings
        self.snippets = snippets
        self._phrasing_vectors = embedder.embed_queries([p.text for p in phrasings])
        self._phrasing_numbers = [number_signature(p.text) for p in phrasings]
        self._hybrid = HybridIndex([p.text for p in phrasings], self._phrasing_vectors)
        corrections = [(i, s.title) for i, s in enumerate(snippets)]
        corrections += [
            (i, x.text) for i, s in enumerate(snippets) for x in split_sentences(s.text, s.language)
        ]
        self._correction_owner = np.array([i for i, _ in corrections], dtype=np.int64)
        self._correction_vectors = embedder.embed_queries([t for _, t in corrections])
        self._slugs = {p.narrative_id: p.slug for p in phrasings}
        self._centring = centring
        if self._slugs and self._centring is None:
            self._centring = seed_centring(embedder)
        self._centred_phrasings = self._centre(
            self._phrasing_vectors, [p.language for p in phrasings]
        )
        self._centred_corrections = self._centre(
            self._correction_vectors, [snippets[i].language for i, _ in corrections]
        )

    def __len__(self) -> int:
        return len(self._slugs)

    def restricted(self, keep: Callable[[NarrativeText], bool]) -> NarrativeIndex:
        """The same index with only the phrasings ``keep`` accepts (nothing is embedded again):
        e.g. without the claim's own language, to measure matching across languages."""
        rows = [i for i, p in enumerate(self.phrasings) if keep(p)]
        other = copy.copy(self)
        other.phrasings = [self.phrasings[i] for i in rows]
        other._phrasing_vectors = self._phrasing_vectors[rows]
        other._centred_phrasings = self._centred_phrasings[rows]
        other._phrasing_numbers = [self._phrasing_numbers[i] for i in rows]
        other._hybrid = HybridIndex([p.text for p in other.phrasings], other._phrasing_vectors)
        other._slugs = {p.narrative_id: p.slug for p in other.phrasings}
        return other

    def _centre(
        self, vectors: NDArray[np.float32], languages: list[str | None] | list[str]
    ) -> NDArray[np.float32]:
        if self._centring is None or len(vectors) == 0:
            return vectors
        return self._centring.apply(vectors, list(languages))

    def match(
        self, vectors: NDArray[np.float32], languages: list[str | None], texts: list[str]
    ) -> list[Match | None]:
        """The best narrative for each claim (``None`` when the library has no narratives)."""
        if not self._slugs or len(vectors) == 0:
            return [None] * len(vectors)
        centred = self._centre(vectors, languages)
        phrasing_sims = vectors @ self._phrasing_vectors.T
        centred_sims = centred @ self._centred_phrasings.T
        snippet_sims = self._per_snippet(vectors @ self._correction_vectors.T, len(vectors))
        centred_snippet_sims = self._per_snippet(
            centred @ self._centred_corrections.T, len(vectors)
        )
        return [
            self._match_one(
                phrasing_sims[i],
                centred_sims[i],
                snippet_sims[i],
                centred_snippet_sims[i],
                languages[i],
                number_signature(texts[i]),
                self._hybrid.search(texts[i], vectors[i], k=len(self.phrasings)),
            )
            for i in range(len(vectors))
        ]

    def _per_snippet(self, sims: NDArray[np.float32], claims: int) -> NDArray[np.float32]:
        """Each claim's best similarity to each snippet's title and sentences."""
        result = np.full((claims, len(self.snippets)), -1.0, dtype=np.float32)
        if len(self._correction_owner):
            for index in range(len(self.snippets)):
                result[:, index] = sims[:, self._correction_owner == index].max(axis=1)
        return result

    def _evidence(
        self,
        sims: NDArray[np.float32],
        centred_sims: NDArray[np.float32],
        language: str | None,
        numbers: frozenset[str],
    ) -> dict[int, _Evidence]:
        """Per narrative: the best similarity, the best across languages, where, and centred."""
        best: dict[int, _Evidence] = {}
        for index, phrasing in enumerate(self.phrasings):
            if not numbers_compatible(numbers, self._phrasing_numbers[index]):
                continue
            value, centred = float(sims[index]), float(centred_sims[index])
            seen = best.get(phrasing.narrative_id, _Evidence(-1.0, -1.0, index, -1.0))
            top, where = (value, index) if value > seen.top else (seen.top, seen.where)
            cross = value if phrasing.language != language and value > seen.cross else seen.cross
            best[phrasing.narrative_id] = _Evidence(top, cross, where, max(centred, seen.centred))
        return {
            n: _Evidence(e.top, e.cross if e.cross >= 0 else e.top, e.where, e.centred)
            for n, e in best.items()
        }

    def _match_one(
        self,
        phrasing_sims: NDArray[np.float32],
        centred_sims: NDArray[np.float32],
        snippet_sims: NDArray[np.float32],
        centred_snippet_sims: NDArray[np.float32],
        language: str | None,
        numbers: frozenset[str],
        hits: list[Hit],
    ) -> Match | None:
        evidence = self._evidence(phrasing_sims, centred_sims, language, numbers)
        if not evidence:
            return None
        best_hit: dict[int, Hit] = {}
        for hit in hits:  # best first; a phrasing whose numbers contradict is no evidence
            owner = self.phrasings[hit.index].narrative_id
            if owner in evidence and numbers_compatible(numbers, self._phrasing_numbers[hit.index]):
                best_hit.setdefault(owner, hit)
        ranked = sorted(
            evidence.items(),
            key=lambda kv: (-kv[1].centred, -self._fused(best_hit, kv[0]), -kv[1].top),
        )
        narrative_id, best = ranked[0]
        own = [i for i, s in enumerate(self.snippets) if s.narrative_id == narrative_id]
        rebuttal = max((float(snippet_sims[i]) for i in own), default=-1.0)
        centred_rebuttal = max((float(centred_snippet_sims[i]) for i in own), default=-1.0)
        runner_up = ranked[1][1].centred if len(ranked) > 1 else -1.0
        return Match(
            narrative_id=narrative_id,
            slug=self._slugs[narrative_id],
            similarity=round((best.top + best.cross) / 2, 4),
            best_similarity=round(best.top, 4),
            cross_language_similarity=round(best.cross, 4),
            phrasing=self.phrasings[best.where].text,
            phrasing_language=self.phrasings[best.where].language,
            rebuttal_similarity=round(rebuttal, 4),
            margin=round(best.top - rebuttal, 4),
            fused=self._fused(best_hit, narrative_id),
            reason=self._reason(best_hit, narrative_id),
            candidates=tuple(
                Candidate(
                    n,
                    self._slugs[n],
                    round((e.top + e.cross) / 2, 4),
                    self._fused(best_hit, n),
                    self._reason(best_hit, n),
                )
                for n, e in ranked[:3]
            ),
            centred_similarity=round(best.centred, 4),
            centred_margin=round(best.centred - centred_rebuttal, 4) if own else 0.0,
            centred_gap=round(best.centred - runner_up, 4) if runner_up > -1.0 else 1.0,
        )

    @staticmethod
    def _fused(best_hit: dict[int, Hit], narrative_id: int) -> float:
        hit = best_hit.get(narrative_id)
        return hit.score if hit else 0.0

    def _reason(self, best_hit: dict[int, Hit], narrative_id: int) -> str:
        hit = best_hit.get(narrative_id)
        if hit is None:
            return "no phrasing with compatible numbers"
        phrasing = self.phrasings[hit.index]
        return f"phrasing ({phrasing.language}) {hit.reason()}"
