"""Scrapy downloader middleware that checks every request against its origin's robots.txt
(``claimwatch.crawlers.robots``), start requests, feed entries and followed links alike, and
keeps each host's ``Crawl-delay``. The spider holds the rules (``spider.robots``); without them
(robots.txt not obeyed) every request passes. Robots.txt files themselves always pass."""

from __future__ import annotations

from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

from claimwatch.crawlers.robots import RobotsRules


class RobotsPolicyMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RobotsPolicyMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> Any:
        rules: RobotsRules | None = getattr(spider or self.crawler.spider, "robots", None)
        if rules is None or request.url.endswith("/robots.txt"):
            return None
        if not rules.allows(request.url):
            raise IgnoreRequest(rules.refusal(request.url))
        if rules.for_url(request.url).crawl_delay(rules.user_agent):
            # AutoThrottle may raise a host's delay, never lower it below its Crawl-delay.
            request.meta["autothrottle_dont_adjust_delay"] = True
        return None
