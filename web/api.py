"""The HTTP API (``/api/v1``): what editors pull from the rebuttal library, the draft rebuttal
and the ClaimReview of a queue item. Every route needs an API token."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from claimwatch.rebuttals.claimreview import claim_review, json_ld
from claimwatch.rebuttals.draft import draft_rebuttal
from claimwatch.rebuttals.editing import get_snippet, history
from claimwatch.rebuttals.export import MEDIA_TYPES, STATUS_FILTERS, pull
from claimwatch.rebuttals.versions import snippet_state, version_record
from claimwatch.resources import publisher
from claimwatch.store.schema import User
from claimwatch.web.deps import AppSettings, DbSession, api_role

router = APIRouter(prefix="/api/v1", tags=["api"])
Reader = Annotated[User, Depends(api_role("reviewer"))]


@router.get("/snippets", summary="Pull snippets (or ClaimReviews of decided items)")
def pull_snippets(
    session: DbSession,
    settings: AppSettings,
    _user: Reader,
    narrative: Annotated[str | None, Query(description="Narrative slug.")] = None,
    lang: Annotated[str | None, Query(description="Language code (en, fr, vi…).")] = None,
    status: Annotated[str, Query(description=" | ".join(STATUS_FILTERS))] = "vetted",
    updated_since: Annotated[
        dt.datetime | None, Query(description="ISO date or date-time (UTC when no zone).")
    ] = None,
    format: Annotated[str, Query(description=" | ".join(MEDIA_TYPES))] = "json",
) -> Response:
    since = updated_since
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=dt.UTC)
    pulled = pull(
        session,
        publisher(settings),
        narrative=narrative,
        language=lang,
        status=status,
        updated_since=since,
        format=format,
    )
    return Response(
        pulled.text, media_type=pulled.media_type, headers={"X-Count": str(pulled.count)}
    )


@router.get("/snippets/{key:path}/history", summary="Every version of a snippet")
def snippet_history(key: str, session: DbSession, _user: Reader) -> list[dict[str, Any]]:
    return [version_record(v) for v in history(session, key)]


@router.get("/snippets/{key:path}", summary="One snippet, with its sources")
def one_snippet(key: str, session: DbSession, _user: Reader) -> dict[str, Any]:
    snippet = get_snippet(session, key)
    return {
        **snippet_state(snippet),
        "version": snippet.version,
        "updated_at": snippet.updated_at.isoformat(),
    }


@router.get("/items/{item_id}/draft", summary="Draft rebuttal of a queue item (never published)")
def item_draft(item_id: int, session: DbSession, _user: Reader) -> dict[str, Any]:
    draft = draft_rebuttal(session, item_id)
    return {
        "item": draft.item_id,
        "status": "draft",
        "language": draft.language,
        "claim": draft.claim,
        "snippets": list(draft.snippet_keys),
        "markdown": draft.markdown,
    }


@router.get("/items/{item_id}/claimreview", summary="ClaimReview JSON-LD of a decided item")
def item_claimreview(
    item_id: int,
    session: DbSession,
    settings: AppSettings,
    _user: Reader,
    url: Annotated[str | None, Query(description="Where the fact-check is published.")] = None,
) -> Response:
    review = claim_review(session, item_id, publisher(settings), url=url)
    return Response(json_ld(review), media_type=MEDIA_TYPES["claimreview"])
