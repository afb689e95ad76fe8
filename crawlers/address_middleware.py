"""Scrapy downloader middleware that reports a request whose host the resolver refused
(``claimwatch.crawlers.resolver``) as refused by the URL policy, not as a failed DNS lookup: the spider
records it as skipped with the resolver's reason, and it is not retried."""

from __future__ import annotations

from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached

from claimwatch.crawlers.resolver import refusal_of


class PrivateAddressMiddleware:
    """Runs its ``process_exception`` before ``RetryMiddleware``'s (order above 550)."""

    def process_exception(
        self, request: Request, exception: Exception, spider: Spider | None = None
    ) -> None:
        reason = refusal_of(urlparse_cached(request).hostname or "")
        if reason is not None:
            raise IgnoreRequest(reason) from exception
