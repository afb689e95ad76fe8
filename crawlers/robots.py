"""robots.txt for every request of a crawl, read once per origin (RFC 9309, with Protego).

Scrapy's own robots middleware hands a freshly parsed robots.txt only to the first request that
waited for it; the others queued at the start pass as allowed. Here each origin's robots.txt is
fetched before anything else is asked of that origin (all start targets' origins before the crawl
starts; an origin first met later, such as a subdomain a link leads to, when its first request is
made), through the same guarded client as feeds (URL and address policy, size cap, deadline).

The rules (RFC 9309 §2.3): a robots.txt that is missing or refused with a 4xx allows everything;
one the server fails on (5xx) or that times out disallows everything on that origin for this
crawl. When the origin cannot be reached at all (a name that does not resolve, a refused
connection, an address or URL the policy refuses) there is no verdict from robots.txt: the
request goes on to fail, or be refused, for that reason itself, which the report then names.
``Crawl-delay`` sets the delay between requests to that host (never below the crawl's
own delay), and ``Sitemap:`` lines are offered to site sources as extra sitemaps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
from protego import Protego

from claimwatch.crawlers.deadline import fetch_deadline
from claimwatch.errors import FetchError

MAX_ROBOTS_BYTES = 512 * 1024  # RFC 9309: at least 500 KiB must be read
ALLOW_ALL = "allow-all"
DISALLOW_ALL = "disallow-all"


def origin_of(url: str) -> str | None:
    """``scheme://host:port`` of ``url``, or None when it cannot even be split."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return f"{parts.scheme.lower()}://{(parts.netloc or '').lower()}"


@dataclass
class OriginRules:
    """What one origin's robots.txt says (or why there is none to follow)."""

    parser: Protego | None
    verdict: str = ""  # ALLOW_ALL or DISALLOW_ALL when there is no parser
    reason: str = ""

    def allows(self, url: str, user_agent: str) -> bool:
        if self.parser is None:
            return self.verdict == ALLOW_ALL
        return bool(self.parser.can_fetch(url, user_agent))

    def crawl_delay(self, user_agent: str) -> float | None:
        delay = self.parser.crawl_delay(user_agent) if self.parser is not None else None
        return float(delay) if delay else None

    def sitemaps(self) -> list[str]:
        return list(self.parser.sitemaps) if self.parser is not None else []


Fetch = Callable[[str], tuple[int, bytes]]


def http_fetch(client: httpx.Client, deadline_s: float) -> Fetch:
    """GET a robots.txt with ``client`` within ``deadline_s``; returns (status, body)."""

    def fetch(url: str) -> tuple[int, bytes]:
        with fetch_deadline(deadline_s), client.stream("GET", url) as response:
            body = b""
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) >= MAX_ROBOTS_BYTES:
                    break
            return response.status_code, body[:MAX_ROBOTS_BYTES]

    return fetch


@dataclass
class RobotsRules:
    """Every origin's rules for this crawl, read on first need."""

    user_agent: str
    fetch: Fetch
    origins: dict[str, OriginRules] = field(default_factory=dict)

    def for_url(self, url: str) -> OriginRules:
        origin = origin_of(url)
        if origin is None:  # the URL policy refuses it before any robots.txt matters
            return OriginRules(None, ALLOW_ALL, "not a URL")
        if origin not in self.origins:
            self.origins[origin] = self._read(origin)
        return self.origins[origin]

    def _read(self, origin: str) -> OriginRules:
        try:
            status, body = self.fetch(f"{origin}/robots.txt")
        except (httpx.TimeoutException, TimeoutError) as exc:
            return OriginRules(None, DISALLOW_ALL, f"robots.txt timed out ({exc})")
        except (FetchError, httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as exc:
            return OriginRules(None, ALLOW_ALL, f"no robots.txt verdict: {exc}")
        if 400 <= status < 500:
            return OriginRules(None, ALLOW_ALL, f"no robots.txt (HTTP {status})")
        if status >= 500:
            return OriginRules(None, DISALLOW_ALL, f"robots.txt failed (HTTP {status})")
        return OriginRules(Protego.parse(body.decode("utf-8", errors="replace")))

    def allows(self, url: str) -> bool:
        return self.for_url(url).allows(url, self.user_agent)

    def refusal(self, url: str) -> str:
        """Why ``url`` may not be fetched (for the run's report)."""
        rules = self.for_url(url)
        return f"refused by robots.txt{f': {rules.reason}' if rules.reason else ''}"

    def crawl_delays(self, floor_s: float) -> dict[str, float]:
        """Each host whose robots.txt asks for a delay, with that delay (at least ``floor_s``)."""
        delays = {}
        for origin, rules in self.origins.items():
            delay = rules.crawl_delay(self.user_agent)
            if delay is not None:
                delays[urlsplit(origin).hostname or ""] = max(delay, floor_s)
        return delays
