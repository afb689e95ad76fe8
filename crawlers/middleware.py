"""Scrapy downloader middleware that applies claimwatch's URL policy to every request, redirects
included: valid http(s) URLs only, no private or loopback hosts (in any numeric spelling) unless
the crawl allows them, and never a host outside the request's source domains
(``request.meta["claimwatch_domains"]``). Names are checked again on the addresses they resolve
to, when connecting (``claimwatch.crawlers.resolver``)."""

from __future__ import annotations

from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

from claimwatch.crawlers.urls import check_fetchable, in_domains
from claimwatch.errors import PermanentFetchError


class URLPolicyMiddleware:
    """Refuses requests the URL policy forbids. Scrapy setting: ``URL_POLICY_ALLOW_PRIVATE_HOSTS``
    (default False; the crawl sets it from ``CLAIMWATCH_ALLOW_PRIVATE_HOSTS``)."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> URLPolicyMiddleware:
        return cls(crawler.settings.getbool("URL_POLICY_ALLOW_PRIVATE_HOSTS", False))

    def process_request(self, request: Request, spider: Spider | None = None) -> Any:
        try:
            check_fetchable(request.url, allow_private=self.allow_private)
        except PermanentFetchError as exc:
            raise IgnoreRequest(exc.reason) from exc
        domains = request.meta.get("claimwatch_domains") or ()
        if domains and not in_domains(request.url, tuple(domains)):
            raise IgnoreRequest(f"refused: outside the source's domains ({', '.join(domains)})")
        return None
