"""Which network addresses a crawl may connect to, and how a URL's host names one.

A host is read the way browsers read it (the WHATWG URL standard): a host whose last label is a
number is an IPv4 address in any of the forms ``inet_aton`` accepts (``2130706433``,
``0x7f000001``, ``0177.0.0.1``, ``127.1``, ``0``), and must be a valid one; an IPv6 host may embed
an IPv4 address (``::ffff:127.0.0.1``), which is judged as that IPv4 address. Only globally
routable unicast addresses are public; loopback, private, link-local, shared (CGNAT), reserved,
documentation, unspecified and multicast addresses are not.
"""

from __future__ import annotations

import ipaddress
import socket

from claimwatch.errors import PermanentFetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

NAT64_PREFIX = ipaddress.IPv6Network("64:ff9b::/96")
SITE_LOCAL = ipaddress.IPv6Network("fec0::/10")


class InvalidHostError(ValueError):
    """A host that no resolver should be asked about (an IPv4 form out of range, say)."""


def _ipv4_number(part: str) -> int | None:
    """One dotted part of an IPv4 host: decimal, octal (leading 0) or hex (0x); None if not one."""
    if not part:
        return None
    base, digits = 10, part
    if part[:2].lower() == "0x":
        base, digits = 16, part[2:]
    elif len(part) > 1 and part.startswith("0"):
        base, digits = 8, part[1:]
    if not digits:
        return 0
    try:
        return int(digits, base) if digits.isascii() and digits.isalnum() else None
    except ValueError:
        return None


def _ends_in_a_number(labels: list[str]) -> bool:
    """Whether the host is meant as an IPv4 address: its last label is decimal digits or hex."""
    last = labels[-1]
    if last.isascii() and last.isdigit():
        return True
    return last[:2].lower() == "0x" and _ipv4_number(last) is not None


def _parse_ipv4(host: str) -> ipaddress.IPv4Address:
    labels = host.split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels.pop()
    numbers = [_ipv4_number(label) for label in labels]
    if len(labels) > 4 or any(n is None for n in numbers):
        raise InvalidHostError(f"{host!r} is not a valid IPv4 address")
    values = [n for n in numbers if n is not None]
    *leading, last = values
    if any(n > 255 for n in leading) or last >= 256 ** (5 - len(values)):
        raise InvalidHostError(f"{host!r} is not a valid IPv4 address (a part is out of range)")
    value = last + sum(n << (8 * (3 - i)) for i, n in enumerate(leading))
    return ipaddress.IPv4Address(value)


def numeric_host(host: str) -> IPAddress | None:
    """The address a URL host names literally, or None for a name. Raises ``InvalidHostError``
    for a host that looks numeric but is no valid address."""
    name = host.strip().lower()
    if name.startswith("[") or ":" in name:
        try:
            return ipaddress.IPv6Address(name.strip("[]"))
        except ValueError as exc:
            raise InvalidHostError(f"{host!r} is not a valid IPv6 address") from exc
    labels = name.split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels.pop()
    if not labels or not _ends_in_a_number(labels):
        return None
    return _parse_ipv4(name)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (IPv4-mapped, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64_PREFIX:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public_address(address: IPAddress) -> bool:
    """Whether ``address`` is a globally routable unicast address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id is not None:
            return False
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return is_public_address(embedded)
        if address in SITE_LOCAL:
            return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_unspecified
        or address.is_multicast
    )


def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to for a TCP connection, in the resolver's order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def refuse_private_addresses(host: str, addresses: list[str]) -> None:
    """Raise ``PermanentFetchError`` if any of the addresses ``host`` resolved to is not public:
    a name that answers with a private address at all is not fetched."""
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if not is_public_address(address):
            raise PermanentFetchError(
                host, f"refused: {host} resolves to a private or loopback address ({address})"
            )
