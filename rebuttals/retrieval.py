"""Retrieval for a claim: the library's narratives and snippets, ready for narrative matching.

Phrasings of every narrative and the text of every snippet that is not retired feed the matcher
(drafts still tell a correction from the claim); only vetted snippets are offered as references.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.embedder import Embedder
from pipeline.match import NarrativeIndex, NarrativeText, SnippetText
from store.schema import Narrative, NarrativePhrasing, Snippet


def narrative_texts(session: Session) -> tuple[list[NarrativeText], list[SnippetText]]:
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


def build_narrative_index(session: Session, embedder: Embedder) -> NarrativeIndex:
    phrasings, snippets = narrative_texts(session)
    return NarrativeIndex(embedder, phrasings, snippets)
