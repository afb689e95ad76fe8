"""The evidence behind an item: each article's archived copy (the page as fetched, from the WARC
archive) and its revisions (every version of its text).

An archived copy is crawled, untrusted HTML. It is served under ``/archive/`` with its own
Content Security Policy (``web/security.py``): ``sandbox`` without ``allow-scripts`` gives it an
opaque origin where no script runs and no cookie of the app is readable, and ``default-src
'none'`` keeps it from loading anything, so opening it sends no request to any other site.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from claimwatch.crawlers.archive import read_payload
from claimwatch.errors import NotFoundError
from claimwatch.store.schema import ArchivedPage, Article
from claimwatch.web.deps import AppSettings, DbSession
from claimwatch.web.sessions import Reviewer
from claimwatch.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/archive/{digest}")
def archived_copy(
    digest: str, session: DbSession, settings: AppSettings, _user: Reviewer
) -> Response:
    page = session.scalar(select(ArchivedPage).where(ArchivedPage.digest == digest))
    if page is None:
        raise NotFoundError(f"no archived page {digest[:64]}")
    try:
        payload = read_payload(settings.resolved_archive_dir, page)
    except (OSError, ValueError) as exc:
        raise NotFoundError(f"the archived page {digest} cannot be read: {exc}") from exc
    return Response(
        payload,
        media_type=page.content_type or "text/html",
        headers={"X-Archived-Url": page.url, "X-Archived-At": page.fetched_at.isoformat()},
    )


@router.get("/articles/{article_id}/revisions", response_class=HTMLResponse)
def revisions_page(
    article_id: int, request: Request, session: DbSession, user: Reviewer
) -> HTMLResponse:
    article = session.get(Article, article_id)
    if article is None:
        raise NotFoundError(f"no article #{article_id}")
    return render(request, "revisions.html", user, article=article)
