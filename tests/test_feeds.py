"""Feed reading on a local server: conditional GET, malformed feeds, errors by kind."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from claimwatch.crawlers.feeds import fetch_feed, http_client, parse_feed
from claimwatch.demo.server import RunningServer, serve_directory
from claimwatch.errors import PermanentFetchError, TransientFetchError
from tests.httpserver import fixed, serve_routes

SITE = Path(__file__).with_name("fixtures") / "site"


@pytest.fixture(scope="module")
def site() -> Iterator[RunningServer]:
    with serve_directory(SITE) as server:
        yield server


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with http_client("claimwatch-tests", 5.0, allow_private=True) as client:
        yield client


def test_a_feed_lists_canonical_entry_links_once(site: RunningServer, client: httpx.Client) -> None:
    result = fetch_feed(client, f"{site.base_url}/feeds/good.xml", allow_private=True)
    assert result.status == 200 and result.problem is None
    assert [e.url for e in result.entries] == [
        f"{site.base_url}/pages/laos-education.html",
        f"{site.base_url}/pages/tin-viet.html",
    ]
    assert (
        result.entries[0].published is not None
        and result.entries[0].published.isoformat() == "2026-11-18T01:00:00+00:00"
    )


def test_an_unchanged_feed_costs_one_not_modified(
    site: RunningServer, client: httpx.Client
) -> None:
    url = f"{site.base_url}/feeds/good.xml"
    first = fetch_feed(client, url, allow_private=True)
    assert first.etag and first.last_modified
    second = fetch_feed(
        client, url, etag=first.etag, last_modified=first.last_modified, allow_private=True
    )
    assert second.not_modified and second.entries == []
    assert site.log.paths(status=304)[-1].startswith("/feeds/good.xml")


def test_a_malformed_feed_keeps_its_readable_entries_and_says_so(
    site: RunningServer, client: httpx.Client
) -> None:
    result = fetch_feed(client, f"{site.base_url}/feeds/malformed.xml", allow_private=True)
    assert result.problem and "malformed" in result.problem
    assert f"{site.base_url}/pages/laos-education.html" in [e.url for e in result.entries]


def test_a_web_page_served_as_a_feed_is_a_permanent_error(
    site: RunningServer, client: httpx.Client
) -> None:
    with pytest.raises(PermanentFetchError, match="not a readable feed"):
        fetch_feed(client, f"{site.base_url}/feeds/not-a-feed.xml", allow_private=True)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (404, PermanentFetchError),
        (410, PermanentFetchError),
        (500, TransientFetchError),
        (503, TransientFetchError),
        (429, TransientFetchError),
    ],
)
def test_http_errors_are_transient_or_permanent(
    status: int, error: type[Exception], client: httpx.Client
) -> None:
    with (
        serve_routes({"/feed": fixed(status)}) as base,
        pytest.raises(error, match=f"HTTP {status}"),
    ):
        fetch_feed(client, f"{base}/feed", allow_private=True)


def test_a_redirect_loop_is_a_permanent_error(client: httpx.Client) -> None:
    with (
        serve_routes(
            {
                "/a": fixed(302, headers={"Location": "/b"}),
                "/b": fixed(302, headers={"Location": "/a"}),
            }
        ) as base,
        pytest.raises(PermanentFetchError, match="redirect loop"),
    ):
        fetch_feed(client, f"{base}/a", allow_private=True)


def test_an_empty_body_is_a_permanent_error(client: httpx.Client) -> None:
    with serve_routes({"/feed": fixed(200, b"")}) as base, pytest.raises(PermanentFetchError):
        fetch_feed(client, f"{base}/feed", allow_private=True)


def test_every_redirect_is_checked_against_the_url_policy(client: httpx.Client) -> None:
    with (
        serve_routes(
            {"/feed": fixed(301, headers={"Location": "ftp://files.example/feed.xml"})}
        ) as base,
        pytest.raises(PermanentFetchError, match="scheme 'ftp'"),
    ):
        fetch_feed(client, f"{base}/feed", allow_private=True)


def test_an_unreachable_host_is_transient(client: httpx.Client) -> None:
    with serve_routes({}) as base:
        port = base.rsplit(":", 1)[1]
    with pytest.raises(TransientFetchError, match="network error"):
        fetch_feed(client, f"http://127.0.0.1:{port}/feed", allow_private=True)


def test_feeds_are_capped_in_size(site: RunningServer, client: httpx.Client) -> None:
    with pytest.raises(PermanentFetchError):
        fetch_feed(client, f"{site.base_url}/feeds/good.xml", max_bytes=100, allow_private=True)


RSS = """
<?xml version="1.0" encoding="{charset}"?>
<rss version="2.0"><channel><title>T</title>
<item><guid>same</guid><title>Một</title><link>https://news.example/mot.html</link></item>
<item><guid>same</guid><title>Hai</title><link>https://news.example/hai.html</link></item>
<item><title>Bad port</title><link>https://news.example:8o8o/x.html</link></item>
<item><title>Again</title><link>https://news.example/mot.html?utm_source=rss</link></item>
</channel></rss>"""


@pytest.mark.parametrize("content_type", [None, "text/html", "application/octet-stream"])
def test_a_feed_behind_a_wrong_content_type_reads_cleanly(content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    result = parse_feed(RSS.format(charset="utf-8").encode(), "https://news.example/rss", headers)
    assert result.problem is None
    # duplicate GUIDs keep both stories; a bad link is skipped; a repeated link is listed once
    assert [e.title for e in result.entries] == ["Một", "Hai"]


def test_a_wrong_charset_label_still_yields_the_entries() -> None:
    body = RSS.format(charset="iso-8859-1").encode("utf-8")
    result = parse_feed(
        body,
        "https://news.example/rss",
        {"content-type": "application/rss+xml; charset=iso-8859-1"},
    )
    assert len(result.entries) == 2


def test_an_empty_but_valid_feed_is_not_an_error() -> None:
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'
    assert (
        parse_feed(body, "https://news.example/rss", {"content-type": "text/plain"}).entries == []
    )


def test_a_feed_that_answers_too_slowly_is_a_transient_timeout() -> None:
    def slow(_request: object) -> tuple[int, dict[str, str], bytes]:
        time.sleep(2)
        return 200, {"Content-Type": "application/rss+xml"}, RSS.format(charset="utf-8").encode()

    with (
        serve_routes({"/rss": slow}) as base,
        http_client("claimwatch-tests", 0.5, allow_private=True) as impatient,
        pytest.raises(TransientFetchError, match="timeout"),
    ):
        fetch_feed(impatient, f"{base}/rss", allow_private=True)
