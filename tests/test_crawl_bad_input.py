"""The Scrapy crawl on hostile or broken answers from a local server: every bad page gets a clear
record (never a crash, never a silent loss), sizes are capped, a crawl never leaves a source's
domains, and sitemaps (news and index) yield their recent URLs only."""

from __future__ import annotations

import datetime as dt
import gzip
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from claimwatch.crawlers.crawl import crawl
from claimwatch.crawlers.job import CrawlJob, CrawlResult, CrawlTarget
from tests.httpserver import Route, fixed, serve_routes

ARTICLE = (
    "<html><head><title>Story</title></head><body><article><h1>Story</h1>"
    + "<p>Vietnam and Laos signed an agreement on education and culture this week.</p>" * 8
    + "</article></body></html>"
)
HTML = {"Content-Type": "text/html; charset=utf-8"}


def slow(_request: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
    time.sleep(3)
    return 200, HTML, ARTICLE.encode()


def sitemap_body(base: str) -> bytes:
    today = dt.datetime.now(dt.UTC).date().isoformat()
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>{base}/news/fresh.html</loc><news:news><news:publication_date>{today}T08:00:00+07:00</news:publication_date></news:news></url>
  <url><loc>{base}/news/old.html</loc><lastmod>2020-01-01</lastmod></url>
  <url><loc>{base}/other/fresh.html</loc><lastmod>{today}</lastmod></url>
  <url><loc>https://elsewhere.example/news/x.html</loc></url>
</urlset>""".encode()


def routes(base: list[str]) -> dict[str, Route]:
    def sitemap(_request: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        return 200, {"Content-Type": "application/xml"}, sitemap_body(base[0])

    def index(_request: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        body = f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>{base[0]}/sitemap-news.xml.gz</loc></sitemap></sitemapindex>'
        return 200, {"Content-Type": "application/xml"}, body.encode()

    def gz(_request: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        return (
            200,
            {"Content-Type": "application/octet-stream"},
            gzip.compress(sitemap_body(base[0])),
        )

    return {
        "/good.html": fixed(200, ARTICLE.encode(), HTML),
        "/big.html": fixed(
            200, b"<html><body>" + b"<p>padding</p>" * 800_000 + b"</body></html>", HTML
        ),
        "/loop.html": fixed(302, b"", {"Location": "/loop.html"}),
        "/missing.html": fixed(404, b"gone", HTML),
        "/broken.html": fixed(500, b"oops", HTML),
        "/slow.html": slow,
        "/empty.html": fixed(200, b"", HTML),
        "/latin1.html": fixed(
            200,
            ARTICLE.replace("Laos", "Laos — café").encode("cp1252"),
            {"Content-Type": "text/html; charset=utf-8"},
        ),
        "/nocharset.html": fixed(
            200, ARTICLE.replace("Laos", "Lào").encode("utf-8"), {"Content-Type": "text/html"}
        ),
        "/image.png": fixed(200, b"\x89PNG\r\n", {"Content-Type": "image/png"}),
        "/offsite.html": fixed(302, b"", {"Location": "https://elsewhere.example/story.html"}),
        "/news/fresh.html": fixed(200, ARTICLE.encode(), HTML),
        "/news/old.html": fixed(200, ARTICLE.encode(), HTML),
        "/other/fresh.html": fixed(200, ARTICLE.encode(), HTML),
        "/sitemap.xml": sitemap,
        "/sitemap-index.xml": index,
        "/sitemap-news.xml.gz": gz,
        "/not-a-sitemap.xml": fixed(200, b"<html>no</html>", HTML),
    }


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    base: list[str] = []
    with serve_routes(routes(base)) as url:
        base.append(url)
        yield url


def run(targets: list[CrawlTarget]) -> CrawlResult:
    job = CrawlJob(
        targets=tuple(targets),
        download_delay_s=0.0,
        allow_private=True,
        timeout_s=1.0,
        max_page_bytes=1_000_000,
    )
    return crawl(job)


@pytest.fixture(scope="module")
def pages(server: str) -> CrawlResult:
    names = [
        "good",
        "big",
        "loop",
        "missing",
        "broken",
        "slow",
        "empty",
        "latin1",
        "nocharset",
        "offsite",
    ]
    targets = [CrawlTarget(f"{server}/{n}.html", "src", domains=("127.0.0.1",)) for n in names]
    return run([*targets, CrawlTarget(f"{server}/image.png", "src")])


def reason(result: CrawlResult, path: str) -> str:
    return next(f.reason for f in result.failures + result.skipped if f.url.endswith(path))


def test_a_good_page_is_fetched(pages: CrawlResult, server: str) -> None:
    assert f"{server}/good.html" in {p.url for p in pages.pages}


def test_every_broken_answer_is_a_failure_with_a_reason(pages: CrawlResult) -> None:
    assert reason(pages, "/missing.html") == "HTTP 404"
    assert reason(pages, "/broken.html") == "HTTP 500"
    assert "empty body" in reason(pages, "/empty.html")
    assert "not HTML (image/png)" in reason(pages, "/image.png")
    assert "Timeout" in reason(pages, "/slow.html") or "timed out" in reason(pages, "/slow.html")
    assert "redirect" in reason(pages, "/loop.html").lower() or reason(
        pages, "/loop.html"
    ).startswith("HTTP 302")


def test_a_page_over_the_size_cap_is_refused_not_loaded(pages: CrawlResult) -> None:
    assert "/big.html" not in {p.url.rsplit("/", 1)[-1] for p in pages.pages}
    assert (
        "size" in reason(pages, "/big.html").lower()
        or "cancel" in reason(pages, "/big.html").lower()
    )


def test_a_redirect_out_of_the_source_is_refused(pages: CrawlResult) -> None:
    assert "outside the source's domains" in reason(pages, "/offsite.html")


def test_wrong_or_missing_charsets_still_give_text(pages: CrawlResult, server: str) -> None:
    by_url = {p.url: p.html for p in pages.pages}
    assert "Lào" in by_url[f"{server}/nocharset.html"]
    assert "Laos" in by_url[f"{server}/latin1.html"]  # undecodable bytes do not lose the page


def test_nothing_is_lost_silently(pages: CrawlResult) -> None:
    assert len(pages.pages) + len(pages.failures) + len(pages.skipped) == 11


def test_a_news_sitemap_yields_its_recent_urls_in_scope(server: str) -> None:
    target = CrawlTarget(
        f"{server}/sitemap.xml",
        "map",
        sitemap=True,
        scope=(f"{server}/news/",),
        domains=("127.0.0.1",),
        max_age_days=3,
    )
    result = run([target])
    assert sorted(p.url.removeprefix(server) for p in result.pages) == ["/news/fresh.html"]


def test_a_sitemap_index_and_gzip_are_followed(server: str) -> None:
    target = CrawlTarget(f"{server}/sitemap-index.xml", "map", sitemap=True, domains=("127.0.0.1",))
    result = run([target])
    assert sorted(p.url.removeprefix(server) for p in result.pages) == [
        "/news/fresh.html",
        "/other/fresh.html",
    ]
    assert [s.url for s in result.skipped] == []  # elsewhere.example was never requested


def test_something_else_served_as_a_sitemap_is_a_failure(server: str) -> None:
    result = run([CrawlTarget(f"{server}/not-a-sitemap.xml", "map", sitemap=True)])
    assert [(f.reason, f.status) for f in result.failures] == [("not a sitemap", 200)]
