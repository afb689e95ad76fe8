"""Snippet states and versions: every transition, every refusal, and the history."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from claimwatch.errors import LibraryError, UnknownSnippetError
from claimwatch.rebuttals.editing import (
    create_snippet,
    due_for_review,
    edit_snippet,
    get_snippet,
    history,
    reopen_snippet,
    retire_snippet,
    translate_snippet,
    vet_snippet,
)
from claimwatch.rebuttals.library import load_seed
from claimwatch.store.schema import AuditEvent

TODAY = dt.date(2026, 12, 2)
SOURCE = {
    "url": "https://www.mofa.gov.vn/en/statement",
    "publisher": "Ministry of Foreign Affairs",
    "title": "Regular press conference",
    "published": "2026-11-20",
    "quote": "Viet Nam remains an active member of ASEAN.",
}


def new_snippet(session: Session, key: str = "asean-exit/en-2", **changes: object) -> str:
    load_seed(session)
    content = {
        "key": key,
        "narrative": "asean-exit",
        "language": "en",
        "title": "Vietnam stays in ASEAN",
        "text": "The foreign ministry said on 20 November 2026 that Vietnam remains in ASEAN.",
        "sources": [SOURCE],
        **changes,
    }
    return create_snippet(session, content, actor="editor-a").key


def test_a_new_snippet_is_a_draft_at_version_one(session: Session) -> None:
    key = new_snippet(session)
    snippet = get_snippet(session, key)
    assert (snippet.status, snippet.version, snippet.vetted_by) == ("draft", 1, None)
    assert [(v.version, v.action, v.actor) for v in history(session, key)] == [
        (1, "create", "editor-a")
    ]
    assert history(session, key)[0].state["sources"][0]["url"] == SOURCE["url"]


def test_vetting_records_who_when_and_a_review_date(session: Session) -> None:
    key = new_snippet(session)
    vet_snippet(session, key, actor="editor-b", today=TODAY)
    snippet = get_snippet(session, key)
    assert (snippet.status, snippet.vetted_by, snippet.vetted_at) == ("vetted", "editor-b", TODAY)
    assert snippet.review_by == TODAY + dt.timedelta(days=180) and snippet.version == 2
    vet_snippet(session, key, actor="editor-c", review_by=dt.date(2027, 1, 31), today=TODAY)
    assert get_snippet(session, key).review_by == dt.date(2027, 1, 31)  # vetting again renews
    with pytest.raises(LibraryError, match="is not after today"):
        vet_snippet(session, key, actor="editor-c", review_by=TODAY, today=TODAY)
    with pytest.raises(LibraryError, match="needs the editor's name"):
        vet_snippet(session, key, actor=" ")


def test_editing_vetted_wording_returns_it_to_draft_but_a_new_review_date_does_not(
    session: Session,
) -> None:
    key = new_snippet(session)
    vet_snippet(session, key, actor="editor-b", today=TODAY)
    edit_snippet(session, key, {"review_by": "2027-03-01"}, actor="editor-b")
    assert get_snippet(session, key).status == "vetted"
    edit_snippet(session, key, {"text": "Vietnam remains a member of ASEAN."}, actor="editor-a")
    snippet = get_snippet(session, key)
    assert (snippet.status, snippet.vetted_by, snippet.vetted_at) == ("draft", None, None)
    assert (
        edit_snippet(session, key, {"text": "Vietnam remains a member of ASEAN."}, actor="x")
        is None
    )


def test_retire_and_reopen(session: Session) -> None:
    key = new_snippet(session)
    vet_snippet(session, key, actor="editor-b", today=TODAY)
    retire_snippet(session, key, actor="editor-b")
    assert get_snippet(session, key).status == "retired"
    with pytest.raises(LibraryError, match="is retired; reopen it before editing"):
        edit_snippet(session, key, {"title": "New"}, actor="editor-a")
    with pytest.raises(LibraryError, match=r"cannot retire snippet .*: it is retired"):
        retire_snippet(session, key, actor="editor-b")
    reopen_snippet(session, key, actor="editor-a")
    snippet = get_snippet(session, key)
    assert (snippet.status, snippet.vetted_by) == ("draft", None)
    with pytest.raises(LibraryError, match=r"cannot reopen snippet .*: it is draft"):
        reopen_snippet(session, key, actor="editor-a")
    assert [v.action for v in history(session, key)] == ["create", "vet", "retire", "reopen"]
    assert [v.version for v in history(session, key)] == [1, 2, 3, 4]
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.entity == "snippet").order_by(AuditEvent.id)
    ).all()
    assert actions[-4:] == ["create", "vet", "retire", "reopen"]


def test_bad_content_is_refused_and_changes_nothing(session: Session) -> None:
    key = new_snippet(session)
    with pytest.raises(LibraryError, match="source URL must be http"):
        edit_snippet(session, key, {"sources": [{**SOURCE, "url": "ftp://x.org/a"}]}, actor="a")
    with pytest.raises(LibraryError, match="sources: List should have at least 1 item"):
        edit_snippet(session, key, {"sources": []}, actor="a")
    with pytest.raises(LibraryError, match="cannot edit status"):
        edit_snippet(session, key, {"status": "vetted"}, actor="a")
    seed_text = get_snippet(session, "asean-exit/en").text
    with pytest.raises(LibraryError, match="duplicates the text of snippet 'asean-exit/en'"):
        edit_snippet(session, key, {"text": seed_text}, actor="a")
    with pytest.raises(LibraryError, match="already exists"):
        new_snippet(session, key)
    with pytest.raises(UnknownSnippetError, match="no snippet 'nope'"):
        vet_snippet(session, "nope", actor="a")
    assert [v.action for v in history(session, key)] == ["create"]


def test_translations_are_linked_drafts_citing_the_same_sources(session: Session) -> None:
    key = new_snippet(session)
    translation = translate_snippet(
        session,
        key,
        language="fr",
        title="Le Vietnam reste dans l'ASEAN",
        text="Le ministère a déclaré le 20 novembre 2026 que le Vietnam reste membre de l'ASEAN.",
        actor="editor-fr",
        new_key="asean-exit/fr-2",
    )
    assert translation.translation_of is not None and translation.translation_of.key == key
    assert translation.status == "draft" and translation.sources[0].url == SOURCE["url"]
    assert [t.key for t in get_snippet(session, key).translations] == ["asean-exit/fr-2"]
    with pytest.raises(LibraryError, match="already has a version in 'fr'"):
        translate_snippet(session, "asean-exit/fr-2", language="fr", title="t", text="u", actor="a")


def test_snippets_due_for_review(session: Session) -> None:
    key = new_snippet(session)
    vet_snippet(session, key, actor="b", review_by=dt.date(2026, 12, 10), today=TODAY)
    assert key not in [d.key for d in due_for_review(session, TODAY)]
    due = {d.key: d for d in due_for_review(session, dt.date(2026, 12, 15))}
    assert due[key].days_overdue == 5
