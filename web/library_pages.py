"""The editors' pages: the snippet list, a snippet with its versions, the editor (create, edit,
translate) and the state changes (vet, retire, reopen). Every change goes through
``claimwatch.rebuttals.editing``, so it is validated, versioned and audited like any other."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel
from sqlalchemy import select

from claimwatch.errors import LibraryError, UnknownSnippetError
from claimwatch.rebuttals.editing import (
    create_snippet,
    edit_snippet,
    reopen_snippet,
    retire_snippet,
    translate_snippet,
    vet_snippet,
)
from claimwatch.rebuttals.export import select_snippets
from claimwatch.rebuttals.versions import snippet_state
from claimwatch.store.schema import Narrative, Snippet, User
from claimwatch.web.deps import DbSession
from claimwatch.web.sessions import Csrf, Editor, flash
from claimwatch.web.templating import render

router = APIRouter(include_in_schema=False)
SOURCE_FIELDS = ("url", "publisher", "title", "published", "quote")


def parse_sources(text: str) -> list[dict[str, Any]]:
    """One source per line: ``url | publisher | title | YYYY-MM-DD | quote`` (date and quote
    may be empty)."""
    sources = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 3 or len(parts) > 5:
            raise LibraryError(
                f"source line {number}: expected url | publisher | title | date | quote"
            )
        parts += [""] * (5 - len(parts))
        sources.append({k: (v or None) for k, v in zip(SOURCE_FIELDS, parts, strict=True)})
    return sources


def format_sources(sources: list[dict[str, Any]]) -> str:
    return "\n".join(
        " | ".join(str(s.get(field) or "") for field in SOURCE_FIELDS).rstrip(" |") for s in sources
    )


def _snippet(session: DbSession, snippet_id: int) -> Snippet:
    snippet = session.get(Snippet, snippet_id)
    if snippet is None:
        raise UnknownSnippetError(f"no snippet #{snippet_id}")
    return snippet


def _narratives(session: DbSession) -> list[str]:
    return list(session.scalars(select(Narrative.slug).order_by(Narrative.slug)))


@router.get("/snippets", response_class=HTMLResponse)
def snippets_page(
    request: Request,
    session: DbSession,
    user: Editor,
    status: str = "",
    lang: str = "",
    narrative: str = "",
) -> HTMLResponse:
    snippets = select_snippets(
        session, narrative=narrative or None, language=lang or None, status=status or None
    )
    return render(
        request,
        "snippets.html",
        user,
        snippets=snippets,
        params={"status": status, "lang": lang, "narrative": narrative},
        narratives=_narratives(session),
    )


@router.get("/snippets/new", response_class=HTMLResponse)
def new_snippet_page(request: Request, session: DbSession, user: Editor) -> HTMLResponse:
    values = {"key": "", "narrative": None, "language": "", "title": "", "text": "", "sources": ""}
    return _form_page(request, session, user, None, values)


class SnippetForm(BaseModel):
    """The editor's form (the key only when creating)."""

    key: str = ""
    language: str
    title: str
    text: str
    sources: str = ""
    narrative: str = ""
    review_by: str = ""

    def content(self) -> dict[str, Any]:
        return {
            "key": self.key.strip(),
            "narrative": self.narrative or None,
            "language": self.language.strip(),
            "title": self.title,
            "text": self.text,
            "review_by": self.review_by or None,
            "sources": parse_sources(self.sources),
        }


def _form_page(
    request: Request,
    session: DbSession,
    user: User,
    snippet: Snippet | None,
    values: dict[str, Any],
    *,
    error: str | None = None,
) -> HTMLResponse:
    action = f"/snippets/{snippet.id}/edit" if snippet else "/snippets/new"
    return render(
        request,
        "snippet_form.html",
        user,
        status_code=400 if error else 200,
        error=error,
        snippet=snippet,
        values=values,
        narratives=_narratives(session),
        action=action,
    )


@router.post("/snippets/new", dependencies=[Csrf], response_model=None)
def create_snippet_form(
    request: Request,
    session: DbSession,
    user: Editor,
    form: Annotated[SnippetForm, Form()],
) -> HTMLResponse | RedirectResponse:
    try:
        snippet = create_snippet(session, form.content(), actor=user.username)
    except LibraryError as error:
        session.rollback()
        return _form_page(request, session, user, None, form.model_dump(), error=str(error))
    flash(request, f"Draft {snippet.key} created; vet it to offer it as a reference.")
    return RedirectResponse(f"/snippets/{snippet.id}", status_code=303)


@router.get("/snippets/{snippet_id}", response_class=HTMLResponse)
def snippet_page(
    snippet_id: int, request: Request, session: DbSession, user: Editor
) -> HTMLResponse:
    snippet = _snippet(session, snippet_id)
    root = snippet.translation_of or snippet
    family = [s for s in [root, *root.translations] if s.id != snippet.id]
    return render(
        request,
        "snippet.html",
        user,
        snippet=snippet,
        family=family,
        versions=list(reversed(snippet.versions)),
        today=dt.date.today(),
    )


@router.get("/snippets/{snippet_id}/edit", response_class=HTMLResponse)
def edit_snippet_page(
    snippet_id: int, request: Request, session: DbSession, user: Editor
) -> HTMLResponse:
    snippet = _snippet(session, snippet_id)
    state = snippet_state(snippet)
    values = {**state, "sources": format_sources(state["sources"])}
    return _form_page(request, session, user, snippet, values)


@router.post("/snippets/{snippet_id}/edit", dependencies=[Csrf], response_model=None)
def edit_snippet_form(
    snippet_id: int,
    request: Request,
    session: DbSession,
    user: Editor,
    form: Annotated[SnippetForm, Form()],
) -> HTMLResponse | RedirectResponse:
    key = _snippet(session, snippet_id).key
    try:
        changes = form.content()
        changes.pop("key")
        edit_snippet(session, key, changes, actor=user.username)
    except LibraryError as error:
        session.rollback()
        values = {**form.model_dump(), "key": key}
        snippet = _snippet(session, snippet_id)
        return _form_page(request, session, user, snippet, values, error=str(error))
    flash(request, f"{key} saved (version {_snippet(session, snippet_id).version}).")
    return RedirectResponse(f"/snippets/{snippet_id}", status_code=303)


@router.post("/snippets/{snippet_id}/translate", dependencies=[Csrf])
def translate_form(
    snippet_id: int,
    request: Request,
    session: DbSession,
    user: Editor,
    language: Annotated[str, Form()],
    title: Annotated[str, Form()],
    text: Annotated[str, Form()],
) -> RedirectResponse:
    key = _snippet(session, snippet_id).key
    try:
        translation = translate_snippet(
            session, key, language=language.strip(), title=title, text=text, actor=user.username
        )
    except LibraryError as error:
        session.rollback()
        flash(request, str(error), "error")
        return RedirectResponse(f"/snippets/{snippet_id}", status_code=303)
    flash(request, f"Draft translation {translation.key} created.")
    return RedirectResponse(f"/snippets/{translation.id}", status_code=303)


@router.post("/snippets/{snippet_id}/{change}", dependencies=[Csrf])
def change_state(
    snippet_id: int,
    change: str,
    request: Request,
    session: DbSession,
    user: Editor,
    review_by: Annotated[str, Form()] = "",
) -> RedirectResponse:
    key = _snippet(session, snippet_id).key
    try:
        if change == "vet":
            day = dt.date.fromisoformat(review_by) if review_by else None
            vet_snippet(session, key, actor=user.username, review_by=day)
        elif change == "retire":
            retire_snippet(session, key, actor=user.username)
        elif change == "reopen":
            reopen_snippet(session, key, actor=user.username)
        else:
            raise LibraryError(f"unknown change {change!r}")
    except (LibraryError, ValueError) as error:
        session.rollback()
        flash(request, str(error), "error")
    else:
        flash(request, f"{key}: {_snippet(session, snippet_id).status}.")
    return RedirectResponse(f"/snippets/{snippet_id}", status_code=303)
