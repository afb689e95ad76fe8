"""Limits on signing in: back-off after failed passwords, and a bound on password checks at once.

``LoginThrottle`` counts failed sign-ins per username and per client address. After
``login_failures_per_user`` failures of one name (or ``login_failures_per_address`` from one
address, whatever the names) the name (or address) is locked for ``login_lock_s`` seconds, and
each further failure doubles the lock, up to ``login_lock_max_s``. While locked, a sign-in is
refused with 429 and ``Retry-After`` before its password is even checked, so the right password
does not get in during a lock either. Failures are forgotten ``login_forget_s`` after the last
one; a successful sign-in forgets its username's.

``PasswordChecks`` lets ``password_checks_at_once`` argon2id checks (64 MiB each) run together;
a sign-in waits up to ``password_check_wait_s`` for a free slot, else it is answered 503.

Both live in the web server's memory: with several worker processes each keeps its own counts
(an attacker spread over N workers gets N times the attempts), and a restart forgets them.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from claimwatch.settings import Settings

MAX_TRACKED = 10_000  # names and addresses remembered at once; the least recent go first


@dataclass
class Failures:
    """The failed sign-ins of one username or one address."""

    count: int = 0
    last_at: float = 0.0
    locked_until: float = 0.0


@dataclass(frozen=True)
class BackOff:
    """When failures start locking, and for how long."""

    per_user: int
    per_address: int
    first_lock_s: float
    max_lock_s: float
    forget_s: float

    @classmethod
    def from_settings(cls, settings: Settings) -> BackOff:
        return cls(
            per_user=settings.login_failures_per_user,
            per_address=settings.login_failures_per_address,
            first_lock_s=settings.login_lock_s,
            max_lock_s=settings.login_lock_max_s,
            forget_s=settings.login_forget_s,
        )

    def lock_s(self, failures: int, allowed: int) -> float:
        """The lock after the ``failures``-th failure (none before ``allowed`` failures)."""
        if failures < allowed:
            return 0.0
        doublings = min(failures - allowed, 60)
        return float(min(self.first_lock_s * 2**doublings, self.max_lock_s))


class LoginThrottle:
    """Failed sign-ins per username and per client address, with exponential back-off."""

    def __init__(self, backoff: BackOff, clock: Callable[[], float] = time.monotonic) -> None:
        self.backoff = backoff
        self.clock = clock
        self._failures: OrderedDict[tuple[str, str], Failures] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _keys(username: str, address: str) -> tuple[tuple[str, str], tuple[str, str]]:
        return ("user", username.strip().casefold()), ("address", address)

    def _current(self, key: tuple[str, str], now: float) -> Failures | None:
        found = self._failures.get(key)
        if (
            found is not None
            and now >= found.locked_until
            and now - found.last_at > (self.backoff.forget_s)
        ):
            del self._failures[key]
            return None
        return found

    def retry_after(self, username: str, address: str) -> float:
        """Seconds until this name and address may try again (0: they may now)."""
        with self._lock:
            now = self.clock()
            waits = [
                found.locked_until - now
                for key in self._keys(username, address)
                if (found := self._current(key, now)) is not None
            ]
        return max([0.0, *waits])

    def failed(self, username: str, address: str) -> None:
        """Count a wrong password (or unknown name) against the name and the address."""
        user_key, address_key = self._keys(username, address)
        with self._lock:
            now = self.clock()
            self._count(user_key, self.backoff.per_user, now)
            self._count(address_key, self.backoff.per_address, now)

    def _count(self, key: tuple[str, str], allowed: int, now: float) -> None:
        found = self._current(key, now) or Failures()
        found.count += 1
        found.last_at = now
        found.locked_until = now + self.backoff.lock_s(found.count, allowed)
        self._failures[key] = found
        self._failures.move_to_end(key)
        while len(self._failures) > MAX_TRACKED:
            self._failures.popitem(last=False)

    def succeeded(self, username: str) -> None:
        """Forget the failures of a name that just signed in (its address keeps its count)."""
        user_key, _ = self._keys(username, "")
        with self._lock:
            self._failures.pop(user_key, None)


class PasswordChecks:
    """At most ``slots`` password checks at once; others wait up to ``wait_s`` for a slot."""

    def __init__(self, slots: int, wait_s: float) -> None:
        self._slots = threading.BoundedSemaphore(slots)
        self.wait_s = wait_s

    @contextmanager
    def slot(self) -> Iterator[bool]:
        """Yields whether a slot was had (``False``: the caller must refuse, busy)."""
        acquired = self._slots.acquire(timeout=self.wait_s)
        try:
            yield acquired
        finally:
            if acquired:
                self._slots.release()


def retry_after_header(seconds: float) -> dict[str, str]:
    """``Retry-After`` in whole seconds (at least 1)."""
    return {"Retry-After": str(max(1, math.ceil(seconds)))}
