"""The network layer under the feed client (httpx): the address policy applied when connecting.

The URL check (``claimwatch.crawlers.urls.check_fetchable``) reads host text only; a name can still resolve
to a private address, and resolve differently a second later (DNS rebinding). This backend
resolves each host itself, refuses it when any address is private (unless private hosts are
allowed), and connects to the very address it checked. Every connection goes through it: the
first request, every redirect hop, every retry. TLS still verifies the certificate against the
host name, not the address.

Its streams also cap each connect, read and write at the time left before the current fetch
deadline (``claimwatch.crawlers.deadline``).
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterable
from typing import Any

import httpcore
import httpx

from claimwatch.crawlers.addresses import refuse_private_addresses, resolve
from claimwatch.crawlers.deadline import capped

Resolver = Callable[[str, int], list[str]]


def _capped_or_raise(timeout: float | None, error: type[httpcore.TimeoutException]) -> float | None:
    try:
        return capped(timeout)
    except TimeoutError as exc:
        raise error(str(exc)) from exc


class DeadlineStream(httpcore.NetworkStream):
    """A connection whose reads and writes end at the current fetch deadline."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _capped_or_raise(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _capped_or_raise(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _capped_or_raise(timeout, httpcore.ConnectTimeout)
        return DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """Resolves, checks and connects to the checked address. ``resolver`` maps a host and port
    to addresses (``getaddrinfo`` by default)."""

    def __init__(self, *, allow_private: bool, resolver: Resolver = resolve) -> None:
        self.allow_private = allow_private
        self.resolver = resolver
        self._backend = httpcore.SyncBackend()

    def _addresses(self, host: str, port: int) -> list[str]:
        try:
            addresses = self.resolver(host, port)
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        if not addresses:
            raise httpcore.ConnectError(f"cannot resolve {host}: no address")
        if not self.allow_private:
            refuse_private_addresses(host, addresses)
        return addresses

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        error: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in self._addresses(host, port):
            try:
                stream = self._backend.connect_tcp(
                    address,
                    port,
                    timeout=_capped_or_raise(timeout, httpcore.ConnectTimeout),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
                continue
            return DeadlineStream(stream)
        assert error is not None
        raise error

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("feeds are read over TCP only")

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport (pooling, HTTP/1.1, TLS) over a ``GuardedBackend``. It never goes
    through a proxy: the address checked must be the address connected to."""

    def __init__(self, backend: GuardedBackend, limits: httpx.Limits | None = None) -> None:
        limits = limits or httpx.Limits(max_connections=100, max_keepalive_connections=20)
        super().__init__(limits=limits)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )


def guarded_transport(*, allow_private: bool, resolver: Resolver = resolve) -> GuardedTransport:
    """The transport the feed client is built with."""
    return GuardedTransport(GuardedBackend(allow_private=allow_private, resolver=resolver))
