"""The library as CSV, for editors who work in a spreadsheet: out and back in without loss.

Snippets: one row per source, so a snippet with three sources takes three consecutive rows that
repeat its own columns (``key`` … ``review_by``) and differ in the ``source_*`` columns.
Narratives: one row per phrasing (``slug, title, summary, language, claim``). A file is one or
the other, told apart by its header. Reading validates every row like a JSON import; an error
names the file's line numbers, and nothing is imported from a file with any bad row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from claimwatch.errors import LibraryError
from claimwatch.rebuttals.library import (
    LibraryDocument,
    NarrativeIn,
    SnippetIn,
    check_references,
    field_errors,
)
from claimwatch.rebuttals.versions import snippet_state
from claimwatch.store.schema import Snippet

SNIPPET_COLUMNS = (
    "key",
    "narrative",
    "language",
    "status",
    "translation_of",
    "title",
    "text",
    "vetted_by",
    "vetted_at",
    "review_by",
)
SOURCE_COLUMNS = ("url", "publisher", "title", "published", "quote")
SNIPPET_HEADER = SNIPPET_COLUMNS + tuple(f"source_{c}" for c in SOURCE_COLUMNS)
NARRATIVE_HEADER = ("slug", "title", "summary", "language", "claim")


def _write(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(["" if value is None else value for value in row] for row in rows)
    return buffer.getvalue()


def snippets_to_csv(snippets: Iterable[Snippet]) -> str:
    rows = []
    for snippet in snippets:
        state = snippet_state(snippet)
        own = [state[c] for c in SNIPPET_COLUMNS]
        rows += [own + [source[c] for c in SOURCE_COLUMNS] for source in state["sources"]]
    return _write(SNIPPET_HEADER, rows)


def _lines(numbers: list[int]) -> str:
    return f"line {numbers[0]}" if len(numbers) == 1 else f"lines {numbers[0]}–{numbers[-1]}"


def _problems(where: str, exc: ValidationError) -> list[str]:
    return [f"{where}: {problem}" for problem in field_errors(exc)]


def _grouped(
    rows: list[tuple[int, dict[str, str]]], key: str
) -> dict[str, list[tuple[int, dict[str, str]]]]:
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for number, row in rows:
        groups.setdefault(row[key].strip(), []).append((number, row))
    return groups


def _snippet(
    name: str, group: list[tuple[int, dict[str, str]]]
) -> tuple[dict[str, Any], list[str]]:
    numbers = [n for n, _ in group]
    first = group[0][1]
    problems = [
        f"line {n} (snippet {name!r}): {column} differs from line {numbers[0]}"
        for n, row in group[1:]
        for column in SNIPPET_COLUMNS
        if row[column] != first[column]
    ]
    data: dict[str, Any] = {c: first[c] or None for c in SNIPPET_COLUMNS}
    data["status"] = data["status"] or "draft"
    data["sources"] = [
        {c: row[f"source_{c}"] or None for c in SOURCE_COLUMNS}
        for _, row in group
        if any(row[f"source_{c}"] for c in SOURCE_COLUMNS)
    ]
    return data, problems


def _read_rows(text: str, header: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    rows = []
    for row in reader:
        if None in row or any(value is None for value in row.values()):
            raise LibraryError(f"line {reader.line_num}: expected {len(header)} columns")
        rows.append((reader.line_num, {k: v.strip() for k, v in row.items()}))
    return rows


def parse_snippets_csv(text: str) -> LibraryDocument:
    problems: list[str] = []
    snippets = []
    for name, group in _grouped(_read_rows(text, SNIPPET_HEADER), "key").items():
        where = f"{_lines([n for n, _ in group])} (snippet {name!r})"
        data, mismatched = _snippet(name, group)
        problems += mismatched
        try:
            snippets.append(SnippetIn.model_validate(data))
        except ValidationError as exc:
            problems += _problems(where, exc)
    if problems:
        raise LibraryError("; ".join(problems))
    document = LibraryDocument(snippets=snippets)
    check_references(document)
    return document


def parse_narratives_csv(text: str) -> LibraryDocument:
    problems: list[str] = []
    narratives = []
    for slug, group in _grouped(_read_rows(text, NARRATIVE_HEADER), "slug").items():
        where = f"{_lines([n for n, _ in group])} (narrative {slug!r})"
        first = group[0][1]
        claims: dict[str, list[str]] = {}
        for number, row in group:
            if (row["title"], row["summary"]) != (first["title"], first["summary"]):
                problems.append(f"line {number} (narrative {slug!r}): title or summary differs")
            claims.setdefault(row["language"], []).append(row["claim"])
        data = {
            "slug": slug,
            "title": first["title"],
            "summary": first["summary"],
            "claims": claims,
        }
        try:
            narratives.append(NarrativeIn.model_validate(data))
        except ValidationError as exc:
            problems += _problems(where, exc)
    if problems:
        raise LibraryError("; ".join(problems))
    document = LibraryDocument(narratives=narratives)
    check_references(document)
    return document


def parse_csv(text: str) -> LibraryDocument:
    """A snippets or narratives CSV file, told apart by its header."""
    header = tuple(next(csv.reader(io.StringIO(text)), []))
    if header == SNIPPET_HEADER:
        return parse_snippets_csv(text)
    if header == NARRATIVE_HEADER:
        return parse_narratives_csv(text)
    raise LibraryError(
        "line 1: not a claimwatch CSV header; expected the snippet columns "
        f"({', '.join(SNIPPET_HEADER)}) or the narrative columns ({', '.join(NARRATIVE_HEADER)})"
    )
