"""Retrieval for a claim: the library's narratives and snippets, ranked for one flagged claim.

``build_library_index`` embeds the library once per run: narrative phrasings and corrections for
narrative matching (``claimwatch.pipeline.match``), and every snippet that is not retired (title and text,
as E5 passages) for snippet retrieval. For a claim, snippets are ranked by hybrid retrieval
(BM25 and embeddings, fused; ``claimwatch.pipeline.hybrid_search``), then ordered for the reviewer:

1. snippets of the narrative the claim matched, then of the other candidate narratives, then the
   rest (only those that retrieval itself ranks among the best);
2. within each, snippets in the claim's language first, then the other languages;
3. then by retrieval score.

Only vetted snippets are references (suggestions a reviewer can choose and cite); drafts are
returned apart, to be shown as drafts. Every candidate keeps the reason it was retrieved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from claimwatch.models.embedder import Embedder
from claimwatch.pipeline.centring import LanguageCentring
from claimwatch.pipeline.hybrid_search import HybridIndex
from claimwatch.pipeline.match import NarrativeIndex, NarrativeText, SnippetText
from claimwatch.store.schema import Narrative, NarrativePhrasing, Snippet

TOP_UNRELATED = 3  # snippets of no candidate narrative: at most the retriever's top 3


@dataclass(frozen=True)
class SnippetCandidate:
    snippet_id: int
    narrative_id: int | None
    language: str
    status: str
    score: float
    same_language: bool
    reason: str


@dataclass(frozen=True)
class Retrieval:
    references: tuple[SnippetCandidate, ...]  # vetted: what a reviewer may choose and cite
    drafts: tuple[SnippetCandidate, ...]  # shown as drafts, never offered as references


class SnippetIndex:
    """Every snippet that is not retired, embedded as a passage."""

    def __init__(self, embedder: Embedder, snippets: Sequence[SnippetText]) -> None:
        self.snippets = list(snippets)
        documents = [f"{s.title}. {s.text}" for s in self.snippets]
        self._hybrid = HybridIndex(documents, embedder.embed_documents(documents))

    def __len__(self) -> int:
        return len(self.snippets)

    def rank(
        self,
        text: str,
        language: str | None,
        vector: NDArray[np.float32],
        narratives: Sequence[int],
        *,
        limit: int = 5,
    ) -> Retrieval:
        """The snippets for one claim (its text, language and query embedding), given the
        narratives it matched, best first."""
        hits = self._hybrid.search(text, vector, k=len(self.snippets))
        order = {narrative_id: position for position, narrative_id in enumerate(narratives)}
        ranked = []
        for position, hit in enumerate(hits):
            snippet = self.snippets[hit.index]
            group = (
                order.get(snippet.narrative_id, len(order)) if snippet.narrative_id else len(order)
            )
            if group == len(order) and position >= TOP_UNRELATED:
                continue
            candidate = SnippetCandidate(
                snippet_id=snippet.snippet_id,
                narrative_id=snippet.narrative_id,
                language=snippet.language,
                status=snippet.status,
                score=hit.score,
                same_language=snippet.language == language,
                reason=hit.reason(),
            )
            ranked.append(((group, not candidate.same_language, -hit.score), candidate))
        ranked.sort(key=lambda pair: pair[0])
        ordered = [candidate for _, candidate in ranked]
        return Retrieval(
            references=tuple(c for c in ordered if c.status == "vetted")[:limit],
            drafts=tuple(c for c in ordered if c.status == "draft")[:limit],
        )


@dataclass
class LibraryIndex:
    """The library as one run sees it: narratives for matching, snippets for retrieval."""

    narratives: NarrativeIndex
    snippets: SnippetIndex


def library_texts(session: Session) -> tuple[list[NarrativeText], list[SnippetText]]:
    phrasings = [
        NarrativeText(narrative.id, narrative.slug, phrasing.language, phrasing.text)
        for phrasing, narrative in session.execute(
            select(NarrativePhrasing, Narrative).join(Narrative).order_by(NarrativePhrasing.id)
        ).tuples()
    ]
    snippets = [
        SnippetText(s.id, s.narrative_id, s.language, s.status, s.title, s.text)
        for s in session.scalars(
            select(Snippet).where(Snippet.status != "retired").order_by(Snippet.id)
        )
    ]
    return phrasings, snippets


def build_library_index(
    session: Session, embedder: Embedder, centring: LanguageCentring | None = None
) -> LibraryIndex:
    """The library's indexes; with ``centring``, narratives are ranked across languages on
    language-centred embeddings (as the nightly run does)."""
    phrasings, snippets = library_texts(session)
    return LibraryIndex(
        NarrativeIndex(embedder, phrasings, snippets, centring), SnippetIndex(embedder, snippets)
    )
