"""The Scrapy spider: fetches article pages, walks site start pages inside their scope, and reads
sitemaps (indexes included) for their recent URLs. It never leaves a target's domains."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from claimwatch.crawlers.job import CrawlJob, CrawlTarget
from claimwatch.crawlers.robots import RobotsRules
from claimwatch.crawlers.sitemaps import parse_sitemap, recent
from claimwatch.crawlers.urls import (
    canonical_or_none,
    canonicalize,
    in_domains,
    in_scope,
    url_problem,
)

HTML_TYPES = ("text/html", "application/xhtml+xml")
MAX_SITEMAP_DEPTH = 2  # an index of indexes, then URL sets


ARCHIVED_HEADERS = (b"Content-Type", b"Content-Language", b"Date", b"Last-Modified", b"ETag")


def _kept_headers(response: Response) -> dict[str, str]:
    """The response headers the evidence archive keeps with the page."""
    kept = {}
    for name in ARCHIVED_HEADERS:
        value = response.headers.get(name)
        if value:
            kept[name.decode().lower()] = value.decode("latin-1")[:500]
    return kept


class PageSpider(Spider):
    """Yields ``{"kind": "page", ...}`` for every HTML page fetched, ``{"kind": "failure", ...}`` for
    every page that could not be, and ``{"kind": "skipped", ...}`` for every page refused on
    purpose (robots.txt, URL policy, outside the source). Start pages and sitemaps are read for
    their links, not yielded."""

    name = "claimwatch-pages"

    def __init__(self, job: CrawlJob, robots: RobotsRules | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job = job
        self.robots = robots  # read by RobotsPolicyMiddleware for every request
        self.seen: set[str] = set(job.skip_urls)
        self.pages_per_source: dict[str, int] = {}

    async def start(self) -> AsyncIterator[Any]:
        for target in self.job.targets:
            problem = url_problem(target.url)
            if problem is not None:  # a bad URL in the sources file fails its source alone
                yield self._failure(target, target.url, f"refused: {problem}", None)
                continue
            canonical = canonicalize(target.url)
            hub = target.follow or target.sitemap
            if not hub and canonical in self.seen:
                continue
            self.seen.add(canonical)
            if target.sitemap:
                yield self._sitemap_request(target.url, target, depth=0)
            else:
                yield self._request(target.url, target, depth_left=target.max_depth, hub=hub)
            if target.follow:
                for sitemap in self._robots_sitemaps(target):
                    yield self._sitemap_request(sitemap.url, sitemap, depth=0)

    def _robots_sitemaps(self, site: CrawlTarget) -> list[CrawlTarget]:
        """The ``Sitemap:`` lines of a site's robots.txt that lie inside the site's domains, as
        sitemap targets of the same source, scope and budget."""
        if self.robots is None:
            return []
        found = []
        for url in self.robots.for_url(site.url).sitemaps():
            canonical = canonical_or_none(url)
            if canonical is None or canonical in self.seen or not in_domains(url, site.domains):
                continue
            self.seen.add(canonical)
            found.append(replace(site, url=url, follow=False, max_depth=0, sitemap=True))
        return found

    @staticmethod
    def _meta(target: CrawlTarget, **extra: Any) -> dict[str, Any]:
        return {"target": target, "claimwatch_domains": target.domains, **extra}

    def _request(self, url: str, target: CrawlTarget, *, depth_left: int, hub: bool) -> Request:
        return Request(
            url,
            callback=self.parse_page,
            errback=self.failed,
            # The spider dedupes URLs itself; Scrapy's filter would silently drop a redirect loop.
            dont_filter=True,
            meta=self._meta(target, depth_left=depth_left, hub=hub),
        )

    def _sitemap_request(self, url: str, target: CrawlTarget, *, depth: int) -> Request:
        return Request(
            url,
            callback=self.parse_sitemap,
            errback=self.failed,
            dont_filter=True,
            meta=self._meta(target, sitemap_depth=depth),
        )

    def _allowed(self, url: str, target: CrawlTarget, *, scoped: bool) -> bool:
        if target.domains and not in_domains(url, target.domains):
            return False
        return not (scoped and target.scope) or in_scope(url, target.scope)

    def _take_budget(self, target: CrawlTarget) -> bool:
        used = self.pages_per_source.get(target.source, 0)
        if used >= target.max_pages:
            return False
        self.pages_per_source[target.source] = used + 1
        return True

    def parse_page(self, response: Response) -> Iterator[Any]:
        target: CrawlTarget = response.meta["target"]
        content_type = (response.headers.get(b"Content-Type", b"") or b"").decode(errors="replace")
        if not isinstance(response, TextResponse) or not content_type.lower().startswith(
            HTML_TYPES
        ):
            yield self._failure(
                target, response.url, f"not HTML ({content_type or 'no type'})", response.status
            )
            return
        if not response.body.strip():
            yield self._failure(target, response.url, "empty body", response.status)
            return
        if not response.meta["hub"]:
            yield {
                "kind": "page",
                "source": target.source,
                "url": response.url,
                "status": response.status,
                "html": response.text,
                "body_b64": base64.b64encode(response.body).decode("ascii"),
                "headers": _kept_headers(response),
                "fetched_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            }
        depth_left: int = response.meta["depth_left"]
        if depth_left > 0:
            yield from self._follow_links(response, target, depth_left - 1)

    def _follow_links(
        self, response: TextResponse, target: CrawlTarget, depth_left: int
    ) -> Iterator[Request]:
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href.strip())
            if not url.startswith(("http://", "https://")):
                continue
            canonical = canonical_or_none(url)
            if (
                canonical is None
                or canonical in self.seen
                or not self._allowed(canonical, target, scoped=True)
            ):
                continue
            if not self._take_budget(target):
                return
            self.seen.add(canonical)
            yield self._request(url, target, depth_left=depth_left, hub=False)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        target: CrawlTarget = response.meta["target"]
        sitemap = parse_sitemap(response.body)
        if sitemap.kind == "unknown":
            yield self._failure(target, response.url, "not a sitemap", response.status)
            return
        depth: int = response.meta["sitemap_depth"]
        for entry in recent(sitemap.entries, target.max_age_days):
            canonical = canonical_or_none(entry.url)
            if canonical is None or canonical in self.seen:
                continue
            if sitemap.kind == "sitemapindex":
                if depth < MAX_SITEMAP_DEPTH and self._allowed(canonical, target, scoped=False):
                    self.seen.add(canonical)
                    yield self._sitemap_request(entry.url, target, depth=depth + 1)
                continue
            if not self._allowed(canonical, target, scoped=True):
                continue
            if not self._take_budget(target):
                return
            self.seen.add(canonical)
            yield self._request(entry.url, target, depth_left=0, hub=False)

    def failed(self, failure: Failure) -> Iterator[dict[str, Any]]:
        request = failure.request  # type: ignore[attr-defined]
        target: CrawlTarget = request.meta["target"]
        url = (request.meta.get("redirect_urls") or [request.url])[0]  # the URL the source gave
        via = f" (redirected to {request.url})" if url != request.url else ""
        message = failure.getErrorMessage()
        if "max redirections" in message:
            yield self._failure(target, url, f"redirect loop: {message}{via}", None)
            return
        # HttpError (a non-2xx answer) is an IgnoreRequest too, but it is a failure, not a refusal.
        refused = failure.check(IgnoreRequest) and not failure.check(HttpError)  # type: ignore[no-untyped-call]
        if refused:  # robots.txt, URL policy, outside the source's domains
            yield {
                "kind": "skipped",
                "source": target.source,
                "url": url,
                "reason": message + via,
                "status": None,
            }
            return
        response = getattr(failure.value, "response", None)
        status = response.status if response is not None else None
        reason = f"HTTP {status}" if status else f"{type(failure.value).__name__}: {message}"
        yield self._failure(target, url, reason + via, status)

    @staticmethod
    def _failure(target: CrawlTarget, url: str, reason: str, status: int | None) -> dict[str, Any]:
        return {
            "kind": "failure",
            "source": target.source,
            "url": url,
            "reason": reason,
            "status": status,
        }
