"""The Scrapy crawl against hostile addresses, slow pages and bad start URLs, on real servers on
127.0.0.1: loopback in any spelling and names that resolve to it are refused before a byte is
sent, redirects to them too; a page that drips is cut off at the download deadline; a start URL
that cannot be parsed fails its source alone."""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterator

import pytest

from claimwatch.crawlers.crawl import crawl
from claimwatch.crawlers.health import SourceHealth, add_crawl
from claimwatch.crawlers.job import CrawlJob, CrawlResult, CrawlTarget
from tests.httpserver import Route, dripping, fixed, serve_routes

ARTICLE = (
    b"<html><head><title>Story</title></head><body><article>"
    + b"<p>Vietnam and Laos signed an agreement on education and culture this week.</p>" * 8
    + b"</article></body></html>"
)
HTML = {"Content-Type": "text/html; charset=utf-8"}
LOOPBACK_HOSTS = [
    "2130706433",
    "0x7f000001",
    "127.1",
    "0",
    "0177.0.0.1",
    "127.0.0.1",
    "[::ffff:127.0.0.1]",
    "localhost.",
]


def machine_name_if_private() -> str | None:
    """This machine's own name when it resolves to a private address (it usually does, through
    /etc/hosts): a name the URL check cannot know is private."""
    name = socket.gethostname()
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(name, 80, type=socket.SOCK_STREAM)}
    except OSError:
        return None
    private = addresses and all(not ipaddress.ip_address(a).is_global for a in addresses)
    return name if private else None


@pytest.fixture(scope="module")
def secret() -> Iterator[tuple[int, list[str]]]:
    """A local service the crawl must not reach: its port and its request log."""
    log: list[str] = []
    with serve_routes({"/secret.html": fixed(200, ARTICLE, HTML)}, log) as base:
        yield int(base.rsplit(":", 1)[1]), log


def refused_crawl(targets: list[CrawlTarget]) -> CrawlResult:
    return crawl(CrawlJob(targets=tuple(targets), download_delay_s=0.0, allow_private=False))


def test_loopback_in_any_spelling_is_refused_before_a_request(
    secret: tuple[int, list[str]],
) -> None:
    port, log = secret
    hosts = [*LOOPBACK_HOSTS, *filter(None, [machine_name_if_private()])]
    urls = [f"http://{host}:{port}/secret.html" for host in hosts]
    result = refused_crawl([CrawlTarget(url, "hostile") for url in urls])
    assert result.pages == [] and result.failures == []
    assert len(result.skipped) == len(urls)
    assert all("private or loopback" in s.reason for s in result.skipped), result.skipped
    assert log == []


def test_a_name_resolving_to_a_private_address_is_refused_by_the_resolver(
    secret: tuple[int, list[str]],
) -> None:
    name = machine_name_if_private()
    if name is None:
        pytest.skip("this machine's name does not resolve to a private address here")
    port, log = secret
    result = refused_crawl([CrawlTarget(f"http://{name}:{port}/secret.html", "hostile")])
    [refusal] = result.skipped
    assert refusal.reason.startswith(f"refused: {name} resolves to a private or loopback address")
    assert log == []


def test_a_redirect_from_an_allowed_site_to_loopback_is_refused(
    secret: tuple[int, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A forward proxy on 127.0.0.1 stands for the internet: it answers for news.example with
    redirects to the local service, in two spellings."""
    port, log = secret
    proxy_routes: dict[str, Route] = {
        "http://news.example/plain.html": fixed(
            302, headers={"Location": f"http://127.0.0.1:{port}/secret.html"}
        ),
        "http://news.example/decimal.html": fixed(
            302, headers={"Location": f"http://2130706433:{port}/secret.html"}
        ),
    }
    proxy_log: list[str] = []
    with serve_routes(proxy_routes, proxy_log) as proxy:
        monkeypatch.setenv("http_proxy", proxy)
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        result = refused_crawl(
            [
                CrawlTarget("http://news.example/plain.html", "wire"),
                CrawlTarget("http://news.example/decimal.html", "wire"),
            ]
        )
    assert {s.url: s.reason.split(" (redirected")[0] for s in result.skipped} == {
        "http://news.example/plain.html": "refused: 127.0.0.1 is a private or loopback address",
        "http://news.example/decimal.html": (
            "refused: 2130706433 is a private or loopback address (127.0.0.1)"
        ),
    }
    assert "http://news.example/plain.html" in proxy_log  # the allowed site was read
    assert log == []


def test_a_dripping_page_is_cut_off_at_the_download_deadline() -> None:
    """One byte every 0.1 s is never a read timeout; the page would take over two minutes."""
    with serve_routes({"/drip.html": dripping(ARTICLE * 2, 0.1, HTML)}) as base:
        job = CrawlJob(
            targets=(CrawlTarget(f"{base}/drip.html", "slow"),),
            download_delay_s=0.0,
            allow_private=True,
            timeout_s=1.0,
        )
        started = time.monotonic()
        result = crawl(job)
        elapsed = time.monotonic() - started
    [failure] = result.failures
    assert "took longer than 1.0 seconds" in failure.reason
    assert elapsed < 15  # start-up, and three attempts of one second each


def test_a_bad_start_url_fails_its_source_alone() -> None:
    with serve_routes({"/index.html": fixed(200, ARTICLE, HTML)}) as base:
        good = CrawlTarget(f"{base}/index.html", "good", follow=True, domains=("127.0.0.1",))
        bad = CrawlTarget("http://[zz/index.html", "bad", follow=True)
        result = crawl(CrawlJob(targets=(bad, good), download_delay_s=0.0, allow_private=True))
    assert [p.url for p in result.pages] == []  # a start page is walked, not stored
    assert [(f.source, f.reason) for f in result.failures] == [
        ("bad", "refused: not a valid URL (Invalid IPv6 URL)")
    ]
    health: dict[str, SourceHealth] = {}
    add_crawl(health, result, {"good": good.url, "bad": bad.url})
    assert health["bad"].error and "not a valid URL" in health["bad"].error
    assert "good" not in health or health["good"].error is None
