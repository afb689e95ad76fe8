"""Entry point of the Scrapy process: ``python -m crawlers.scrapy_process JOB ITEMS STATS``.

Scrapy's reactor cannot restart inside one process, so every crawl runs in a fresh process; the
parent passes a ``CrawlJob`` as JSON and reads the pages back as JSON lines.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawlers.job import CrawlJob
from crawlers.spider import PageSpider


def scrapy_settings(job: CrawlJob, items: Path) -> Settings:
    """Scrapy settings for a polite crawl; every value comes from the job."""
    return Settings(
        {
            "USER_AGENT": job.user_agent,
            "ROBOTSTXT_OBEY": job.obey_robots,
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
            "CLAIMWATCH_ALLOW_PRIVATE": job.allow_private,
            "DOWNLOADER_MIDDLEWARES": {"crawlers.middleware.URLPolicyMiddleware": 50},
            "FEEDS": {str(items): {"format": "jsonlines", "encoding": "utf8", "overwrite": True}},
            # A shared HTTP cache that revalidates (ETag / Last-Modified) as browsers do: start
            # pages, sitemaps and robots.txt that did not change cost a 304 the next night.
            "HTTPCACHE_ENABLED": job.cache_dir is not None,
            "HTTPCACHE_DIR": job.cache_dir or "httpcache",
            "HTTPCACHE_POLICY": "scrapy.extensions.httpcache.RFC2616Policy",
            "HTTPCACHE_GZIP": True,
            "HTTPCACHE_IGNORE_HTTP_CODES": [*range(400, 600)],
        }
    )


def run(job_path: Path, items: Path, stats_path: Path) -> None:
    job = CrawlJob.from_json(job_path.read_text(encoding="utf-8"))
    process = CrawlerProcess(scrapy_settings(job, items), install_root_handler=True)
    crawler = process.create_crawler(PageSpider)
    process.crawl(crawler, job=job)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    stats_path.write_text(json.dumps(stats, default=str), encoding="utf-8")


if __name__ == "__main__":
    run(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
