"""Feed reading: fetch bytes with a conditional GET, parse with feedparser, list the entries.

An unchanged feed costs one ``304 Not Modified``. A feed feedparser calls "bozo" (malformed) still
yields the entries it could read; the problem is reported with them. A body that is not a feed at
all is a permanent error.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

import feedparser
import httpx

from claimwatch.errors import PermanentFetchError, TransientFetchError
from crawlers.urls import canonical_or_none, check_fetchable

HARMLESS_BOZO = (feedparser.NonXMLContentType, feedparser.CharacterEncodingOverride)


@dataclass(frozen=True)
class FeedEntry:
    url: str
    title: str | None
    summary: str | None
    published: dt.datetime | None
    guid: str | None
    updated: dt.datetime | None = None


@dataclass
class FeedResult:
    url: str
    status: int
    entries: list[FeedEntry] = field(default_factory=list)
    etag: str | None = None
    last_modified: str | None = None
    problem: str | None = None
    bytes_read: int = 0

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def _entry_time(entry: feedparser.FeedParserDict) -> dt.datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = dict.get(entry, key)  # plain lookup: no fallback from one date to another
        if value:
            return dt.datetime.fromtimestamp(calendar.timegm(value), tz=dt.UTC)
    return None


def _entry_updated(entry: feedparser.FeedParserDict) -> dt.datetime | None:
    value = dict.get(entry, "updated_parsed")
    return dt.datetime.fromtimestamp(calendar.timegm(value), tz=dt.UTC) if value else None


def parse_feed(content: bytes, url: str, headers: dict[str, str] | None = None) -> FeedResult:
    """Parse feed bytes; entries without a usable http(s) link are skipped."""
    # Whitespace before the XML declaration (common on PHP sites) is not worth a complaint.
    parsed = feedparser.parse(
        content.lstrip(b" \t\r\n"), response_headers={"content-location": url, **(headers or {})}
    )
    problem = parsed.get("bozo_exception") if parsed.bozo else None
    if isinstance(problem, HARMLESS_BOZO):  # a server's wrong Content-Type or charset label
        problem = None
    if not parsed.entries and (problem or not parsed.get("version")):
        raise PermanentFetchError(url, f"not a readable feed: {problem or 'no feed found'}")
    result = FeedResult(url=url, status=200, bytes_read=len(content))
    if problem:
        result.problem = f"malformed feed, read what could be read: {problem}"
    seen: set[str] = set()
    for entry in parsed.entries:
        link = entry.get("link")
        if not link or not link.startswith(("http://", "https://")):
            continue
        canonical = canonical_or_none(link)
        if canonical is None or canonical in seen:  # unusable (a bad port) or listed already
            continue
        seen.add(canonical)
        result.entries.append(
            FeedEntry(
                url=canonical,
                title=entry.get("title"),
                summary=entry.get("summary"),
                published=_entry_time(entry),
                guid=entry.get("id"),
                updated=_entry_updated(entry),
            )
        )
    return result


def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= max_bytes:
            break
    return b"".join(chunks)[:max_bytes]


def fetch_feed(
    client: httpx.Client,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int = 2_000_000,
    allow_private: bool = False,
) -> FeedResult:
    """GET ``url`` conditionally and parse it. Raises Transient/PermanentFetchError."""
    check_fetchable(url, allow_private=allow_private)
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304:
                return FeedResult(url, 304, etag=etag, last_modified=last_modified)
            if response.status_code == 429 or response.status_code >= 500:
                raise TransientFetchError(url, f"HTTP {response.status_code}", response.status_code)
            if response.status_code >= 400:
                raise PermanentFetchError(url, f"HTTP {response.status_code}", response.status_code)
            content = _read_capped(response, max_bytes)
            response_headers = {k.lower(): v for k, v in response.headers.items()}
    except httpx.TooManyRedirects as exc:
        raise PermanentFetchError(url, f"redirect loop: {exc}") from exc
    except httpx.TimeoutException as exc:
        raise TransientFetchError(url, f"timeout: {exc}") from exc
    except httpx.TransportError as exc:
        raise TransientFetchError(url, f"network error: {exc}") from exc
    result = parse_feed(content, url, response_headers)
    result.etag = response_headers.get("etag")
    result.last_modified = response_headers.get("last-modified")
    return result


FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"


def http_client(user_agent: str, timeout_s: float, *, allow_private: bool = False) -> httpx.Client:
    """The client feeds are read with: gzip, at most 5 redirects, the claimwatch User-Agent, and
    the URL policy applied to every request, redirects included."""

    def refuse_disallowed(request: httpx.Request) -> None:
        check_fetchable(str(request.url), allow_private=allow_private)

    return httpx.Client(
        headers={"User-Agent": user_agent, "Accept": FEED_ACCEPT},
        timeout=timeout_s,
        follow_redirects=True,
        max_redirects=5,
        event_hooks={"request": [refuse_disallowed]},
    )
