"""``claimwatch sources check``: fetch one source now and say what a run would read from it,
without storing anything (no database, no HTTP cache, no conditional request)."""

from __future__ import annotations

from dataclasses import dataclass, field

from claimwatch.crawlers.crawl import crawl
from claimwatch.crawlers.extract import extract_article
from claimwatch.crawlers.feeds import DEFAULT_FETCH_DEADLINE_S, fetch_feed, http_client
from claimwatch.crawlers.job import CrawlJob, CrawlTarget
from claimwatch.crawlers.sources import SourceConfig
from claimwatch.crawlers.urls import in_domains
from claimwatch.errors import FetchError
from claimwatch.pipeline.language import detect_article_language


@dataclass(frozen=True)
class CheckedPage:
    url: str
    title: str | None
    language: str | None
    chars: int
    problem: str | None = None


@dataclass
class SourceCheck:
    source: str
    kind: str
    url: str
    error: str | None = None
    feed_problem: str | None = None
    entries: int = 0
    outside_domains: list[str] = field(default_factory=list)
    pages: list[CheckedPage] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def check_source(
    config: SourceConfig,
    *,
    user_agent: str,
    timeout_s: float,
    max_bytes: int,
    allow_private: bool,
    limit: int = 10,
    deadline_s: float = DEFAULT_FETCH_DEADLINE_S,
) -> SourceCheck:
    """Read ``config`` (already resolved) and fetch up to ``limit`` of its articles; each fetch
    is held to ``deadline_s`` seconds in all, as in a run."""
    check = SourceCheck(config.name, config.kind, config.url)
    targets: list[CrawlTarget] = []
    if config.kind == "feed":
        try:
            with http_client(user_agent, timeout_s, allow_private=allow_private) as client:
                feed = fetch_feed(
                    client,
                    config.url,
                    max_bytes=max_bytes,
                    allow_private=allow_private,
                    deadline_s=deadline_s,
                )
        except FetchError as exc:
            check.error = exc.reason
            return check
        check.entries, check.feed_problem = len(feed.entries), feed.problem
        for entry in feed.entries:
            if in_domains(entry.url, config.domains):
                targets.append(CrawlTarget(entry.url, config.name, domains=config.domains))
            else:
                check.outside_domains.append(entry.url)
        targets = targets[:limit]
    else:
        targets = [config.start_target(max_pages=limit)]
    job = CrawlJob(
        targets=tuple(targets),
        user_agent=user_agent,
        timeout_s=deadline_s,  # Scrapy's DOWNLOAD_TIMEOUT: a total deadline per page
        max_page_bytes=max_bytes,
        max_pages=limit + 1,
        download_delay_s=0.0 if allow_private else 0.5,
        allow_private=allow_private,
    )
    result = crawl(job, timeout_s=max(60.0, deadline_s * (limit + 2)))
    for page in result.pages:
        article = extract_article(page.html, page.url, max_chars=100_000)
        if article is None:
            check.pages.append(
                CheckedPage(page.url, None, None, 0, "not an article (too little text)")
            )
        else:
            language = detect_article_language(
                article.title, article.text, article.html_lang or config.language
            )
            check.pages.append(CheckedPage(article.url, article.title, language, len(article.text)))
    check.pages += [CheckedPage(f.url, None, None, 0, f.reason) for f in result.failures]
    start_failure = result.failure_of(config.url) if config.walked else None
    if start_failure is not None:
        check.error = start_failure.reason
    check.refused = [f"{s.url}: {s.reason}" for s in result.skipped]
    return check
