"""URL policy: canonical forms for dedup, and which URLs a crawl may fetch at all.

Canonical form: lower-case scheme and host, no default port, no fragment, no tracking parameters
(``utm_*``, ``fbclid``, ``gclid`` …), remaining query parameters sorted, and the AMP or mobile
variant of a page folded into the page itself (``m.``/``amp.`` hosts, ``/amp`` paths, ``?amp``).

Valid: http(s), a host that parses (an IPv4 host in any numeric form is read as browsers read
it), a port from 1 to 65535, no spaces or control characters, at most ``MAX_URL_CHARS``
characters. Fetchable: valid, and never a
loopback, private, link-local or reserved address unless the caller allows private hosts
explicitly (the demo does, for its 127.0.0.1 server). This check reads the URL alone; the
addresses a name resolves to are checked again when connecting (``claimwatch.crawlers.guarded_http`` for
feeds, ``claimwatch.crawlers.resolver`` for the Scrapy crawl).

A URL that cannot be parsed at all is its own canonical form, so that a bad URL in the sources
file fails only its source.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

from claimwatch.crawlers.addresses import InvalidHostError, is_public_address, numeric_host
from claimwatch.errors import PermanentFetchError

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "ocid",
        "cmpid",
        "ref_src",
        "_ga",
        "yclid",
    }
)
TRACKING_PREFIXES = ("utm_", "at_", "pk_")
DEFAULT_PORTS = {"http": 80, "https": 443}
MOBILE_HOST_PREFIXES = ("m.", "amp.", "mobile.")
PRIVATE_HOSTNAMES = frozenset(
    {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
)
MAX_URL_CHARS = 2048  # the length of ``article.url``; longer URLs are refused, never cut
_UNSAFE_CHARACTERS = re.compile(r"[\x00-\x20\x7f]")


def split_or_none(url: str) -> SplitResult | None:
    """``urlsplit(url)`` with its port checked, or None when either raises (``http://[zz``)."""
    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError:
        return None
    return parts


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonicalize(url: str) -> str:
    """The form under which an article URL is stored and compared (an unparseable URL is
    returned as it is: it is its own canonical form)."""
    parts = split_or_none(url.strip())
    if parts is None:
        return url.strip()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    netloc = host if port is None or DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    if ":" in host and not host.startswith("["):
        netloc = f"[{host}]" if port is None else f"[{host}]:{port}"
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not _is_tracking(k) and not _is_amp_param(k, v)
    )
    netloc = _desktop_host(netloc)
    path = _desktop_path(parts.path or "/")
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def canonical_or_none(url: str) -> str | None:
    """The canonical form, or None for a URL that cannot be parsed (a bad port, say)."""
    return canonicalize(url) if split_or_none(url.strip()) is not None else None


def _is_amp_param(name: str, value: str) -> bool:
    return name.lower() == "amp" or (
        name.lower() in ("outputtype", "output") and value.lower() == "amp"
    )


def _desktop_host(netloc: str) -> str:
    """``m.example.com`` and ``amp.example.com`` are variants of ``example.com``."""
    for prefix in MOBILE_HOST_PREFIXES:
        rest = netloc.removeprefix(prefix)
        if rest != netloc and rest.count(".") >= 1 and not rest.startswith("["):
            return rest
    return netloc


def _desktop_path(path: str) -> str:
    """``/story/amp``, ``/amp/story`` and ``/story.amp.html`` are variants of the story."""
    if path.startswith("/amp/"):
        path = path[4:]
    for suffix in ("/amp/", "/amp"):
        if path.endswith(suffix) and len(path) > len(suffix):
            path = path[: -len(suffix)]
            break
    return path.replace(".amp.", ".") if path.endswith((".amp.html", ".amp.htm")) else path


def _private_host_reason(host: str) -> str | None:
    """Why ``host`` is private (a localhost name, or the address it spells), or None."""
    name = host.strip().strip("[]").lower().rstrip(".")
    if name in PRIVATE_HOSTNAMES or name.endswith(".localhost"):
        return f"{host} is a private or loopback address"
    try:
        address = numeric_host(name)
    except InvalidHostError as exc:
        return str(exc)
    if address is None or is_public_address(address):
        return None
    spelled = "" if str(address) == name else f" ({address})"
    return f"{host} is a private or loopback address{spelled}"


def is_private_host(host: str) -> bool:
    """Loopback, private, link-local, reserved or unspecified addresses in any numeric form
    (``127.1``, ``2130706433``, ``0x7f000001``, ``::ffff:127.0.0.1``), and localhost names. A host
    that looks numeric but is no valid address counts as private: it must not be fetched."""
    return _private_host_reason(host) is not None


def url_problem(url: str) -> str | None:
    """Why ``url`` is not a valid http(s) URL to fetch, or None when it is one."""
    if len(url) > MAX_URL_CHARS:
        return f"longer than {MAX_URL_CHARS} characters ({len(url)})"
    if _UNSAFE_CHARACTERS.search(url):
        return "contains spaces or control characters"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    if parts.scheme not in ("http", "https"):
        return f"scheme {parts.scheme or '(none)'!r} is not http(s)"
    if not parts.hostname:
        return "no host"
    if port == 0:
        return "port 0 is not a valid port"
    try:
        numeric_host(parts.hostname)
    except InvalidHostError as exc:
        return str(exc)
    return None


def check_fetchable(url: str, *, allow_private: bool = False) -> str:
    """Return ``url`` if a crawl may fetch it; raise ``PermanentFetchError`` saying why not.
    Never raises anything else, whatever ``url`` holds."""
    problem = url_problem(url)
    if problem is not None:
        raise PermanentFetchError(url, f"refused: {problem}")
    reason = None if allow_private else _private_host_reason(urlsplit(url).hostname or "")
    if reason is not None:
        raise PermanentFetchError(url, f"refused: {reason}")
    return url


def in_scope(url: str, prefixes: tuple[str, ...]) -> bool:
    """Whether ``url`` falls under one of the canonical URL ``prefixes`` of a source."""
    canonical = canonicalize(url)
    return any(canonical.startswith(prefix) for prefix in prefixes)


def default_scope(start_url: str) -> str:
    """A site source's default scope: the directory of its start URL, on the same host."""
    canonical = canonicalize(start_url)
    parts = split_or_none(canonical)
    if parts is None:
        return canonical
    directory = parts.path.rsplit("/", 1)[0] + "/"
    return urlunsplit((parts.scheme, parts.netloc, directory, "", ""))


def default_domain(url: str) -> str:
    """A source's default domain: its URL's host without a leading ``www.`` ("" if none)."""
    parts = split_or_none(url)
    host = ((parts.hostname if parts else None) or "").lower().rstrip(".")
    return host.removeprefix("www.")


def in_domains(url: str, domains: tuple[str, ...]) -> bool:
    """Whether ``url``'s host is one of ``domains`` or a subdomain of one."""
    parts = split_or_none(url)
    host = ((parts.hostname if parts else None) or "").lower().rstrip(".")
    return bool(host) and any(host == d or host.endswith("." + d) for d in domains)
