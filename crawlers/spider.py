"""The Scrapy spider that fetches article pages and walks site start pages inside their scope."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawlers.job import CrawlJob, CrawlTarget
from crawlers.urls import canonicalize, in_scope

HTML_TYPES = (b"text/html", b"application/xhtml+xml")


class PageSpider(Spider):
    """Yields ``{"kind": "page", ...}`` for every HTML page fetched, ``{"kind": "failure", ...}`` for
    every page that could not be, and ``{"kind": "skipped", ...}`` for every page refused on
    purpose (robots.txt, URL policy). Start pages of sites are walked, not yielded."""

    name = "claimwatch-pages"

    def __init__(self, job: CrawlJob, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job = job
        self.seen: set[str] = set(job.skip_urls)
        self.pages_per_source: dict[str, int] = {}

    async def start(self) -> AsyncIterator[Any]:
        for target in self.job.targets:
            canonical = canonicalize(target.url)
            if not target.follow and canonical in self.seen:
                continue
            self.seen.add(canonical)
            yield self._request(target.url, target, depth_left=target.max_depth, hub=target.follow)

    def _request(self, url: str, target: CrawlTarget, *, depth_left: int, hub: bool) -> Request:
        return Request(
            url,
            callback=self.parse_page,
            errback=self.failed,
            dont_filter=hub,
            meta={"target": target, "depth_left": depth_left, "hub": hub},
        )

    def parse_page(self, response: Response) -> Iterator[Any]:
        target: CrawlTarget = response.meta["target"]
        content_type = response.headers.get(b"Content-Type", b"") or b""
        if not isinstance(response, TextResponse) or not content_type.startswith(HTML_TYPES):
            yield self._failure(
                target,
                response.url,
                f"not HTML ({content_type.decode(errors='replace')})",
                response.status,
            )
            return
        if not response.meta["hub"]:
            yield {
                "kind": "page",
                "source": target.source,
                "url": response.url,
                "status": response.status,
                "html": response.text,
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
            canonical = canonicalize(url)
            if canonical in self.seen or not in_scope(canonical, target.scope):
                continue
            if self.pages_per_source.get(target.source, 0) >= target.max_pages:
                return
            self.seen.add(canonical)
            self.pages_per_source[target.source] = self.pages_per_source.get(target.source, 0) + 1
            yield self._request(url, target, depth_left=depth_left, hub=False)

    def failed(self, failure: Failure) -> Iterator[dict[str, Any]]:
        request = failure.request  # type: ignore[attr-defined]
        # HttpError (a non-2xx answer) is an IgnoreRequest too, but it is a failure, not a refusal.
        refused = failure.check(IgnoreRequest) and not failure.check(HttpError)  # type: ignore[no-untyped-call]
        if refused:  # robots.txt, URL policy
            yield {
                "kind": "skipped",
                "source": request.meta["target"].source,
                "url": request.url,
                "reason": failure.getErrorMessage(),
                "status": None,
            }
            return
        response = getattr(failure.value, "response", None)
        status = response.status if response is not None else None
        reason = (
            f"HTTP {status}"
            if status
            else f"{type(failure.value).__name__}: {failure.getErrorMessage()}"
        )
        yield self._failure(request.meta["target"], request.url, reason, status)

    @staticmethod
    def _failure(target: CrawlTarget, url: str, reason: str, status: int | None) -> dict[str, Any]:
        return {
            "kind": "failure",
            "source": target.source,
            "url": url,
            "reason": reason,
            "status": status,
        }
