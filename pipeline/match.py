"""Narrative matching: which known misleading story does a claim repeat, and how strongly?

Each narrative has phrasings of the misleading claim in several languages; each snippet states
the correction (its title and sentences are used). Claims and phrasings are compared as E5
queries (a symmetric, paraphrase-style comparison). Three pieces of evidence come out:

- ``similarity``: the mean of the best similarity to any phrasing and the best similarity to a
  phrasing in *another* language. Sentences in the same language share vocabulary and score
  high on topic alone; agreement across languages is evidence that the claim itself is repeated.
- numbers must not contradict: a phrasing stating "30 days" is not evidence for "90 days".
- ``fused`` and ``reason``: narratives are ranked by hybrid retrieval over their phrasings
  (``claimwatch.pipeline.hybrid_search``: BM25 and embeddings, fused), and the best phrasing's hit says why
  (its rank by meaning and by words, and the words it shares with the claim). With a
  ``LanguageCentring`` the ranking compares language-centred embeddings (each language's mean
  taken out, ``claimwatch.pipeline.centring``): raw cosines favour phrasings in the claim's own language,
  so a narrative phrased only in English lost French and Vietnamese repeats to any narrative
  phrased in their language. The evidence numbers above stay raw cosines.
- ``margin``: best phrasing similarity minus best correction similarity. A report that restates
  the correction sits clearly closer to it (negative margin). Embeddings barely see negation, so
  a small negative margin stays possible for a real repeat ("banned" vs "allowed"): the reviewer
  decides.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from claimwatch.models.embedder import Embedder
from claimwatch.pipeline.centring import LanguageCentring
from claimwatch.pipeline.cluster import number_signature, numbers_compatible
from claimwatch.pipeline.hybrid_search import Hit, HybridIndex
from claimwatch.pipeline.segment import split_sentences


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


class NarrativeIndex:
    """Narrative phrasings and correction statements, embedded once per run."""

    def __init__(
        self,
        embedder: Embedder,
        phrasings: list[NarrativeText],
        snippets: list[SnippetText],
        centring: LanguageCentring | None = None,
    ) -> None:
        self.phrasings = phrasings
        self.snippets = snippets
        self.centring = centring
        self._phrasing_vectors = embedder.embed_queries([p.text for p in phrasings])
        self._phrasing_numbers = [number_signature(p.text) for p in phrasings]
        self._hybrid = HybridIndex(
            [p.text for p in phrasings],
            self._for_ranking(self._phrasing_vectors, [p.language for p in phrasings]),
        )
        corrections = [(i, s.title) for i, s in enumerate(snippets)]
        corrections += [
            (i, x.text) for i, s in enumerate(snippets) for x in split_sentences(s.text, s.language)
        ]
        self._correction_owner = np.array([i for i, _ in corrections], dtype=np.int64)
        self._correction_vectors = embedder.embed_queries([t for _, t in corrections])
        self._slugs = {p.narrative_id: p.slug for p in phrasings}

    def __len__(self) -> int:
        return len(self._slugs)

    def match(
        self, vectors: NDArray[np.float32], languages: list[str | None], texts: list[str]
    ) -> list[Match | None]:
        """The best narrative for each claim (``None`` when the library has no narratives)."""
        if not self._slugs or len(vectors) == 0:
            return [None] * len(vectors)
        phrasing_sims = vectors @ self._phrasing_vectors.T
        snippet_sims = self._per_snippet(vectors)
        ranking = self._for_ranking(vectors, languages)
        return [
            self._match_one(
                phrasing_sims[i],
                snippet_sims[i],
                languages[i],
                number_signature(texts[i]),
                self._hybrid.search(texts[i], ranking[i], k=len(self.phrasings)),
            )
            for i in range(len(vectors))
        ]

    def _for_ranking(
        self, vectors: NDArray[np.float32], languages: list[str | None] | list[str]
    ) -> NDArray[np.float32]:
        """The vectors narratives are ranked by: language-centred when there is a centring."""
        if self.centring is None:
            return vectors
        return self.centring.apply(vectors, list(languages))

    def _per_snippet(self, vectors: NDArray[np.float32]) -> NDArray[np.float32]:
        result = np.full((len(vectors), len(self.snippets)), -1.0, dtype=np.float32)
        if len(self._correction_owner):
            sims = vectors @ self._correction_vectors.T
            for index in range(len(self.snippets)):
                result[:, index] = sims[:, self._correction_owner == index].max(axis=1)
        return result

    def _evidence(
        self, sims: NDArray[np.float32], language: str | None, numbers: frozenset[str]
    ) -> dict[int, tuple[float, float, int]]:
        """Per narrative: (best similarity, best cross-language similarity, best phrasing index)."""
        best: dict[int, tuple[float, float, int]] = {}
        for index, phrasing in enumerate(self.phrasings):
            if not numbers_compatible(numbers, self._phrasing_numbers[index]):
                continue
            value = float(sims[index])
            top, cross, where = best.get(phrasing.narrative_id, (-1.0, -1.0, index))
            if value > top:
                top, where = value, index
            if phrasing.language != language and value > cross:
                cross = value
            best[phrasing.narrative_id] = (top, cross, where)
        return {
            n: (top, cross if cross >= 0 else top, where) for n, (top, cross, where) in best.items()
        }

    def _match_one(
        self,
        phrasing_sims: NDArray[np.float32],
        snippet_sims: NDArray[np.float32],
        language: str | None,
        numbers: frozenset[str],
        hits: list[Hit],
    ) -> Match | None:
        evidence = self._evidence(phrasing_sims, language, numbers)
        if not evidence:
            return None
        best_hit: dict[int, Hit] = {}
        for hit in hits:  # best first; a phrasing whose numbers contradict is no evidence
            owner = self.phrasings[hit.index].narrative_id
            if owner in evidence and numbers_compatible(numbers, self._phrasing_numbers[hit.index]):
                best_hit.setdefault(owner, hit)
        ranked = sorted(
            evidence.items(),
            key=lambda kv: (-best_hit[kv[0]].score if kv[0] in best_hit else 0.0, -kv[1][0]),
        )
        narrative_id, (top, cross, where) = ranked[0]
        own = [i for i, s in enumerate(self.snippets) if s.narrative_id == narrative_id]
        rebuttal = max((float(snippet_sims[i]) for i in own), default=-1.0)
        return Match(
            narrative_id=narrative_id,
            slug=self._slugs[narrative_id],
            similarity=round((top + cross) / 2, 4),
            best_similarity=round(top, 4),
            cross_language_similarity=round(cross, 4),
            phrasing=self.phrasings[where].text,
            phrasing_language=self.phrasings[where].language,
            rebuttal_similarity=round(rebuttal, 4),
            margin=round(top - rebuttal, 4),
            fused=self._fused(best_hit, narrative_id),
            reason=self._reason(best_hit, narrative_id),
            candidates=tuple(
                Candidate(
                    n,
                    self._slugs[n],
                    round((t + c) / 2, 4),
                    self._fused(best_hit, n),
                    self._reason(best_hit, n),
                )
                for n, (t, c, _) in ranked[:3]
            ),
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
