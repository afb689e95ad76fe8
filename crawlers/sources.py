"""The source registry: ``sources.toml`` read, validated and resolved.

A source is a ``feed`` (RSS/Atom; its entries' links are crawled as articles), a ``site`` (a
start page whose links are followed ``max_depth`` levels, inside ``scope``) or a ``sitemap`` (a
news or standard XML sitemap, or a sitemap index; its recent URLs inside ``scope`` are crawled).
A crawl never leaves a source's ``domains`` (default: the host of its URL and that host's
subdomains, less a leading ``www.``). Any URL may use the
placeholder ``{demo}``, which only ``claimwatch demo`` resolves (to its 127.0.0.1 server); sources
in the ``demo`` group are read by the demo alone.

A source's URL must be a valid http(s) URL (``claimwatch.crawlers.urls.url_problem``: a host that parses, a
valid port, at most 2,048 characters). ``claimwatch sources add`` refuses any other. A file that
already holds one still loads: the entry is logged as an error naming the source and the field,
and that source alone fails in every run until its URL is fixed.
"""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from claimwatch.crawlers.feeds import FeedEntry
from claimwatch.crawlers.job import CrawlTarget
from claimwatch.crawlers.urls import canonicalize, default_domain, default_scope, url_problem
from claimwatch.errors import ConfigError

DEMO_PLACEHOLDER = "{demo}"
DEMO_GROUP = "demo"
KEEP_BAD_URL = "keep_bad_url"  # validation context: load an entry whose URL is invalid

logger = logging.getLogger(__name__)

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$")]


class SourceConfig(BaseModel):
    """One entry of ``sources.toml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Slug
    kind: Literal["feed", "site", "sitemap"]
    title: str | None = Field(default=None, min_length=1, max_length=200)
    url: str
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}$")
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    group: Slug = "default"
    enabled: bool = True
    max_depth: int = Field(default=1, ge=0, le=5)
    max_pages: int = Field(default=200, ge=1, le=100_000)
    scope: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    max_age_days: int = Field(default=3, ge=1, le=3650)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str, info: ValidationInfo) -> str:
        problem = source_url_problem(value)
        if problem is not None and not (info.context or {}).get(KEEP_BAD_URL):
            raise ValueError(f"must be a valid http(s) URL: {problem}")
        return value

    @property
    def url_problem(self) -> str | None:
        """Why this source's URL cannot be fetched at all, or None."""
        return source_url_problem(self.url)

    @property
    def walked(self) -> bool:
        """Read from a start URL (a site or a sitemap) rather than from a feed's entries."""
        return self.kind != "feed"

    def start_target(self, max_pages: int | None = None) -> CrawlTarget:
        """The crawl target of a site's start page or a sitemap (``max_pages`` lowers the budget)."""
        return CrawlTarget(
            self.url,
            self.name,
            follow=self.kind == "site",
            sitemap=self.kind == "sitemap",
            max_depth=self.max_depth,
            max_pages=min(max_pages or self.max_pages, self.max_pages),
            scope=self.scope,
            domains=self.domains,
            max_age_days=self.max_age_days,
        )

    def resolved(self, demo_base: str | None) -> SourceConfig:
        """This source with ``{demo}`` replaced and its scope defaulted and canonicalised."""
        url = self.url
        scope = self.scope
        if demo_base is not None:
            url = url.replace(DEMO_PLACEHOLDER, demo_base.rstrip("/"))
            scope = tuple(s.replace(DEMO_PLACEHOLDER, demo_base.rstrip("/")) for s in scope)
        if DEMO_PLACEHOLDER in url:
            raise ConfigError(f"source {self.name!r}: {DEMO_PLACEHOLDER} needs the demo server")
        domains = tuple(d.lower().strip(".") for d in self.domains) or (default_domain(url),)
        domains = tuple(d for d in domains if d)  # none for a URL without a usable host
        if self.kind == "site":
            scope = tuple(canonicalize(s) for s in scope) or (default_scope(url),)
        elif self.kind == "sitemap":
            scope = tuple(canonicalize(s) for s in scope)
        return self.model_copy(update={"url": url, "scope": scope, "domains": domains})


def source_url_problem(url: str) -> str | None:
    """Why ``url`` is no valid source URL (``{demo}`` stands for an http URL), or None."""
    return url_problem(url.replace(DEMO_PLACEHOLDER, "http://demo.invalid"))


def _only_url_errors(error: ValidationError) -> bool:
    return all(tuple(err["loc"]) == ("url",) for err in error.errors())


def _describe(error: ValidationError, index: int, entry: object) -> str:
    name = entry.get("name") if isinstance(entry, dict) else None
    label = f"source #{index + 1}" + (f" ({name!r})" if name else "")
    problems = []
    for err in error.errors():
        field = ".".join(str(p) for p in err["loc"]) or "(entry)"
        problems.append(f"field {field!r}: {err['msg']}")
    return f"{label}: " + "; ".join(problems)


def parse_sources(text: str, origin: str = "sources.toml") -> list[SourceConfig]:
    """Validate a sources document; the error names every bad entry and field."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{origin}: not valid TOML: {exc}") from exc
    unknown = set(document) - {"source"}
    if unknown:
        raise ConfigError(f"{origin}: unknown top-level keys {sorted(unknown)}; use [[source]]")
    entries = document.get("source", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{origin}: 'source' must be an array of tables ([[source]])")
    sources: list[SourceConfig] = []
    problems: list[str] = []
    for index, entry in enumerate(entries):
        try:
            sources.append(SourceConfig.model_validate(entry))
        except ValidationError as exc:
            if _only_url_errors(exc):
                sources.append(
                    _load_with_bad_url(entry, f"{origin}: {_describe(exc, index, entry)}")
                )
            else:
                problems.append(_describe(exc, index, entry))
    names = [s.name for s in sources]
    problems += [
        f"source name {n!r} is used twice" for n in sorted({n for n in names if names.count(n) > 1})
    ]
    if problems:
        raise ConfigError(f"{origin}: " + " | ".join(problems))
    return sources


def _load_with_bad_url(entry: Any, problem: str) -> SourceConfig:
    """An entry whose only fault is its URL: kept, so that its source fails alone in a run."""
    logger.error("%s; this source fails until its URL is fixed", problem)
    return SourceConfig.model_validate(entry, context={KEEP_BAD_URL: True})


def load_sources(path: Path) -> list[SourceConfig]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read sources file {path}: {exc.strerror}") from exc
    return parse_sources(text, origin=str(path))


def select_sources(
    sources: list[SourceConfig],
    *,
    demo_base: str | None = None,
    names: tuple[str, ...] = (),
) -> list[SourceConfig]:
    """The enabled sources a run reads: the demo group for the demo, every other group otherwise."""
    wanted = [
        s
        for s in sources
        if s.enabled
        and (s.group == DEMO_GROUP) == (demo_base is not None)
        and (not names or s.name in names)
    ]
    return [s.resolved(demo_base) for s in wanted]


def crawl_targets(
    configs: list[SourceConfig], entries: dict[str, list[FeedEntry]], known: set[str]
) -> tuple[CrawlTarget, ...]:
    """What one night fetches: each feed's entries not stored yet, at most its source's page
    budget (``max_pages``), then every walked site's start page or sitemap."""
    by_name = {c.name: c for c in configs}
    targets = [
        CrawlTarget(e.url, name, domains=by_name[name].domains)
        for name, items in entries.items()
        for e in [e for e in items if e.url not in known][: by_name[name].max_pages]
    ]
    targets += [c.start_target() for c in configs if c.walked]
    return tuple(targets)
