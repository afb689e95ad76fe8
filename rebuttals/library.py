"""The rebuttal library's documents: narratives and snippets, validated, imported all-or-nothing.

The document format (``claimwatch-library/1``) is what ``rebuttals/seed/library.json`` holds and
what JSON import and export exchange. Every snippet cites at least one http(s) source; a vetted
snippet says who vetted it and when; a translation names the snippet it translates.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from claimwatch.errors import LibraryError
from claimwatch.rebuttals.versions import narrative_state, record_change, set_sources, snippet_state
from claimwatch.store.audit import record
from claimwatch.store.schema import Narrative, NarrativePhrasing, Snippet

FORMAT: Literal["claimwatch-library/1"] = "claimwatch-library/1"
SEED_FILE = Path(__file__).with_name("seed") / "library.json"
STATUSES = ("draft", "vetted", "retired")
Row = TypeVar("Row", bound=BaseModel)

Language = Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]
Text = Annotated[str, Field(min_length=1, max_length=5000)]


def _nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value).strip()


class SourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2048)
    publisher: Text
    title: Text
    published: dt.date | None = None
    quote: str | None = Field(default=None, max_length=1000)

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("source URL must be http(s)")
        return value


class NarrativeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,99}$")
    title: Text
    summary: str = ""
    claims: dict[Language, list[Text]] = Field(min_length=1)

    @field_validator("title", "summary")
    @classmethod
    def _normal(cls, value: str) -> str:
        return _nfc(value)


class SnippetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=r"^[a-z0-9][a-z0-9/_-]{0,199}$")
    narrative: str | None
    language: Language
    status: Literal["draft", "vetted", "retired"] = "draft"
    translation_of: str | None = None
    title: Text
    text: Text
    vetted_by: str | None = None
    vetted_at: dt.date | None = None
    review_by: dt.date | None = None
    sources: list[SourceIn] = Field(min_length=1)

    @field_validator("title", "text")
    @classmethod
    def _normal(cls, value: str) -> str:
        return _nfc(value)

    @model_validator(mode="after")
    def _vetting(self) -> SnippetIn:
        if self.status == "vetted" and not (self.vetted_by and self.vetted_at):
            raise ValueError("a vetted snippet needs vetted_by and vetted_at")
        return self


class LibraryDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["claimwatch-library/1"] = FORMAT
    narratives: list[NarrativeIn] = []
    snippets: list[SnippetIn] = []


def field_errors(exc: ValidationError, whole: str = "(row)") -> list[str]:
    """``field: message`` for each problem pydantic found (``whole`` names a row-level one)."""
    return [f"{'.'.join(str(p) for p in e['loc']) or whole}: {e['msg']}" for e in exc.errors()]


def _row_errors(kind: str, index: int, key: object, exc: ValidationError) -> list[str]:
    label = f"{kind} #{index + 1}" + (f" ({key!r})" if key else "")
    return [f"{label}: {problem}" for problem in field_errors(exc)]


def _parse_rows(kind: str, rows: Any, model: type[Row], problems: list[str]) -> list[Row]:
    if not isinstance(rows, list):
        problems.append(f"'{kind}s' must be a list")
        return []
    parsed = []
    for index, row in enumerate(rows):
        try:
            parsed.append(model.model_validate(row))
        except ValidationError as exc:
            key = row.get("slug") or row.get("key") if isinstance(row, dict) else None
            problems.extend(_row_errors(kind, index, key, exc))
    return parsed


def parse_library(data: Any) -> LibraryDocument:
    """Validate a library document row by row; the error names every bad row."""
    if not isinstance(data, dict):
        raise LibraryError("a library document is a JSON object with 'narratives' and 'snippets'")
    unknown = sorted(set(data) - {"format", "narratives", "snippets"})
    if unknown or not {"narratives", "snippets"} & set(data):
        raise LibraryError(
            "not a library document: expected a JSON object with 'narratives' and/or 'snippets'"
            + (f" (unknown keys: {', '.join(map(repr, unknown))})" if unknown else "")
        )
    problems: list[str] = []
    narratives = _parse_rows("narrative", data.get("narratives", []), NarrativeIn, problems)
    snippets = _parse_rows("snippet", data.get("snippets", []), SnippetIn, problems)
    if data.get("format", FORMAT) != FORMAT:
        problems.append(f"format {data.get('format')!r} is not {FORMAT!r}")
    if problems:
        raise LibraryError("; ".join(problems))
    document = LibraryDocument(narratives=narratives, snippets=snippets)
    check_references(document)
    return document


def check_references(document: LibraryDocument) -> None:
    problems = []
    slugs = [n.slug for n in document.narratives]
    keys = [s.key for s in document.snippets]
    problems += [
        f"narrative {s!r} appears twice" for s in sorted({s for s in slugs if slugs.count(s) > 1})
    ]
    problems += [
        f"snippet {k!r} appears twice" for k in sorted({k for k in keys if keys.count(k) > 1})
    ]
    texts = [(s.language, s.text) for s in document.snippets]
    problems += [
        f"snippet {s.key!r} duplicates the text of another snippet"
        for s in document.snippets
        if texts.count((s.language, s.text)) > 1
    ]
    problems += [
        f"snippet {s.key!r} cannot be a translation of itself"
        for s in document.snippets
        if s.translation_of == s.key
    ]
    if problems:
        raise LibraryError("; ".join(problems))


def _apply_narrative(session: Session, row: NarrativeIn, actor: str) -> int:
    narrative = session.scalar(select(Narrative).where(Narrative.slug == row.slug))
    before = narrative_state(narrative) if narrative else None
    if narrative is None:
        narrative = Narrative(slug=row.slug, title=row.title)
        session.add(narrative)
    narrative.title, narrative.summary = row.title, row.summary
    wanted = [(lang, _nfc(text)) for lang, texts in sorted(row.claims.items()) for text in texts]
    if sorted([p.language, p.text] for p in narrative.phrasings) != sorted(
        [list(w) for w in wanted]
    ):
        narrative.phrasings = [NarrativePhrasing(language=lang, text=text) for lang, text in wanted]
    session.flush()
    after = narrative_state(narrative)
    if after == before:
        return 0
    record(
        session,
        actor=actor,
        action="create" if before is None else "update",
        entity="narrative",
        entity_id=narrative.id,
        before=before,
        after=after,
    )
    return 1


def _apply_snippet(session: Session, row: SnippetIn, actor: str) -> int:
    snippet = session.scalar(select(Snippet).where(Snippet.key == row.key))
    before = snippet_state(snippet) if snippet else None
    narrative = (
        session.scalar(select(Narrative).where(Narrative.slug == row.narrative))
        if row.narrative
        else None
    )
    if row.narrative and narrative is None:
        raise LibraryError(f"snippet {row.key!r}: narrative {row.narrative!r} does not exist")
    translation_of = (
        session.scalar(select(Snippet).where(Snippet.key == row.translation_of))
        if row.translation_of
        else None
    )
    if row.translation_of and translation_of is None:
        raise LibraryError(
            f"snippet {row.key!r}: translation_of {row.translation_of!r} is neither in the file "
            "nor in the library"
        )
    if snippet is None:
        snippet = Snippet(key=row.key, language=row.language, title=row.title, text=row.text)
        session.add(snippet)
    snippet.narrative, snippet.language, snippet.status = narrative, row.language, row.status
    snippet.translation_of, snippet.title, snippet.text = translation_of, row.title, row.text
    snippet.vetted_by, snippet.vetted_at, snippet.review_by = (
        row.vetted_by,
        row.vetted_at,
        row.review_by,
    )
    set_sources(snippet, [s.model_dump() for s in row.sources])
    check_unique_text(session, snippet)
    changed = record_change(session, snippet, action="import", actor=actor, before=before)
    return 0 if changed is None else 1


def check_unique_text(session: Session, snippet: Snippet) -> None:
    """A snippet may not repeat another snippet's text in the same language."""
    session.flush()
    twin = session.scalar(
        select(Snippet.key).where(
            Snippet.language == snippet.language,
            Snippet.text == snippet.text,
            Snippet.id != snippet.id,
        )
    )
    if twin is not None:
        raise LibraryError(f"snippet {snippet.key!r} duplicates the text of snippet {twin!r}")


def import_library(
    session: Session, document: LibraryDocument, *, actor: str, create_only: bool = False
) -> dict[str, int]:
    """Create or update every narrative and snippet of ``document`` in the caller's transaction
    (so a failure changes nothing); returns how many rows changed. ``create_only`` leaves rows
    that already exist untouched."""
    changed = {"narratives": 0, "snippets": 0}
    existing_slugs = set(session.scalars(select(Narrative.slug))) if create_only else set()
    existing_keys = set(session.scalars(select(Snippet.key))) if create_only else set()
    for narrative in document.narratives:
        if narrative.slug not in existing_slugs:
            changed["narratives"] += _apply_narrative(session, narrative, actor)
    ordered = sorted(document.snippets, key=lambda s: s.translation_of is not None)
    for snippet in ordered:
        if snippet.key not in existing_keys:
            changed["snippets"] += _apply_snippet(session, snippet, actor)
    return changed


def load_seed(session: Session) -> dict[str, int]:
    """Add the bundled starter library's narratives and snippets that are not there yet (an
    editor's later changes to them are never overwritten)."""
    document = parse_library(json.loads(SEED_FILE.read_text(encoding="utf-8")))
    return import_library(session, document, actor="claimwatch seed library", create_only=True)
