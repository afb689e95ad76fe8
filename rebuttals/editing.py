"""Editors' changes to snippets: create, edit, vet, retire, reopen, translate, and the history.

    draft ──vet──► vetted ──retire──► retired ──reopen──► draft
      │              │  ▲
      │              └──┘ vet again (renews the vetting and the review-by date)
      └──retire──► retired
    editing the content of a vetted snippet returns it to draft: it is offered as a reference
    again only once someone vets the new wording.

Every change is validated like an imported row (sources, URLs, lengths), refused when another
snippet already has the same text in the same language, and kept as a version with its author.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from claimwatch.errors import LibraryError, UnknownSnippetError
from claimwatch.rebuttals.library import SnippetIn, check_unique_text, field_errors
from claimwatch.rebuttals.versions import record_change, set_sources, snippet_state
from claimwatch.store.schema import Narrative, Snippet, SnippetVersion

REVIEW_AFTER = dt.timedelta(days=180)  # default review-by date, counted from vetting
TRANSITIONS = {  # action -> (statuses it applies to, status it leads to)
    "vet": ({"draft", "vetted"}, "vetted"),
    "retire": ({"draft", "vetted"}, "retired"),
    "reopen": ({"retired"}, "draft"),
}
CONTENT = ("narrative", "language", "title", "text", "sources", "review_by", "translation_of")


def get_snippet(session: Session, key: str) -> Snippet:
    snippet = session.scalar(
        select(Snippet)
        .where(Snippet.key == key)
        .options(selectinload(Snippet.sources), selectinload(Snippet.versions))
    )
    if snippet is None:
        raise UnknownSnippetError(f"no snippet {key!r}")
    return snippet


def _validated(state: dict[str, Any]) -> SnippetIn:
    try:
        return SnippetIn.model_validate(state)
    except ValidationError as exc:
        problems = "; ".join(field_errors(exc, "(snippet)"))
        raise LibraryError(f"snippet {state.get('key')!r}: {problems}") from None


def _narrative(session: Session, slug: str | None) -> Narrative | None:
    if slug is None:
        return None
    narrative = session.scalar(select(Narrative).where(Narrative.slug == slug))
    if narrative is None:
        raise UnknownSnippetError(f"no narrative {slug!r}")
    return narrative


def _write(session: Session, snippet: Snippet, row: SnippetIn) -> None:
    """Copy a validated row's content (not its status) onto ``snippet``."""
    snippet.narrative = _narrative(session, row.narrative)
    snippet.language, snippet.title, snippet.text = row.language, row.title, row.text
    snippet.review_by = row.review_by
    snippet.translation_of = (
        get_snippet(session, row.translation_of) if row.translation_of else None
    )
    set_sources(snippet, [s.model_dump() for s in row.sources])
    check_unique_text(session, snippet)


def create_snippet(session: Session, content: dict[str, Any], *, actor: str) -> Snippet:
    """A new draft snippet from ``content`` (the library document's snippet fields)."""
    row = _validated({**content, "status": "draft", "vetted_by": None, "vetted_at": None})
    if session.scalar(select(Snippet.id).where(Snippet.key == row.key)) is not None:
        raise LibraryError(f"snippet {row.key!r} already exists")
    snippet = Snippet(key=row.key, language=row.language, title=row.title, text=row.text)
    session.add(snippet)
    _write(session, snippet, row)
    record_change(session, snippet, action="create", actor=actor, before=None)
    return snippet


def edit_snippet(
    session: Session, key: str, changes: dict[str, Any], *, actor: str
) -> SnippetVersion | None:
    """Change a snippet's content; a vetted snippet whose content changes goes back to draft."""
    unknown = set(changes) - set(CONTENT)
    if unknown:
        raise LibraryError(
            f"cannot edit {', '.join(sorted(unknown))} (editable: {', '.join(CONTENT)})"
        )
    snippet = get_snippet(session, key)
    before = snippet_state(snippet)
    if snippet.status == "retired":
        raise LibraryError(f"snippet {key!r} is retired; reopen it before editing")
    _write(session, snippet, _validated({**before, **changes}))
    after = snippet_state(snippet)
    changed = {field for field in CONTENT if after[field] != before[field]}
    if snippet.status == "vetted" and changed - {"review_by"}:
        snippet.status, snippet.vetted_by, snippet.vetted_at = "draft", None, None
    return record_change(session, snippet, action="edit", actor=actor, before=before)


def _transition(
    session: Session, key: str, action: str, *, actor: str
) -> tuple[Snippet, dict[str, Any]]:
    snippet = get_snippet(session, key)
    allowed, target = TRANSITIONS[action]
    if snippet.status not in allowed:
        raise LibraryError(
            f"cannot {action} snippet {key!r}: it is {snippet.status} "
            f"(only {' or '.join(sorted(allowed))} snippets can be)"
        )
    before = snippet_state(snippet)
    snippet.status = target
    return snippet, before


def vet_snippet(
    session: Session,
    key: str,
    *,
    actor: str,
    review_by: dt.date | None = None,
    today: dt.date | None = None,
) -> SnippetVersion | None:
    """``actor`` vouches for the snippet and its sources; it is offered as a reference from now."""
    if not actor.strip():
        raise LibraryError("vetting needs the editor's name")
    snippet, before = _transition(session, key, "vet", actor=actor)
    if not snippet.sources:
        raise LibraryError(f"snippet {key!r} cites no source; it cannot be vetted")
    day = today or dt.date.today()
    if review_by is not None and review_by <= day:
        raise LibraryError(f"review-by date {review_by} is not after today ({day})")
    snippet.vetted_by, snippet.vetted_at = actor, day
    snippet.review_by = review_by or day + REVIEW_AFTER
    return record_change(session, snippet, action="vet", actor=actor, before=before)


def retire_snippet(session: Session, key: str, *, actor: str) -> SnippetVersion | None:
    """No longer offered anywhere; kept with its history."""
    snippet, before = _transition(session, key, "retire", actor=actor)
    return record_change(session, snippet, action="retire", actor=actor, before=before)


def reopen_snippet(session: Session, key: str, *, actor: str) -> SnippetVersion | None:
    """A retired snippet becomes a draft again (it needs vetting before it is offered)."""
    snippet, before = _transition(session, key, "reopen", actor=actor)
    snippet.vetted_by, snippet.vetted_at = None, None
    return record_change(session, snippet, action="reopen", actor=actor, before=before)


def translation_key(key: str, language: str, into: str) -> str:
    """``narrative/en-2`` in ``vi`` is ``narrative/vi-2``; a key without its language gets one."""
    swapped = re.sub(rf"/{re.escape(language)}(?=-|$)", f"/{into}", key, count=1)
    return swapped if swapped != key else f"{key}/{into}"


def translate_snippet(
    session: Session,
    key: str,
    *,
    language: str,
    title: str,
    text: str,
    actor: str,
    new_key: str | None = None,
) -> Snippet:
    """A draft translation of ``key`` into ``language``, citing the same sources, linked to the
    snippet it translates (or to that snippet's original, so translations form one family)."""
    original = get_snippet(session, key)
    root = original.translation_of or original
    if language == root.language or any(t.language == language for t in root.translations):
        raise LibraryError(f"snippet {root.key!r} already has a version in {language!r}")
    state = snippet_state(original)
    content = {
        **{k: state[k] for k in ("narrative", "sources", "review_by")},
        "key": new_key or translation_key(root.key, root.language, language),
        "language": language,
        "title": title,
        "text": text,
        "translation_of": root.key,
    }
    return create_snippet(session, content, actor=actor)


def history(session: Session, key: str) -> list[SnippetVersion]:
    """Every version of the snippet, oldest first."""
    return list(get_snippet(session, key).versions)


@dataclass(frozen=True)
class ReviewDue:
    key: str
    language: str
    review_by: dt.date
    days_overdue: int


def due_for_review(session: Session, today: dt.date | None = None) -> list[ReviewDue]:
    """Vetted snippets whose review-by date has come."""
    day = today or dt.date.today()
    rows = session.scalars(
        select(Snippet)
        .where(Snippet.status == "vetted", Snippet.review_by <= day)
        .order_by(Snippet.review_by, Snippet.key)
    )
    return [
        ReviewDue(s.key, s.language, s.review_by, (day - s.review_by).days)
        for s in rows
        if s.review_by is not None
    ]
