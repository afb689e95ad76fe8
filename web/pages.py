"""The reviewers' pages: the queue with filters and bulk actions, "next item", an item with its
evidence, decisions (with undo), and the way back to the previous item."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from claimwatch.errors import ClaimwatchError, LibraryError, QueueError
from claimwatch.rebuttals.draft import draft_rebuttal
from claimwatch.review.assign import assign, next_item, release
from claimwatch.review.promote import default_phrasings, promote, undo_promote
from claimwatch.review.queue import (
    DECISIONS,
    LANES,
    STATUSES,
    QueueFilter,
    bulk_decide,
    count_items,
    decide,
    get_item,
    item_history,
    list_items,
    status_counts,
    undo_last_decision,
)
from claimwatch.store.schema import AuditEvent, Narrative, QueueItem, Snippet, Source
from claimwatch.web.deps import AppSettings, DbSession
from claimwatch.web.sessions import Csrf, Editor, Reviewer, flash
from claimwatch.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


def _day(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), tzinfo=dt.UTC)
    except ValueError:
        raise QueueError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _score(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise QueueError(f"{value!r} is not a score between 0 and 1") from None


def queue_filter(
    status: str | None = None,
    lane: str | None = None,
    lang: str | None = None,
    narrative: str | None = None,
    source: str | None = None,
    since: str | None = None,
    until: str | None = None,
    min_score: str | None = None,
    q: str | None = None,
    assigned: str | None = None,
) -> QueueFilter:
    return QueueFilter(
        status=status or None,
        lane=lane or None,
        language=lang or None,
        narrative=narrative or None,
        source=source or None,
        since=_day(since),
        until=_day(until),
        min_score=_score(min_score),
        search=q or None,
        assigned_to=assigned or None,
    )


FILTER_FIELDS = (
    "status",
    "lane",
    "lang",
    "narrative",
    "source",
    "since",
    "until",
    "min_score",
    "q",
    "assigned",
)


@router.get("/", response_class=HTMLResponse)
def home(_user: Reviewer) -> RedirectResponse:
    return RedirectResponse("/queue", status_code=303)


@router.get("/queue", response_class=HTMLResponse)
def queue_page(
    request: Request,
    session: DbSession,
    user: Reviewer,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    params = {name: request.query_params.get(name, "") for name in FILTER_FIELDS}
    if "status" not in request.query_params:
        params["status"] = "new"
    counts = status_counts(session)
    try:
        where = queue_filter(**params)
        if where.by_status_only:  # the counts already hold the total
            total = counts[where.status] if where.status in counts else sum(counts.values())
        else:
            total = count_items(session, where)
        items = list_items(session, where=where, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    except QueueError as error:
        flash(request, str(error), "error")
        total, items = 0, []
    return render(
        request,
        "queue.html",
        user,
        items=items,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        params=params,
        counts=counts,
        statuses=STATUSES,
        lanes=LANES,
        narratives=list(session.scalars(select(Narrative.slug).order_by(Narrative.slug))),
        sources=list(session.scalars(select(Source.name).order_by(Source.name))),
    )


@router.post("/queue/next", dependencies=[Csrf])
def take_next(
    session: DbSession, settings: AppSettings, user: Reviewer, request: Request
) -> RedirectResponse:
    item_id = next_item(session, user.username, lock=dt.timedelta(minutes=settings.lock_minutes))
    if item_id is None:
        flash(request, "Nothing left to review: every open item is decided or taken.")
        return RedirectResponse("/queue", status_code=303)
    return RedirectResponse(f"/items/{item_id}", status_code=303)


@router.post("/queue/bulk", dependencies=[Csrf])
async def bulk_action(
    request: Request,
    session: DbSession,
    user: Reviewer,
    action: Annotated[str, Form()],
    scope: Annotated[str, Form()] = "selected",
    assignee: Annotated[str, Form()] = "",
) -> RedirectResponse:
    form = await request.form()
    params = {name: str(form.get(name, "")) for name in FILTER_FIELDS}
    where = queue_filter(**params)
    if scope == "selected":
        ids = tuple(int(str(v)) for v in form.getlist("ids") if str(v).isdigit())
        if not ids:
            flash(request, "Select items first (or choose every item matching the filters).")
            return RedirectResponse(_queue_url(params), status_code=303)
        where = QueueFilter(ids=ids)
    if action == "out_of_scope":
        done = bulk_decide(session, where, "out_of_scope", actor=user.username)
        flash(request, f"{done} item(s) dismissed as out of scope.")
    elif action in ("assign", "unassign"):
        who = assignee.strip() if action == "assign" else None
        done = assign(session, where, who, actor=user.username)
        flash(request, f"{done} item(s) {'assigned to ' + who if who else 'unassigned'}.")
    else:
        raise QueueError(f"unknown bulk action {action!r}")
    return RedirectResponse(_queue_url(params), status_code=303)


def _queue_url(params: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return "/queue?" + urlencode({k: v for k, v in params.items() if v})


def _item_context(session: Session, item: QueueItem) -> dict[str, Any]:
    why = item.explanation
    drafts = [s for s in why.get("snippets", []) if s.get("status") == "draft"]
    draft_ids = [s["id"] for s in drafts]
    related = (
        list_items(session, where=QueueFilter(narrative=item.narrative.slug), limit=6)
        if item.narrative
        else []
    )
    try:
        draft = draft_rebuttal(session, item.id).markdown
    except LibraryError as error:
        draft = f"(no draft: {error})"
    return {
        "item": item,
        "why": why,
        "occurrences": sorted(
            item.cluster.claims,
            key=lambda c: (c.article.published_at or c.article.fetched_at, c.id),
        ),
        "draft_snippets": list(session.scalars(select(Snippet).where(Snippet.id.in_(draft_ids)))),
        "related": [r for r in related if r.id != item.id][:5],
        "history": item_history(session, item.id),
        "draft": draft,
        "decisions": DECISIONS,
        "phrasings": "\n".join(f"{lang}: {text}" for lang, text in default_phrasings(item)),
    }


@router.get("/items/{item_id}", response_class=HTMLResponse)
def item_page(item_id: int, request: Request, session: DbSession, user: Reviewer) -> HTMLResponse:
    item = get_item(session, item_id)
    return render(request, "item.html", user, **_item_context(session, item))


@router.post("/items/{item_id}/decide", dependencies=[Csrf])
async def decide_item(
    item_id: int,
    request: Request,
    session: DbSession,
    user: Reviewer,
    decision: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
    duplicate_of: Annotated[str, Form()] = "",
) -> RedirectResponse:
    form = await request.form()
    snippets = tuple(int(str(v)) for v in form.getlist("snippet") if str(v).isdigit())
    try:
        decide(
            session,
            item_id,
            decision,
            actor=user.username,
            note=note.strip() or None,
            duplicate_of=int(duplicate_of) if duplicate_of.strip().isdigit() else None,
            snippet_ids=snippets,
        )
    except QueueError as error:
        session.rollback()
        flash(request, str(error), "error")
        return RedirectResponse(f"/items/{item_id}", status_code=303)
    flash(request, f"Item #{item_id}: {decision.replace('_', ' ')}. (u: undo)")
    return RedirectResponse(f"/items/{item_id}", status_code=303)


def _phrasing_lines(text: str) -> list[tuple[str, str]]:
    """``lang: sentence`` lines (the promote form) as (language, text) pairs."""
    pairs = []
    for line in text.splitlines():
        language, colon, sentence = line.partition(":")
        if colon and 1 < len(language.strip()) <= 10 and sentence.strip():
            pairs.append((language.strip().lower(), sentence.strip()))
        elif line.strip():
            raise QueueError(f"phrasing {line.strip()[:60]!r}: write it as 'language: sentence'")
    return pairs


@router.post("/items/{item_id}/promote", dependencies=[Csrf])
def promote_item(
    item_id: int,
    request: Request,
    session: DbSession,
    user: Editor,
    slug: Annotated[str, Form()],
    title: Annotated[str, Form()],
    summary: Annotated[str, Form()] = "",
    phrasings: Annotated[str, Form()] = "",
) -> RedirectResponse:
    try:
        narrative = promote(
            session,
            item_id,
            slug=slug.strip(),
            title=title,
            summary=summary,
            phrasings=_phrasing_lines(phrasings) or None,
            actor=user.username,
        )
    except QueueError as error:
        session.rollback()
        flash(request, str(error), "error")
        return RedirectResponse(f"/items/{item_id}", status_code=303)
    flash(request, f"Item #{item_id} now repeats the new narrative {narrative.slug}.")
    return RedirectResponse(f"/items/{item_id}", status_code=303)


@router.post("/items/{item_id}/unpromote", dependencies=[Csrf])
def unpromote_item(
    item_id: int, request: Request, session: DbSession, user: Editor
) -> RedirectResponse:
    try:
        undo_promote(session, item_id, actor=user.username)
    except QueueError as error:
        session.rollback()
        flash(request, str(error), "error")
        return RedirectResponse(f"/items/{item_id}", status_code=303)
    flash(request, f"Item #{item_id} is an emerging claim again.")
    return RedirectResponse(f"/items/{item_id}", status_code=303)


@router.post("/items/{item_id}/release", dependencies=[Csrf])
def release_item(
    item_id: int, session: DbSession, user: Reviewer, request: Request
) -> RedirectResponse:
    release(session, item_id, user.username)
    flash(request, f"Item #{item_id} released for others.")
    return RedirectResponse("/queue", status_code=303)


@router.post("/undo", dependencies=[Csrf])
def undo(session: DbSession, user: Reviewer, request: Request) -> RedirectResponse:
    try:
        item = undo_last_decision(session, user.username)
    except ClaimwatchError as error:
        session.rollback()
        flash(request, str(error), "error")
        return RedirectResponse(request.headers.get("referer") or "/queue", status_code=303)
    flash(request, f"Your decision on item #{item.id} was undone.")
    return RedirectResponse(f"/items/{item.id}", status_code=303)


@router.get("/previous")
def previous_item(
    session: DbSession,
    user: Reviewer,
    request: Request,
    before: Annotated[int | None, Query()] = None,
) -> RedirectResponse:
    """The item this reviewer decided most recently (other than ``before``)."""
    query = (
        select(AuditEvent.entity_id)
        .where(
            AuditEvent.actor == user.username,
            AuditEvent.entity == "queue_item",
            AuditEvent.action == "decide",
        )
        .order_by(AuditEvent.id.desc())
        .limit(20)
    )
    for item_id in session.scalars(query):
        if item_id != before:
            return RedirectResponse(f"/items/{item_id}", status_code=303)
    flash(request, "You have not decided another item yet.")
    return RedirectResponse(f"/items/{before}" if before else "/queue", status_code=303)
