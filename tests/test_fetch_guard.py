"""The feed client against hostile addresses and slow servers, on a real server on 127.0.0.1:
numeric spellings of loopback, names that resolve to it (now or on a later lookup), redirects
from an allowed site to it, and answers dripped a byte at a time. With private hosts not allowed,
nothing reaches the local server."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from claimwatch.crawlers.feeds import fetch_feed, http_client
from claimwatch.errors import PermanentFetchError, TransientFetchError
from tests.httpserver import dripping, fixed, serve_routes

FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
    b"<item><title>One</title><link>https://news.example/one.html</link></item>"
    b"</channel></rss>"
)
RSS = {"Content-Type": "application/rss+xml"}


@pytest.fixture
def local() -> Iterator[tuple[int, list[str]]]:
    """A feed server on 127.0.0.1: its port and the log of every request it received."""
    log: list[str] = []
    with serve_routes({"/feed": fixed(200, FEED, RSS)}, log) as base:
        yield int(base.rsplit(":", 1)[1]), log


def names(mapping: dict[str, list[str]]) -> httpx.Client:
    """A guarded client whose resolver answers from ``mapping`` (no DNS is asked)."""

    def resolver(host: str, _port: int) -> list[str]:
        return mapping.get(host.lower(), [host])

    return http_client("claimwatch-tests", 5.0, resolver=resolver)


@pytest.mark.parametrize(
    "host",
    [
        "2130706433",
        "0x7f000001",
        "127.1",
        "0",
        "0177.0.0.1",
        "[::ffff:127.0.0.1]",
        "localhost.",
    ],
)
def test_loopback_in_any_spelling_is_refused_and_never_reached(
    host: str, local: tuple[int, list[str]]
) -> None:
    port, log = local
    with http_client("claimwatch-tests", 5.0) as client, pytest.raises(PermanentFetchError):
        fetch_feed(client, f"http://{host}:{port}/feed")
    assert log == []


def test_a_name_resolving_to_loopback_is_refused_at_connect_time(
    local: tuple[int, list[str]],
) -> None:
    port, log = local
    with (
        names({"feeds.example": ["127.0.0.1"]}) as client,
        pytest.raises(PermanentFetchError, match=r"feeds\.example resolves to .*127\.0\.0\.1"),
    ):
        fetch_feed(client, f"http://feeds.example:{port}/feed")
    assert log == []


def test_a_name_answering_one_private_address_among_public_ones_is_refused(
    local: tuple[int, list[str]],
) -> None:
    port, log = local
    with (
        names({"rebind.example": ["93.184.216.34", "127.0.0.1"]}) as client,
        pytest.raises(PermanentFetchError, match="private or loopback"),
    ):
        fetch_feed(client, f"http://rebind.example:{port}/feed")
    assert log == []


def test_the_checked_address_is_the_one_connected_to(local: tuple[int, list[str]]) -> None:
    """The resolver is asked once per connection, and its answer is what is connected to: a
    name that answers 127.0.0.1 on the second lookup is never looked up a second time."""
    port, log = local
    answers = iter([["127.0.0.1"], ["10.0.0.1"]])
    lookups: list[str] = []

    def rebinding(host: str, _port: int) -> list[str]:
        lookups.append(host)
        return next(answers)

    with http_client("claimwatch-tests", 5.0, allow_private=True, resolver=rebinding) as client:
        assert fetch_feed(client, f"http://feeds.example:{port}/feed", allow_private=True).entries
    assert lookups == ["feeds.example"] and log == ["/feed"]


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1:{port}/feed",
        "http://2130706433:{port}/feed",
        "http://vm.example:{port}/feed",
    ],
)
def test_a_redirect_from_an_allowed_site_to_loopback_is_refused(
    location: str, local: tuple[int, list[str]]
) -> None:
    port, log = local

    def public_site(request: httpx.Request) -> httpx.Response:  # stands for a site on the internet
        return httpx.Response(302, headers={"Location": location.format(port=port)})

    def resolver(host: str, _port: int) -> list[str]:
        return {"vm.example": ["127.0.0.1"]}.get(host, [host])

    with (
        http_client(
            "claimwatch-tests",
            5.0,
            resolver=resolver,
            mounts={"http://news.example": httpx.MockTransport(public_site)},
        ) as client,
        pytest.raises(PermanentFetchError, match="private or loopback"),
    ):
        fetch_feed(client, "http://news.example/rss")
    assert log == []


def test_private_hosts_are_reached_when_allowed(local: tuple[int, list[str]]) -> None:
    port, log = local
    with http_client("claimwatch-tests", 5.0, allow_private=True) as client:
        result = fetch_feed(client, f"http://127.1:{port}/feed", allow_private=True)
    assert [e.url for e in result.entries] == ["https://news.example/one.html"]
    assert log == ["/feed"]


def test_a_dripping_feed_is_cut_off_at_the_fetch_deadline() -> None:
    """The server sends a byte every 0.2 s (well within the 5 s read timeout) for over a minute."""
    with (
        serve_routes({"/rss": dripping(FEED * 2, 0.2, RSS)}) as base,
        http_client("claimwatch-tests", 5.0, allow_private=True) as client,
    ):
        started = time.monotonic()
        with pytest.raises(TransientFetchError, match="2 s fetch deadline"):
            fetch_feed(client, f"{base}/rss", allow_private=True, deadline_s=2.0)
        elapsed = time.monotonic() - started
    assert 1.9 <= elapsed < 3.5


def test_a_slow_feed_that_ends_within_the_deadline_is_read() -> None:
    with (
        serve_routes({"/rss": dripping(FEED, 0.005, RSS)}) as base,
        http_client("claimwatch-tests", 5.0, allow_private=True) as client,
    ):
        result = fetch_feed(client, f"{base}/rss", allow_private=True, deadline_s=10.0)
    assert [e.title for e in result.entries] == ["One"]


def test_the_size_cap_holds_while_streaming() -> None:
    """A body that never ends is cut off at the cap as it streams in."""

    def endless(_request: object) -> tuple[int, dict[str, str], Iterator[bytes]]:
        def chunks() -> Iterator[bytes]:
            yield b"<rss>"
            while True:
                yield b"x" * 1024

        return 200, RSS, chunks()

    with (
        serve_routes({"/rss": endless}) as base,
        http_client("claimwatch-tests", 5.0, allow_private=True) as client,
        pytest.raises(PermanentFetchError, match="not a readable feed"),
    ):
        fetch_feed(client, f"{base}/rss", allow_private=True, max_bytes=10_000, deadline_s=5.0)
