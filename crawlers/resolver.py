"""The Scrapy crawl's DNS resolver: Scrapy's caching resolver, refusing private answers.

Twisted connects to the address the resolver returns, so checking that address is checking the
connection itself: a name that resolves to a loopback or private address (``localhost.``, a
rebinding domain) is never connected to, whatever the URL said. Twisted asks the resolver about IP
literals too (its host-name endpoint resolves every host), so numeric hosts are covered as well;
the URL policy middleware refuses them earlier still. Scrapy setting:
``URL_POLICY_ALLOW_PRIVATE_HOSTS``.

The hosts of the proxies the environment configures (``http_proxy``, ``https_proxy``, which
Scrapy's proxy middleware uses) are the operator's own and are connected to whatever their
address. Through a proxy, the proxy resolves the sites' names; only the URL policy applies then.

A refusal reaches Scrapy as a failed DNS lookup without its reason; the reason is kept per host
(``refusal_of``) for ``claimwatch.crawlers.address_middleware`` to report.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.request import getproxies

from scrapy.crawler import Crawler
from scrapy.resolver import CachingThreadedResolver
from twisted.internet.base import ReactorBase
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError

from claimwatch.crawlers.addresses import refuse_private_addresses
from claimwatch.crawlers.urls import split_or_none
from claimwatch.errors import PermanentFetchError

_refusals: dict[str, str] = {}


def _key(host: str) -> str:
    return host.strip("[]").lower().rstrip(".")


def refusal_of(host: str) -> str | None:
    """Why the resolver refused ``host`` in this crawl, if it did."""
    return _refusals.get(_key(host))


def proxy_hosts() -> frozenset[str]:
    """The hosts of the proxies configured in the environment."""
    hosts = set()
    for scheme, url in getproxies().items():
        parts = None if scheme == "no" else split_or_none(url if "://" in url else f"http://{url}")
        if parts is not None and parts.hostname:
            hosts.add(_key(parts.hostname))
    return frozenset(hosts)


class PrivateAddressError(DNSLookupError):
    """A host resolved to an address the crawl may not connect to."""


class PublicAddressResolver(CachingThreadedResolver):
    """``CachingThreadedResolver`` that fails lookups answering a non-public address."""

    def __init__(
        self, reactor: ReactorBase, cache_size: int, timeout: float, *, allow_private: bool
    ) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.allow_private = allow_private
        self.trusted = proxy_hosts()

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: ReactorBase) -> PublicAddressResolver:
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(
            reactor,
            cache_size,
            settings.getfloat("DNS_TIMEOUT"),
            allow_private=settings.getbool("URL_POLICY_ALLOW_PRIVATE_HOSTS", False),
        )

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        lookup = super().getHostByName(name, timeout)
        if not self.allow_private and _key(name) not in self.trusted:
            lookup.addCallback(self.refuse_private, name)
        return lookup

    @staticmethod
    def refuse_private(address: str, name: str) -> str:
        """Pass a public ``address`` on; record and raise ``PrivateAddressError`` otherwise."""
        try:
            refuse_private_addresses(name, [address])
        except PermanentFetchError as exc:
            _refusals[_key(name)] = exc.reason
            raise PrivateAddressError(exc.reason) from exc
        return address
