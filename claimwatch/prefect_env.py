"""Prefect defaults for running with no server and no internet (set before Prefect is imported).

Without ``PREFECT_API_URL`` a flow runs against Prefect's ephemeral server, started on demand;
on a small machine a cold start needs more than Prefect's default 20 s. Analytics stay off.
Anything the user has set in the environment wins.
"""

from __future__ import annotations

import os

DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    "PREFECT_UI_ENABLED": "false",
}


def configure_prefect(*, quiet: bool = False) -> None:
    """Apply the offline defaults; ``quiet`` keeps Prefect's own log lines to warnings."""
    for name, value in DEFAULTS.items():
        os.environ.setdefault(name, value)
    if "PREFECT_API_URL" not in os.environ:
        os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_ENABLED", "true")
    if quiet:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
