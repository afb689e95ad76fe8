"""What one crawl is asked to do and what it hands back: plain, JSON-serialisable records shared
by the parent process and the Scrapy process."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from claimwatch.crawlers.urls import canonicalize


@dataclass(frozen=True)
class CrawlTarget:
    """A URL to fetch for ``source``: an article page, a site's start page whose links are
    followed ``max_depth`` levels inside ``scope`` (``follow``), or a sitemap whose URLs of the last
    ``max_age_days`` inside ``scope`` are fetched (``sitemap``). Nothing outside ``domains``
    (when given) is fetched, redirects included."""

    url: str
    source: str
    follow: bool = False
    max_depth: int = 0
    max_pages: int = 200
    scope: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    sitemap: bool = False
    max_age_days: int = 3


@dataclass(frozen=True)
class CrawlJob:
    targets: tuple[CrawlTarget, ...]
    skip_urls: tuple[str, ...] = ()
    user_agent: str = "claimwatch"
    timeout_s: float = 20.0
    max_page_bytes: int = 2_000_000
    max_pages: int = 2000
    download_delay_s: float = 0.5
    allow_private: bool = False
    obey_robots: bool = True
    cache_dir: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> CrawlJob:
        data = json.loads(text)
        targets = tuple(
            CrawlTarget(
                **{**t, "scope": tuple(t.get("scope", ())), "domains": tuple(t.get("domains", ()))}
            )
            for t in data.pop("targets")
        )
        return cls(targets=targets, **{**data, "skip_urls": tuple(data.get("skip_urls", ()))})


@dataclass(frozen=True)
class FetchedPage:
    """A fetched HTML page: its decoded text, and for the archive its bytes (base64), the
    response headers and the fetch time (ISO 8601, UTC)."""

    source: str
    url: str
    status: int
    html: str
    body_b64: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    fetched_at: str | None = None


@dataclass(frozen=True)
class CrawlFailure:
    source: str
    url: str
    reason: str
    status: int | None = None


@dataclass
class CrawlResult:
    pages: list[FetchedPage] = field(default_factory=list)
    failures: list[CrawlFailure] = field(default_factory=list)
    skipped: list[CrawlFailure] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    def failure_of(self, url: str) -> CrawlFailure | None:
        """The failure recorded for ``url`` (compared in canonical form), if it failed."""
        wanted = canonicalize(url)
        return next((f for f in self.failures if canonicalize(f.url) == wanted), None)

    @classmethod
    def read(cls, items: Path, stats: Path) -> CrawlResult:
        result = cls()
        if items.exists():
            for line in items.read_text(encoding="utf-8").splitlines():
                record = json.loads(line)
                kind = record.pop("kind")
                if kind == "page":
                    result.pages.append(FetchedPage(**record))
                elif kind == "skipped":
                    result.skipped.append(CrawlFailure(**record))
                else:
                    result.failures.append(CrawlFailure(**record))
        if stats.exists():
            result.stats = json.loads(stats.read_text(encoding="utf-8"))
        return result
