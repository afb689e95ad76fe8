"""The Scrapy crawl, run in its own process against the demo corpus on 127.0.0.1: a site's links are
followed inside its scope only, robots.txt is obeyed, known pages are skipped, errors are reported,
and the crawl runs twice in one process."""

from __future__ import annotations

from claimwatch.crawlers.crawl import crawl
from claimwatch.crawlers.job import CrawlJob, CrawlTarget
from claimwatch.crawlers.urls import default_scope
from claimwatch.demo.server import RunningServer


def site_job(base: str, **changes: object) -> CrawlJob:
    start = f"{base}/pacific-wire/index.html"
    target = CrawlTarget(
        start, "pacific-wire", follow=True, max_depth=1, scope=(default_scope(start),)
    )
    options: dict[str, object] = {"download_delay_s": 0.0, "allow_private": True, "timeout_s": 10.0}
    return CrawlJob(targets=(target,), **{**options, **changes})  # type: ignore[arg-type]


def paths(urls: list[str], base: str) -> set[str]:
    return {u.removeprefix(base) for u in urls}


def test_site_crawl_follows_links_in_scope_and_obeys_robots(corpus_server: RunningServer) -> None:
    base = corpus_server.base_url
    result = crawl(site_job(base))
    fetched = paths([p.url for p in result.pages], base)
    assert {
        f"/pacific-wire/stories/{n}.html"
        for n in ("hanoi-defence-pact", "asean-since-1995", "lemon-water-flu")
    } <= fetched
    assert "/pacific-wire/index.html" not in fetched  # a start page is walked, not stored
    assert not any(
        "example." in url for url in fetched
    )  # links outside the source are not followed
    assert paths([s.url for s in result.skipped], base) == {
        "/pacific-wire/drafts/russia-lease.html"
    }
    assert all(p.status == 200 and "<html" in p.html.lower() for p in result.pages)


def test_known_pages_are_not_fetched_again_and_crawl_runs_twice(
    corpus_server: RunningServer,
) -> None:
    base = corpus_server.base_url
    known = f"{base}/pacific-wire/stories/phone-launch.html"
    first = crawl(site_job(base, skip_urls=(known,)))
    second = crawl(site_job(base, skip_urls=(known,)))
    assert known not in {p.url for p in first.pages}
    assert paths([p.url for p in first.pages], base) == paths([p.url for p in second.pages], base)


def test_missing_pages_and_private_hosts_are_reported(corpus_server: RunningServer) -> None:
    base = corpus_server.base_url
    targets = (CrawlTarget(f"{base}/hanoi-ledger/news/no-such-story.html", "hanoi-ledger"),)
    result = crawl(CrawlJob(targets=targets, download_delay_s=0.0, allow_private=True))
    assert [(f.status, f.reason) for f in result.failures] == [(404, "HTTP 404")]
    refused = crawl(CrawlJob(targets=targets, download_delay_s=0.0, allow_private=False))
    assert refused.pages == [] and len(refused.skipped) + len(refused.failures) == 1
