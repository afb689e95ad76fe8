"""Snippet versions: the whole snippet after every change, who made it and how.

Every change to a snippet, whatever made it (an import, an editor's edit, vetting, retiring),
goes through ``record_change``: it bumps the snippet's version, stores the full state as a
``SnippetVersion`` and writes the audit event (before and after). A change that changes nothing
records nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from claimwatch.store.audit import record
from claimwatch.store.schema import Narrative, Snippet, SnippetSource, SnippetVersion


def narrative_state(narrative: Narrative) -> dict[str, Any]:
    return {
        "slug": narrative.slug,
        "title": narrative.title,
        "summary": narrative.summary,
        "claims": sorted([p.language, p.text] for p in narrative.phrasings),
    }


def snippet_state(snippet: Snippet) -> dict[str, Any]:
    """A snippet in the library document's form (what export writes and import reads)."""
    return {
        "key": snippet.key,
        "narrative": snippet.narrative.slug if snippet.narrative else None,
        "language": snippet.language,
        "status": snippet.status,
        "translation_of": snippet.translation_of.key if snippet.translation_of else None,
        "title": snippet.title,
        "text": snippet.text,
        "vetted_by": snippet.vetted_by,
        "vetted_at": snippet.vetted_at.isoformat() if snippet.vetted_at else None,
        "review_by": snippet.review_by.isoformat() if snippet.review_by else None,
        "sources": [
            {
                "url": s.url,
                "publisher": s.publisher,
                "title": s.title,
                "published": s.published.isoformat() if s.published else None,
                "quote": s.quote,
            }
            for s in snippet.sources
        ],
    }


def set_sources(snippet: Snippet, wanted: list[dict[str, Any]]) -> None:
    """Give ``snippet`` these sources (url, publisher, title, published date, quote), in order;
    unchanged sources are left as they are."""
    current = [
        {
            "url": s.url,
            "publisher": s.publisher,
            "title": s.title,
            "published": s.published,
            "quote": s.quote,
        }
        for s in snippet.sources
    ]
    if current != wanted:
        snippet.sources = [SnippetSource(position=i, **s) for i, s in enumerate(wanted)]


def record_change(
    session: Session,
    snippet: Snippet,
    *,
    action: str,
    actor: str,
    before: dict[str, Any] | None,
) -> SnippetVersion | None:
    """Keep the snippet's new state as a version (and in the audit trail), unless unchanged."""
    session.flush()
    after = snippet_state(snippet)
    if after == before:
        return None
    if before is not None:
        snippet.version += 1
    version = SnippetVersion(
        snippet=snippet, version=snippet.version, action=action, actor=actor, state=after
    )
    session.add(version)
    record(
        session,
        actor=actor,
        action=action,
        entity="snippet",
        entity_id=snippet.id,
        before=before,
        after=after,
    )
    session.flush()
    return version


def version_record(version: SnippetVersion) -> dict[str, Any]:
    """One version as the CLI and the API show it."""
    return {
        "version": version.version,
        "action": version.action,
        "actor": version.actor,
        "at": version.at.isoformat(),
        "state": version.state,
    }
