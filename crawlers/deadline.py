"""A total deadline for one fetch: connection, redirects, headers and body together.

HTTP clients time out each read, so a server that sends one byte every few seconds never trips
them. ``fetch_deadline`` marks when the fetch running in this thread (or task) must be done;
the guarded network streams (``claimwatch.crawlers.guarded_http``) cap every connect, read and write at the
time left and fail with a timeout once it has passed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

_ends_at: ContextVar[float | None] = ContextVar("claimwatch_fetch_deadline", default=None)


@dataclass(frozen=True)
class Deadline:
    """The deadline of the fetch in progress."""

    seconds: float
    ends_at: float

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self.ends_at


@contextmanager
def fetch_deadline(seconds: float) -> Iterator[Deadline]:
    """Everything fetched inside the block must be done within ``seconds`` (an enclosing,
    earlier deadline still applies)."""
    ends_at = time.monotonic() + seconds
    outer = _ends_at.get()
    token = _ends_at.set(ends_at if outer is None else min(outer, ends_at))
    try:
        yield Deadline(seconds, ends_at)
    finally:
        _ends_at.reset(token)


def time_left() -> float | None:
    """Seconds left before the current deadline (<= 0 once passed); None without one."""
    ends_at = _ends_at.get()
    return None if ends_at is None else ends_at - time.monotonic()


def capped(timeout: float | None) -> float | None:
    """``timeout`` lowered to the time left before the current deadline. Raises ``TimeoutError``
    once the deadline has passed."""
    left = time_left()
    if left is None:
        return timeout
    if left <= 0:
        raise TimeoutError("the fetch deadline has passed")
    return left if timeout is None else min(timeout, left)
