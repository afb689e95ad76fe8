"""Every error claimwatch raises on purpose, in one hierarchy.

    ClaimwatchError
    ├── ConfigError            bad settings or a bad sources file (names the entry and field)
    ├── RunInProgressError     another nightly run holds the database's run lock
    ├── ModelError             the embedding model or a classifier head cannot be built, found or verified
    ├── DataError              a labelled or evaluation data file is malformed (names file and line)
    ├── FetchError             a source could not be read
    │   ├── TransientFetchError    worth retrying: timeouts, connection resets, HTTP 429 and 5xx
    │   └── PermanentFetchError    retrying will not help: HTTP 4xx, refused URLs, unparseable bodies
    ├── LibraryError           the rebuttal library rejected input (names the row)
    │   └── UnknownSnippetError    no such snippet or narrative (also a NotFoundError)
    ├── QueueError             a queue operation is not allowed (unknown item, bad decision)
    │   └── UnknownItemError       no such queue item (also a NotFoundError)
    ├── AuthError              unknown user, bad role, invalid or revoked token, not allowed
    └── NotFoundError          what was asked for does not exist (the web app answers 404)

Flows retry only ``TransientFetchError``; everything else is recorded and reported.
"""

from __future__ import annotations


class ClaimwatchError(Exception):
    """Base class of every error claimwatch raises on purpose."""


class ConfigError(ClaimwatchError):
    """Settings or the sources file are invalid."""


class RunInProgressError(ClaimwatchError):
    """Another nightly run holds the run lock of this database; this one did not start."""


class ModelError(ClaimwatchError):
    """The embedding model cannot be built, found or verified."""


class DataError(ClaimwatchError):
    """A labelled or evaluation data file is malformed."""


class FetchError(ClaimwatchError):
    """A source could not be read."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status


class TransientFetchError(FetchError):
    """A fetch failed in a way that may succeed on retry (timeouts, 429, 5xx)."""


class PermanentFetchError(FetchError):
    """A fetch failed in a way a retry will not fix (4xx, refused URL, unparseable body)."""


class LibraryError(ClaimwatchError):
    """The rebuttal library rejected input."""


class QueueError(ClaimwatchError):
    """A review-queue operation is not allowed."""


class AuthError(ClaimwatchError):
    """A user or token is unknown or invalid, or lacks the role an action needs."""


class NotFoundError(ClaimwatchError):
    """What was asked for does not exist."""


class UnknownSnippetError(LibraryError, NotFoundError):
    """No snippet or narrative by that key or slug."""


class UnknownItemError(QueueError, NotFoundError):
    """No queue item by that number."""
