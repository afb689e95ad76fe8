"""Library files: JSON and CSV round trips are lossless, Markdown marks drafts, and a CSV with a
bad row names its line and imports nothing."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from claimwatch.errors import LibraryError
from claimwatch.rebuttals.csvio import NARRATIVE_HEADER, parse_csv, snippets_to_csv
from claimwatch.rebuttals.export import select_snippets, to_json, to_markdown
from claimwatch.rebuttals.library import import_library, load_seed, parse_library
from claimwatch.rebuttals.library_file import read_library_file
from claimwatch.store.db import make_engine
from claimwatch.store.migrate import upgrade
from claimwatch.store.schema import Narrative, Snippet


def fresh_session(tmp_path: Path, name: str) -> Session:
    engine = make_engine(f"sqlite:///{tmp_path / name}.db")
    upgrade(engine)
    return Session(engine)


def all_narratives(session: Session) -> list[Narrative]:
    return list(
        session.scalars(
            select(Narrative).options(selectinload(Narrative.phrasings)).order_by(Narrative.slug)
        )
    )


def narrative_rows(narratives: list[Narrative]) -> list[list[str]]:
    return [
        [n.slug, n.title, n.summary, p.language, p.text] for n in narratives for p in n.phrasings
    ]


def narratives_csv(narratives: list[Narrative]) -> str:
    """The narratives as an editor's CSV file (one row a phrasing)."""
    out = io.StringIO()
    csv.writer(out).writerows([list(NARRATIVE_HEADER), *narrative_rows(narratives)])
    return out.getvalue()


def test_csv_round_trip_is_lossless(session: Session, tmp_path: Path) -> None:
    load_seed(session)
    snippets_csv = snippets_to_csv(select_snippets(session, status=None))
    other = fresh_session(tmp_path, "other")
    import_library(other, parse_csv(narratives_csv(all_narratives(session))), actor="editor")
    import_library(other, parse_csv(snippets_csv), actor="editor")
    assert snippets_to_csv(select_snippets(other, status=None)) == snippets_csv
    assert narrative_rows(all_narratives(other)) == narrative_rows(all_narratives(session))
    assert snippets_csv.count("\n") > other.scalar(select(func.count()).select_from(Snippet))


def test_json_round_trip_is_lossless_and_carries_the_narratives(
    session: Session, tmp_path: Path
) -> None:
    load_seed(session)
    exported = to_json(select_snippets(session, language="vi", status=None))
    document = json.loads(exported)
    assert {n["slug"] for n in document["narratives"]} == {
        s["narrative"] for s in document["snippets"]
    }
    other = fresh_session(tmp_path, "other")
    load_seed(other)  # translations point at the English originals, which are there
    import_library(other, parse_library(document), actor="editor")
    assert to_json(select_snippets(other, language="vi", status=None)) == exported


def test_markdown_marks_drafts_and_lists_sources(session: Session) -> None:
    load_seed(session)
    markdown = to_markdown(select_snippets(session, narrative="asean-exit", status=None))
    sections = markdown.split("\n## ")[1:]
    drafts = [s for s in sections if "**DRAFT: not vetted, not to be cited.**" in s]
    assert len(sections) == 4 and len(drafts) == 1
    assert "asean-exit/en-draft · en · draft" in drafts[0]
    assert "https://e.vnexpress.net/" in markdown


def test_a_bad_csv_names_its_lines_and_imports_nothing(session: Session, tmp_path: Path) -> None:
    load_seed(session)
    rows = snippets_to_csv(select_snippets(session, narrative="asean-exit", status=None))
    lines = rows.splitlines()
    lines[2] = lines[2].replace("https://", "ftp://", 1)  # a source of the first snippet
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(LibraryError) as error:
        read_library_file(path)
    assert "source URL must be http(s)" in str(error.value)
    assert "lines 2–4 (snippet 'asean-exit/en')" in str(error.value)
    before = snippets_to_csv(select_snippets(session, status=None))
    with pytest.raises(LibraryError):
        import_library(session, read_library_file(path), actor="editor")
    assert snippets_to_csv(select_snippets(session, status=None)) == before


def test_csv_rows_of_one_snippet_must_agree_and_headers_are_checked(tmp_path: Path) -> None:
    header = (
        "key,narrative,language,status,translation_of,title,text,vetted_by,vetted_at,review_by,"
        "source_url,source_publisher,source_title,source_published,source_quote"
    )
    rows = [
        header,
        "k/en,,en,draft,,Title,Some text.,,,,https://a.org/1,A,T,,",
        "k/en,,en,draft,,Other title,Some text.,,,,https://a.org/2,A,T,,",
        "k/fr,,fr,draft,,Titre,Un texte.,,,,,,,,",
    ]
    with pytest.raises(LibraryError) as error:
        parse_csv("\n".join(rows) + "\n")
    message = str(error.value)
    assert "line 3 (snippet 'k/en'): title differs from line 2" in message
    assert "line 4 (snippet 'k/fr'): sources: List should have at least 1 item" in message
    with pytest.raises(LibraryError, match="line 1: not a claimwatch CSV header"):
        parse_csv("a,b\n1,2\n")
    with pytest.raises(LibraryError, match="line 2: expected 15 columns"):
        parse_csv(header + "\nk/en,,en\n")
