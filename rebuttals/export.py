"""What editors pull: snippets as JSON (the library format, importable again) or Markdown."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from rebuttals.library import FORMAT, snippet_state
from store.schema import Narrative, Snippet


def select_snippets(
    session: Session,
    *,
    narrative: str | None = None,
    language: str | None = None,
    status: str | None = "vetted",
    updated_since: dt.datetime | None = None,
) -> list[Snippet]:
    """Snippets filtered by narrative slug, language, status (None: any) and update time."""
    query = (
        select(Snippet)
        .options(selectinload(Snippet.sources), selectinload(Snippet.narrative))
        .order_by(Snippet.key)
    )
    if narrative:
        query = query.join(Narrative, Snippet.narrative_id == Narrative.id).where(
            Narrative.slug == narrative
        )
    if language:
        query = query.where(Snippet.language == language)
    if status:
        query = query.where(Snippet.status == status)
    if updated_since:
        query = query.where(Snippet.updated_at >= updated_since)
    return list(session.scalars(query))


def snippet_record(snippet: Snippet) -> dict[str, Any]:
    return {
        **snippet_state(snippet),
        "version": snippet.version,
        "updated_at": snippet.updated_at.isoformat(),
    }


def to_json(snippets: list[Snippet]) -> str:
    document = {"format": FORMAT, "snippets": [snippet_state(s) for s in snippets]}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def to_markdown(snippets: list[Snippet]) -> str:
    """One section per snippet: the text, then its numbered sources with dates and quotes."""
    lines = ["# claimwatch rebuttal snippets", ""]
    for snippet in snippets:
        narrative = snippet.narrative.slug if snippet.narrative else "—"
        lines += [
            f"## {snippet.title}",
            "",
            f"*{snippet.key} · {snippet.language} · {snippet.status} · narrative: {narrative} · version {snippet.version}*",
            "",
        ]
        lines += [snippet.text, "", "Sources:", ""]
        for number, source in enumerate(snippet.sources, start=1):
            date = f", {source.published.isoformat()}" if source.published else ""
            lines.append(f"{number}. [{source.title}]({source.url}) — {source.publisher}{date}")
            if source.quote:
                lines.append(f"   > {source.quote}")
        lines.append("")
    return "\n".join(lines)
