"""JSON Feed (versions 1 and 1.1, https://jsonfeed.org): a feed's title and its items, read into
the same fields RSS and Atom entries give (link, title, summary, published, id, updated).

feedparser does not read JSON Feed, so ``claimwatch.crawlers.feeds`` hands a body that is a JSON
object here. A body that is JSON but not a JSON Feed (no ``version`` naming jsonfeed.org, no
``items`` list) is not a readable feed; items without an http(s) ``url`` are skipped there.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any


class NotAJsonFeed(ValueError):
    """The body is not a JSON Feed."""


@dataclass(frozen=True)
class JsonFeedItem:
    link: str | None
    title: str | None
    summary: str | None
    published: dt.datetime | None
    guid: str | None
    updated: dt.datetime | None


def looks_like_json(content: bytes) -> bool:
    return content.lstrip(b" \t\r\n\xef\xbb\xbf")[:1] == b"{"


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _time(value: Any) -> dt.datetime | None:
    """An RFC 3339 date (``2026-11-30T08:00:00Z``), in UTC; anything else is no date."""
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(dt.UTC) if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def parse_json_feed(content: bytes) -> tuple[str | None, list[JsonFeedItem]]:
    """The feed's title and its items, in the feed's order."""
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise NotAJsonFeed(f"not JSON: {exc}") from None
    version = data.get("version") if isinstance(data, dict) else None
    if not (isinstance(version, str) and "jsonfeed.org/version/1" in version):
        raise NotAJsonFeed("a JSON object, but no JSON Feed version")
    items = data.get("items")
    if not isinstance(items, list):
        raise NotAJsonFeed("a JSON Feed without an items list")
    return _text(data.get("title")), [
        JsonFeedItem(
            link=_text(item.get("url")),
            title=_text(item.get("title")),
            summary=_text(item.get("summary")) or _text(item.get("content_text")),
            published=_time(item.get("date_published")),
            guid=_text(item.get("id")) or (str(item["id"]) if "id" in item else None),
            updated=_time(item.get("date_modified")),
        )
        for item in items
        if isinstance(item, dict)
    ]
