"""The rebuttal library: validation names every bad row, imports are atomic and audited, the seed
library loads once, and exports (JSON, Markdown) carry every snippet's sources."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from claimwatch.errors import LibraryError
from claimwatch.rebuttals.export import select_snippets, to_json, to_markdown
from claimwatch.rebuttals.library import import_library, load_seed, parse_library
from claimwatch.store.schema import AuditEvent, Narrative, Snippet

SOURCE = {
    "url": "https://example.org/white-paper",
    "publisher": "Example Ministry",
    "title": "White paper",
    "published": "2019-11-25",
    "quote": "No alliances.",
}


def document() -> dict[str, Any]:
    return {
        "format": "claimwatch-library/1",
        "narratives": [
            {
                "slug": "bases",
                "title": "Foreign bases",
                "claims": {
                    "en": ["Vietnam will host foreign bases."],
                    "fr": ["Le Vietnam accueillera des bases étrangères."],
                },
            }
        ],
        "snippets": [
            {
                "key": "bases/en",
                "narrative": "bases",
                "language": "en",
                "status": "vetted",
                "title": "No bases",
                "text": "Policy rules out foreign bases.",
                "vetted_by": "Desk",
                "vetted_at": "2026-11-01",
                "sources": [SOURCE],
            },
            {
                "key": "bases/fr",
                "narrative": "bases",
                "language": "fr",
                "status": "draft",
                "translation_of": "bases/en",
                "title": "Pas de bases",
                "text": "La politique exclut les bases étrangères.",
                "sources": [SOURCE],
            },
        ],
    }


def test_errors_name_every_bad_row() -> None:
    bad = document()
    bad["snippets"][0]["sources"] = []
    bad["snippets"][1]["sources"][0] = {**SOURCE, "url": "ftp://example.org/x"}
    bad["narratives"][0]["slug"] = "Bad Slug"
    with pytest.raises(LibraryError) as error:
        parse_library(bad)
    message = str(error.value)
    assert "snippet #1 ('bases/en'): sources" in message
    assert "snippet #2 ('bases/fr'): sources.0.url" in message and "http(s)" in message
    assert "narrative #1 ('Bad Slug'): slug" in message


def test_vetted_snippet_needs_vetter_and_date() -> None:
    bad = document()
    del bad["snippets"][0]["vetted_by"]
    with pytest.raises(LibraryError, match="vetted_by and vetted_at"):
        parse_library(bad)


def test_dangling_translation_and_duplicates_are_refused(session: Session) -> None:
    bad = document()
    bad["snippets"][1]["translation_of"] = "missing/en"
    with pytest.raises(LibraryError, match="translation_of 'missing/en' is neither in the file"):
        import_library(session, parse_library(bad), actor="editor")
    twice = document()
    twice["snippets"].append(copy.deepcopy(twice["snippets"][0]))
    with pytest.raises(LibraryError, match="'bases/en' appears twice"):
        parse_library(twice)


def test_import_creates_updates_and_audits(session: Session) -> None:
    changed = import_library(session, parse_library(document()), actor="editor")
    assert changed == {"narratives": 1, "snippets": 2}
    assert import_library(session, parse_library(document()), actor="editor") == {
        "narratives": 0,
        "snippets": 0,
    }
    edited = document()
    edited["snippets"][0]["text"] = "Defence policy rules out foreign military bases."
    assert import_library(session, parse_library(edited), actor="editor")["snippets"] == 1
    snippet = session.scalars(select(Snippet).where(Snippet.key == "bases/en")).one()
    assert snippet.version == 2 and snippet.translation_of is None
    assert (
        session.scalars(select(Snippet).where(Snippet.key == "bases/fr")).one().translation_of
        is snippet
    )
    imports = session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "snippet", AuditEvent.action == "import")
    ).all()
    updates = [event for event in imports if event.before is not None]
    assert len(imports) == 3 and len(updates) == 1 and updates[0].after
    assert updates[0].before["text"] == "Policy rules out foreign bases."
    assert [v.version for v in snippet.versions] == [1, 2]


def test_import_is_all_or_nothing(session: Session) -> None:
    bad = document()
    bad["snippets"][0]["narrative"] = "no-such-narrative"
    refused = pytest.raises(LibraryError, match="narrative 'no-such-narrative' does not exist")
    with refused, session.begin_nested():
        import_library(session, parse_library(bad), actor="editor")
    assert session.scalar(select(func.count()).select_from(Narrative)) == 0
    assert session.scalar(select(func.count()).select_from(Snippet)) == 0


def test_seed_loads_once_and_never_overwrites_an_edit(session: Session) -> None:
    first = load_seed(session)
    assert first["narratives"] >= 5 and first["snippets"] >= 15
    snippet = session.scalars(select(Snippet).where(Snippet.status == "vetted")).first()
    assert snippet is not None and snippet.sources
    snippet.text = "An editor's own wording."
    session.flush()
    assert load_seed(session) == {"narratives": 0, "snippets": 0}
    assert snippet.text == "An editor's own wording."


def test_json_export_imports_again(session: Session) -> None:
    import_library(session, parse_library(document()), actor="editor")
    vetted = select_snippets(session)
    assert [s.key for s in vetted] == ["bases/en"]
    exported = json.loads(to_json(select_snippets(session, status=None)))
    reparsed = parse_library({**exported, "narratives": document()["narratives"]})
    assert [s.key for s in reparsed.snippets] == ["bases/en", "bases/fr"]
    assert reparsed.snippets[0].sources[0].url == SOURCE["url"]


def test_markdown_lists_sources_and_filters_by_language(session: Session) -> None:
    import_library(session, parse_library(document()), actor="editor")
    markdown = to_markdown(select_snippets(session, language="fr", status=None))
    assert "## Pas de bases" in markdown and "No bases" not in markdown
    assert (
        "1. [White paper](https://example.org/white-paper) — Example Ministry, 2019-11-25"
        in markdown
    )
    assert "> No alliances." in markdown
