"""Feed reading: fetch bytes with a conditional GET, parse RSS and Atom with feedparser and JSON
Feed (``claimwatch.crawlers.json_feed``), list the entries.

An unchanged feed costs one ``304 Not Modified``. A feed feedparser calls "bozo" (malformed) still
yields the entries it could read; the problem is reported with them. A body that is not a feed at
all is a permanent error.

Every fetch is held to a total deadline (connection, redirects, headers and body together), on top
of the client's per-read timeout: a server that drips its answer is a transient timeout, not a
stalled run. The body is streamed and cut off at the size cap. Every connection is checked
against the address policy at connect time (``claimwatch.crawlers.guarded_http``).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field, replace

import feedparser
import httpx

from claimwatch.crawlers.addresses import resolve
from claimwatch.crawlers.deadline import Deadline, fetch_deadline
from claimwatch.crawlers.guarded_http import Resolver, guarded_transport
from claimwatch.crawlers.json_feed import NotAJsonFeed, looks_like_json, parse_json_feed
from claimwatch.crawlers.urls import canonical_or_none, check_fetchable
from claimwatch.errors import PermanentFetchError, TransientFetchError

DEFAULT_FETCH_DEADLINE_S = 60.0
HARMLESS_BOZO = (feedparser.NonXMLContentType, feedparser.CharacterEncodingOverride)
TITLE_CHARS = 200  # the longest outlet name kept (source.title)


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
    title: str | None = None  # the feed's own title: the outlet's name unless configured

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


def _add_entries(result: FeedResult, entries: list[FeedEntry]) -> FeedResult:
    """Keep each entry with a usable http(s) link once, by its canonical URL."""
    seen: set[str] = set()
    for entry in entries:
        if not entry.url.startswith(("http://", "https://")):
            continue
        canonical = canonical_or_none(entry.url)
        if canonical is None or canonical in seen:  # unusable (a bad port) or listed already
            continue
        seen.add(canonical)
        result.entries.append(replace(entry, url=canonical))
    return result


def _clean_title(title: object) -> str | None:
    return " ".join(str(title or "").split())[:TITLE_CHARS] or None


def _parse_json_feed(content: bytes, url: str) -> FeedResult:
    try:
        title, items = parse_json_feed(content)
    except NotAJsonFeed as exc:
        raise PermanentFetchError(url, f"not a readable feed: {exc}") from None
    result = FeedResult(url=url, status=200, bytes_read=len(content), title=_clean_title(title))
    entries = [
        FeedEntry(i.link or "", i.title, i.summary, i.published, i.guid, i.updated) for i in items
    ]
    return _add_entries(result, entries)


def parse_feed(content: bytes, url: str, headers: dict[str, str] | None = None) -> FeedResult:
    """Parse feed bytes (RSS, Atom, or JSON Feed); entries without a usable http(s) link are
    skipped."""
    if looks_like_json(content):
        return _parse_json_feed(content, url)
    # Whitespace before the XML declaration (common on PHP sites) is not worth a complaint.
    parsed = feedparser.parse(
        content.lstrip(b" \t\r\n"), response_headers={"content-location": url, **(headers or {})}
    )
    problem = parsed.get("bozo_exception") if parsed.bozo else None
    if isinstance(problem, HARMLESS_BOZO):  # a server's wrong Content-Type or charset label
        problem = None
    if not parsed.entries and (problem or not parsed.get("version")):
        raise PermanentFetchError(url, f"not a readable feed: {problem or 'no feed found'}")
    title = _clean_title(parsed.feed.get("title"))
    result = FeedResult(url=url, status=200, bytes_read=len(content), title=title)
    if problem:
        result.problem = f"malformed feed, read what could be read: {problem}"
    entries = [
        FeedEntry(
            url=str(entry.get("link") or ""),
            title=entry.get("title"),
            summary=entry.get("summary"),
            published=_entry_time(entry),
            guid=entry.get("id"),
            updated=_entry_updated(entry),
        )
        for entry in parsed.entries
    ]
    return _add_entries(result, entries)


def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    """The body as it streams in, decompressed, cut off at ``max_bytes``."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= max_bytes:
            break
    return b"".join(chunks)[:max_bytes]


def _conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def _raise_for_status(url: str, status: int) -> None:
    if status == 429 or status >= 500:
        raise TransientFetchError(url, f"HTTP {status}", status)
    if status >= 400:
        raise PermanentFetchError(url, f"HTTP {status}", status)


def _at_hop(exc: PermanentFetchError, url: str) -> str:
    """The reason of a refusal, naming the redirect hop it happened at (the address policy
    names the host itself)."""
    return exc.reason if exc.url == url or "://" not in exc.url else f"{exc.reason} (at {exc.url})"


def _timeout_reason(deadline: Deadline, exc: httpx.TimeoutException) -> str:
    if deadline.expired:
        return f"timeout: no complete answer within the {deadline.seconds:g} s fetch deadline"
    return f"timeout: {exc}"


def fetch_feed(
    client: httpx.Client,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int = 2_000_000,
    allow_private: bool = False,
    deadline_s: float = DEFAULT_FETCH_DEADLINE_S,
) -> FeedResult:
    """GET ``url`` conditionally and parse it, within ``deadline_s`` seconds in all.
    Raises Transient/PermanentFetchError, and nothing else whatever the URL or the server does."""
    check_fetchable(url, allow_private=allow_private)
    headers = _conditional_headers(etag, last_modified)
    with fetch_deadline(deadline_s) as deadline:
        try:
            with client.stream("GET", url, headers=headers) as response:
                if response.status_code == 304:
                    return FeedResult(url, 304, etag=etag, last_modified=last_modified)
                _raise_for_status(url, response.status_code)
                content = _read_capped(response, max_bytes)
                response_headers = {k.lower(): v for k, v in response.headers.items()}
        except PermanentFetchError as exc:  # the URL or address policy, at a later hop
            raise PermanentFetchError(url, _at_hop(exc, url)) from exc
        except httpx.TooManyRedirects as exc:
            raise PermanentFetchError(url, f"redirect loop: {exc}") from exc
        except httpx.TimeoutException as exc:
            raise TransientFetchError(url, _timeout_reason(deadline, exc)) from exc
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise PermanentFetchError(url, f"refused: {exc}") from exc
        except httpx.DecodingError as exc:
            raise PermanentFetchError(url, f"undecodable body: {exc}") from exc
        except httpx.TransportError as exc:
            raise TransientFetchError(url, f"network error: {exc}") from exc
    result = parse_feed(content, url, response_headers)
    result.etag = response_headers.get("etag")
    result.last_modified = response_headers.get("last-modified")
    return result


FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/xml;q=0.9, application/json;q=0.9, */*;q=0.5"
)


def http_client(
    user_agent: str,
    timeout_s: float,
    *,
    allow_private: bool = False,
    resolver: Resolver = resolve,
    mounts: dict[str, httpx.BaseTransport] | None = None,
) -> httpx.Client:
    """The client feeds are read with: gzip, at most 5 redirects, the claimwatch User-Agent, the
    URL policy applied to every request (redirects included), and the address policy applied to
    every connection (``claimwatch.crawlers.guarded_http``; ``resolver`` maps host names to addresses).
    ``timeout_s`` bounds each connect and each read; ``fetch_feed`` adds the total deadline.
    ``mounts`` routes some origins to other transports (tests stand in for public sites so)."""

    def refuse_disallowed(request: httpx.Request) -> None:
        check_fetchable(str(request.url), allow_private=allow_private)

    return httpx.Client(
        headers={"User-Agent": user_agent, "Accept": FEED_ACCEPT},
        timeout=timeout_s,
        follow_redirects=True,
        max_redirects=5,
        event_hooks={"request": [refuse_disallowed]},
        transport=guarded_transport(allow_private=allow_private, resolver=resolver),
        mounts=mounts,
    )
