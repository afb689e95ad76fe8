"""XML sitemaps: standard and Google News sitemaps, and sitemap indexes, parsed safely.

Entities are never resolved and malformed XML is read as far as it goes. An entry's date is its
``news:publication_date`` when present, else its ``lastmod``; ``recent`` keeps entries of the last
days (and those without a date, which a news sitemap rarely has).
"""

from __future__ import annotations

import datetime as dt
import gzip
from dataclasses import dataclass
from typing import Literal

from lxml import etree

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit, uncompressed


@dataclass(frozen=True)
class SitemapEntry:
    url: str
    published: dt.datetime | None


@dataclass(frozen=True)
class Sitemap:
    kind: Literal["urlset", "sitemapindex", "unknown"]
    entries: tuple[SitemapEntry, ...]


def _local(tag: object) -> str:
    return tag.split("}", 1)[-1] if isinstance(tag, str) else ""


def _date(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _entry(element: etree._Element) -> SitemapEntry | None:
    url, lastmod, published = None, None, None
    for child in element.iter():
        name = _local(child.tag)
        if name == "loc" and url is None and child.text:
            url = child.text.strip()
        elif name == "lastmod":
            lastmod = _date(child.text)
        elif name == "publication_date":
            published = _date(child.text)
    if not url or not url.startswith(("http://", "https://")):
        return None
    return SitemapEntry(url, published or lastmod)


def parse_sitemap(body: bytes) -> Sitemap:
    """The entries of a sitemap (gzip-compressed or not)."""
    if body[:2] == b"\x1f\x8b":
        try:
            body = gzip.decompress(body)[:MAX_SITEMAP_BYTES]
        except (OSError, EOFError):
            return Sitemap("unknown", ())
    parser = etree.XMLParser(resolve_entities=False, recover=True, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError:
        return Sitemap("unknown", ())
    if root is None or _local(root.tag) not in ("urlset", "sitemapindex"):
        return Sitemap("unknown", ())
    kind: Literal["urlset", "sitemapindex"] = (
        "urlset" if _local(root.tag) == "urlset" else "sitemapindex"
    )
    wanted = "url" if kind == "urlset" else "sitemap"
    entries = [_entry(child) for child in root if _local(child.tag) == wanted]
    return Sitemap(kind, tuple(e for e in entries if e is not None))


def recent(
    entries: tuple[SitemapEntry, ...], max_age_days: int, now: dt.datetime | None = None
) -> list[SitemapEntry]:
    """Entries published in the last ``max_age_days`` (undated ones are kept), newest first."""
    cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=max_age_days)
    kept = [e for e in entries if e.published is None or e.published >= cutoff]
    oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(kept, key=lambda e: e.published or oldest, reverse=True)
