"""A polite crawler on a local server: robots.txt decides for every request (feed entries too,
not only the first to wait for it), Crawl-delay is kept, robots.txt Sitemap lines feed site
sources, an unreadable robots.txt is handled as RFC 9309 says, and JSON Feed is read."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import time
from http.server import BaseHTTPRequestHandler

import pytest

from claimwatch.crawlers.crawl import crawl
from claimwatch.crawlers.feeds import fetch_feed, http_client, parse_feed
from claimwatch.crawlers.job import CrawlJob, CrawlTarget
from claimwatch.errors import PermanentFetchError
from tests.httpserver import Body, Route, fixed, serve_routes

ARTICLE = b"<html><head><title>News</title></head><body><article><p>%s</p></article></body></html>"
HTML = {"Content-Type": "text/html; charset=utf-8"}
TEXT = {"Content-Type": "text/plain"}


def page(text: str) -> Route:
    return fixed(200, ARTICLE % text.encode(), HTML)


def robots(body: str) -> Route:
    def answer(request: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], Body]:
        host = request.headers["Host"]
        return 200, TEXT, body.replace("{base}", f"http://{host}").encode()

    return answer


def job(targets: list[CrawlTarget], **options: object) -> CrawlJob:
    settings: dict[str, object] = {"download_delay_s": 0.0, "allow_private": True, "timeout_s": 10}
    return CrawlJob(targets=tuple(targets), **{**settings, **options})  # type: ignore[arg-type]


def entries(base: str, count: int) -> list[CrawlTarget]:
    paths = [f"/news/{n}.html" for n in range(1, count)] + ["/private/6.html"]
    return [CrawlTarget(base + p, "wire", domains=("127.0.0.1",)) for p in paths]


def test_every_feed_entry_is_checked_against_robots() -> None:
    log: list[str] = []
    routes = {f"/news/{n}.html": page(f"Story {n}") for n in range(1, 6)}
    routes |= {
        "/private/6.html": page("Private"),
        "/robots.txt": robots("User-agent: *\nDisallow: /private/\n"),
    }
    with serve_routes(routes, log) as base:
        result = crawl(job(entries(base, 6)))
    assert "/private/6.html" not in log  # never asked for
    assert [s.url.removeprefix(base) for s in result.skipped] == ["/private/6.html"]
    assert "robots.txt" in result.skipped[0].reason
    assert len(result.pages) == 5 and log.count("/robots.txt") == 1


def test_crawl_delay_is_kept_between_requests_to_a_host() -> None:
    times: list[float] = []

    def timed(text: str) -> Route:
        def answer(request: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], Body]:
            times.append(time.monotonic())
            return 200, HTML, ARTICLE % text.encode()

        return answer

    routes = {f"/news/{n}.html": timed(f"Story {n}") for n in range(1, 4)}
    routes["/robots.txt"] = robots("User-agent: *\nCrawl-delay: 1\n")
    with serve_routes(routes) as base:
        targets = [CrawlTarget(f"{base}/news/{n}.html", "wire") for n in range(1, 4)]
        result = crawl(job(targets))
    assert len(result.pages) == 3
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert min(gaps) >= 0.95, gaps  # never less than the host asked for


def test_a_site_source_reads_the_sitemaps_its_robots_txt_names() -> None:
    today = dt.date.today().isoformat()
    sitemap = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{{base}}/news/only-in-sitemap.html</loc><lastmod>{today}</lastmod></url>"
        "</urlset>"
    )
    routes = {
        "/robots.txt": robots("User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n"),
        "/sitemap.xml": robots(sitemap),
        "/news/": fixed(200, b"<html><body><p>No links here.</p></body></html>", HTML),
        "/news/only-in-sitemap.html": page("Found through the sitemap"),
    }
    with serve_routes(routes) as base:
        site = CrawlTarget(
            f"{base}/news/",
            "wire",
            follow=True,
            max_depth=1,
            scope=(f"{base}/news/",),
            domains=("127.0.0.1",),
        )
        result = crawl(job([site]))
    assert [p.url.removeprefix(base) for p in result.pages] == ["/news/only-in-sitemap.html"]


def test_a_failing_robots_txt_disallows_and_a_missing_one_allows() -> None:
    with serve_routes({"/robots.txt": fixed(503), "/news/1.html": page("One")}) as base:
        refused = crawl(job([CrawlTarget(f"{base}/news/1.html", "wire")]))
    assert not refused.pages and "HTTP 503" in refused.skipped[0].reason
    with serve_routes({"/news/1.html": page("One")}) as base:
        allowed = crawl(job([CrawlTarget(f"{base}/news/1.html", "wire")]))
    assert len(allowed.pages) == 1


JSON_FEED = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Wire in JSON",
    "items": [
        {
            "id": "a1",
            "url": "https://wire.example/news/one.html?utm_source=feed",
            "title": "One",
            "content_text": "The first story.",
            "date_published": "2026-11-30T08:00:00Z",
            "date_modified": "2026-12-01T09:30:00+01:00",
        },
        {"id": 2, "url": "https://wire.example/news/two.html", "summary": "Two."},
        {"id": "3", "external_url": "https://elsewhere.example/x", "title": "No url"},
        {"id": "4", "url": "javascript:alert(1)"},
    ],
}


def test_json_feed_is_read_like_rss_and_atom() -> None:
    result = parse_feed(json.dumps(JSON_FEED).encode(), "https://wire.example/feed.json")
    assert result.title == "Wire in JSON"
    assert [e.url for e in result.entries] == [
        "https://wire.example/news/one.html",
        "https://wire.example/news/two.html",
    ]
    first, second = result.entries
    assert (first.guid, first.title, first.summary) == ("a1", "One", "The first story.")
    assert first.published == dt.datetime(2026, 11, 30, 8, tzinfo=dt.UTC)
    assert first.updated == dt.datetime(2026, 12, 1, 8, 30, tzinfo=dt.UTC)
    assert (second.guid, second.summary, second.published) == ("2", "Two.", None)
    body = json.dumps(JSON_FEED).encode()
    with (
        serve_routes(
            {"/feed.json": fixed(200, body, {"Content-Type": "application/feed+json"})}
        ) as base,
        http_client("claimwatch-tests", 5.0, allow_private=True) as client,
    ):
        fetched = fetch_feed(client, f"{base}/feed.json", allow_private=True)
    assert len(fetched.entries) == 2


def test_json_that_is_no_feed_is_a_clear_error() -> None:
    with pytest.raises(PermanentFetchError, match="no JSON Feed version"):
        parse_feed(b'{"items": []}', "https://wire.example/feed.json")
