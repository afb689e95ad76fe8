"""Progress of a running flow, shown however the caller likes: log lines by default, a Rich
display when the command line runs the flow in its own process."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

logger = logging.getLogger("claimwatch.flows")


class Progress(Protocol):
    def start(self, stage: str) -> None: ...

    def update(self, stage: str, message: str) -> None: ...

    def finish(self, stage: str, summary: str, seconds: float) -> None: ...


class LogProgress:
    """Writes one log line when a stage starts, moves on, and finishes."""

    def start(self, stage: str) -> None:
        logger.info("%s…", stage)

    def update(self, stage: str, message: str) -> None:
        logger.info("%s: %s", stage, message)

    def finish(self, stage: str, summary: str, seconds: float) -> None:
        logger.info("%s: %s (%.1f s)", stage, summary, seconds)


_current: Progress = LogProgress()


def current() -> Progress:
    return _current


@contextmanager
def reporting_to(progress: Progress) -> Iterator[Progress]:
    """Send the progress of flows run inside the block to ``progress``."""
    global _current
    previous, _current = _current, progress
    try:
        yield progress
    finally:
        _current = previous
