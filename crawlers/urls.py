"""URL policy: canonical forms for dedup, and which URLs a crawl may fetch at all.

Canonical form: lower-case scheme and host, no default port, no fragment, no tracking parameters
(``utm_*``, ``fbclid``, ``gclid`` …), remaining query parameters sorted, and the AMP or mobile
variant of a page folded into the page itself (``m.``/``amp.`` hosts, ``/amp`` paths, ``?amp``). Fetchable: http(s) only,
and never a loopback, private, link-local or reserved address unless the caller allows private
hosts explicitly (the demo does, for its 127.0.0.1 server).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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
PRIVATE_HOSTNAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonicalize(url: str) -> str:
    """The form under which an article URL is stored and compared."""
    parts = urlsplit(url.strip())
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
    try:
        return canonicalize(url)
    except ValueError:
        return None


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


def is_private_host(host: str) -> bool:
    """Loopback, private, link-local, reserved or unspecified addresses, and localhost names."""
    name = host.strip("[]").lower().rstrip(".")
    if name in PRIVATE_HOSTNAMES or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_unspecified
        or address.is_multicast
    )


def check_fetchable(url: str, *, allow_private: bool = False) -> str:
    """Return ``url`` if a crawl may fetch it; raise ``PermanentFetchError`` saying why not."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise PermanentFetchError(
            url, f"refused: scheme {parts.scheme or '(none)'!r} is not http(s)"
        )
    if not parts.hostname:
        raise PermanentFetchError(url, "refused: no host")
    if not allow_private and is_private_host(parts.hostname):
        raise PermanentFetchError(
            url, f"refused: {parts.hostname} is a private or loopback address"
        )
    return url


def in_scope(url: str, prefixes: tuple[str, ...]) -> bool:
    """Whether ``url`` falls under one of the canonical URL ``prefixes`` of a source."""
    canonical = canonicalize(url)
    return any(canonical.startswith(prefix) for prefix in prefixes)


def default_scope(start_url: str) -> str:
    """A site source's default scope: the directory of its start URL, on the same host."""
    canonical = canonicalize(start_url)
    parts = urlsplit(canonical)
    directory = parts.path.rsplit("/", 1)[0] + "/"
    return urlunsplit((parts.scheme, parts.netloc, directory, "", ""))


def default_domain(url: str) -> str:
    """A source's default domain: its URL's host without a leading ``www.``."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return host.removeprefix("www.")


def in_domains(url: str, domains: tuple[str, ...]) -> bool:
    """Whether ``url``'s host is one of ``domains`` or a subdomain of one."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in domains)
