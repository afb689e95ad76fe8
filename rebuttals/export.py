"""What editors pull: snippets as JSON (the library format, importable again), CSV
(``claimwatch.rebuttals.csvio``), Markdown, or ClaimReview for decided items (``claimwatch.rebuttals.claimreview``)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from claimwatch.errors import LibraryError
from claimwatch.rebuttals.claimreview import Publisher, claim_review, json_ld, reviewable_items
from claimwatch.rebuttals.csvio import snippets_to_csv
from claimwatch.rebuttals.library import FORMAT
from claimwatch.rebuttals.versions import snippet_state
from claimwatch.store.schema import Narrative, Snippet


def select_snippets(
    session: Session,
    *,
    narrative: str | None = None,
    language: str | None = None,
    status: str | None = "vetted",
    updated_since: dt.datetime | None = None,
) -> list[Snippet]:
    """Snippets filtered by narrative slug, language, status (None: any) and update time.
    ``vetted`` is what may be cited today: vetted and not past its review-by date; ``overdue``
    is vetted but past that date (waiting for an editor to vet it again)."""
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
    today = dt.date.today()
    current = or_(Snippet.review_by.is_(None), Snippet.review_by > today)
    if status == "vetted":
        query = query.where(Snippet.status == "vetted", current)
    elif status == "overdue":
        query = query.where(Snippet.status == "vetted", ~current)
    elif status:
        query = query.where(Snippet.status == status)
    if updated_since:
        query = query.where(Snippet.updated_at >= updated_since)
    return list(session.scalars(query))


def narrative_document(narrative: Narrative) -> dict[str, Any]:
    """A narrative in the library document's form."""
    claims: dict[str, list[str]] = {}
    for phrasing in narrative.phrasings:
        claims.setdefault(phrasing.language, []).append(phrasing.text)
    return {
        "slug": narrative.slug,
        "title": narrative.title,
        "summary": narrative.summary,
        "claims": claims,
    }


def to_json(snippets: list[Snippet]) -> str:
    """A library document (importable again): the snippets and the narratives they belong to."""
    narratives = {s.narrative.slug: s.narrative for s in snippets if s.narrative}
    document = {
        "format": FORMAT,
        "narratives": [narrative_document(n) for _, n in sorted(narratives.items())],
        "snippets": [snippet_state(s) for s in snippets],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def to_markdown(snippets: list[Snippet]) -> str:
    """One section per snippet: the text, then its numbered sources with dates and quotes."""
    lines = ["# claimwatch rebuttal snippets", ""]
    for snippet in snippets:
        narrative = snippet.narrative.slug if snippet.narrative else "—"
        lines += [
            f"## {snippet.title}",
            "",
            *(["**DRAFT: not vetted, not to be cited.**", ""] if snippet.status == "draft" else []),
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


MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "claimreview": "application/ld+json",
}
STATUS_FILTERS = ("vetted", "overdue", "draft", "retired", "any")


@dataclass(frozen=True)
class Pulled:
    text: str
    media_type: str
    count: int


def pull(
    session: Session,
    publisher: Publisher,
    *,
    narrative: str | None = None,
    language: str | None = None,
    status: str = "vetted",
    updated_since: dt.datetime | None = None,
    format: str = "json",
    allow_local: bool = False,
) -> Pulled:
    """What an editor asked for, in one of ``MEDIA_TYPES``'s formats. ``claimreview`` gives the
    ClaimReviews of items decided misleading or accurate (filtered by the item's narrative, a
    language the claim was reported in, and the decision time)."""
    if format not in MEDIA_TYPES:
        raise LibraryError(f"format must be one of {', '.join(MEDIA_TYPES)}, not {format!r}")
    if status not in STATUS_FILTERS:
        raise LibraryError(f"status must be one of {', '.join(STATUS_FILTERS)}, not {status!r}")
    if format == "claimreview":
        items = reviewable_items(
            session, narrative=narrative, language=language, decided_since=updated_since
        )
        reviews = [
            claim_review(session, item, publisher, allow_local=allow_local) for item in items
        ]
        text = json_ld(reviews, indent=2) + "\n"
        return Pulled(text, MEDIA_TYPES[format], len(reviews))
    snippets = select_snippets(
        session,
        narrative=narrative,
        language=language,
        status=None if status == "any" else status,
        updated_since=updated_since,
    )
    render = {"json": to_json, "csv": snippets_to_csv, "md": to_markdown}[format]
    return Pulled(render(snippets), MEDIA_TYPES[format], len(snippets))
