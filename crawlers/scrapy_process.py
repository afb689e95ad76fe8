"""Entry point of the Scrapy process: ``python -m claimwatch.crawlers.scrapy_process JOB ITEMS STATS``.

Scrapy's reactor cannot restart inside one process, so every crawl runs in a fresh process; the
parent passes a ``CrawlJob`` as JSON and reads the pages back as JSON lines. A crawl whose parent
dies (a killed run) ends itself within a second: nobody would read what it fetched.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from claimwatch.crawlers.feeds import http_client
from claimwatch.crawlers.job import CrawlJob
from claimwatch.crawlers.robots import RobotsRules, http_fetch
from claimwatch.crawlers.spider import PageSpider
from claimwatch.crawlers.urls import url_problem


def scrapy_settings(
    job: CrawlJob, items: Path, crawl_delays: dict[str, float] | None = None
) -> Settings:
    """Scrapy settings for a polite crawl; every value comes from the job, and each host's
    ``Crawl-delay`` (``crawl_delays``) from its robots.txt."""
    return Settings(
        {
            "USER_AGENT": job.user_agent,
            # robots.txt is checked for every request by RobotsPolicyMiddleware (Scrapy's own
            # lets the start requests that wait for a robots.txt through unchecked).
            "ROBOTSTXT_OBEY": False,
            "DOWNLOAD_SLOTS": {
                host: {"delay": delay, "concurrency": 1, "jitter": 0.0}  # never under it
                for host, delay in (crawl_delays or {}).items()
            },
            # A total deadline per download (connection, headers and body), not per read:
            # Scrapy cancels the download when it runs out.
            "DOWNLOAD_TIMEOUT": job.timeout_s,
            "DOWNLOAD_MAXSIZE": job.max_page_bytes,
            "DOWNLOAD_WARNSIZE": 0,
            "DOWNLOAD_DELAY": job.download_delay_s,
            "AUTOTHROTTLE_ENABLED": True,
            "AUTOTHROTTLE_START_DELAY": max(job.download_delay_s, 0.01),
            "AUTOTHROTTLE_MAX_DELAY": 30.0,
            "CONCURRENT_REQUESTS": 16,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
            "CLOSESPIDER_PAGECOUNT": job.max_pages,
            "REDIRECT_MAX_TIMES": 5,
            "RETRY_TIMES": 2,
            "COOKIES_ENABLED": False,
            "TELNETCONSOLE_ENABLED": False,
            "LOG_LEVEL": "WARNING",
            "URL_POLICY_ALLOW_PRIVATE_HOSTS": job.allow_private,
            # The address policy where the connection is made: names resolving to private
            # addresses are refused, and reported as refused rather than retried.
            "TWISTED_DNS_RESOLVER": "claimwatch.crawlers.resolver.PublicAddressResolver",
            "DOWNLOADER_MIDDLEWARES": {
                "claimwatch.crawlers.middleware.URLPolicyMiddleware": 50,
                "claimwatch.crawlers.robots_middleware.RobotsPolicyMiddleware": 60,
                "claimwatch.crawlers.address_middleware.PrivateAddressMiddleware": 560,
            },
            "FEEDS": {str(items): {"format": "jsonlines", "encoding": "utf8", "overwrite": True}},
            # A shared HTTP cache that revalidates (ETag / Last-Modified) as browsers do: start
            # pages, sitemaps and robots.txt that did not change cost a 304 the next night.
            "HTTPCACHE_ENABLED": job.cache_dir is not None,
            "HTTPCACHE_DIR": job.cache_dir or "httpcache",
            "HTTPCACHE_POLICY": "scrapy.extensions.httpcache.RFC2616Policy",
            # Revalidate every page, as a browser's reload does: a page is only asked for when it
            # is new, updated, or a start page, so a cached copy must never stand in for it
            # unasked (heuristic freshness would hide an article edited overnight).
            "DEFAULT_REQUEST_HEADERS": {
                "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                "Cache-Control": "max-age=0",
            },
            "HTTPCACHE_GZIP": True,
            "HTTPCACHE_IGNORE_HTTP_CODES": [*range(400, 600)],
        }
    )


def robots_rules(job: CrawlJob) -> RobotsRules | None:
    """Every start target's robots.txt, read before the crawl starts (None: not obeyed)."""
    if not job.obey_robots:
        return None
    client = http_client(job.user_agent, job.timeout_s, allow_private=job.allow_private)
    rules = RobotsRules(job.user_agent, http_fetch(client, job.timeout_s))
    for target in job.targets:
        if url_problem(target.url) is None:  # a bad URL fails its source, robots.txt aside
            rules.for_url(target.url)
    return rules


def end_with_parent(parent: int, every_s: float = 1.0) -> threading.Thread:
    """Watch the parent process; when it is gone (this process was handed to another), exit."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every_s)
        os._exit(3)

    watcher = threading.Thread(target=watch, name="end-with-parent", daemon=True)
    watcher.start()
    return watcher


def run(job_path: Path, items: Path, stats_path: Path) -> None:
    end_with_parent(os.getppid())
    job = CrawlJob.from_json(job_path.read_text(encoding="utf-8"))
    robots = robots_rules(job)
    delays = robots.crawl_delays(job.download_delay_s) if robots else {}
    process = CrawlerProcess(scrapy_settings(job, items, delays), install_root_handler=True)
    crawler = process.create_crawler(PageSpider)
    process.crawl(crawler, job=job, robots=robots)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    stats_path.write_text(json.dumps(stats, default=str), encoding="utf-8")


if __name__ == "__main__":
    run(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
