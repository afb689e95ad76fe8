"""The reviewers' and editors' web app (FastAPI): ``create_app`` builds it for one settings
object. The HTTP API lives under ``/api/v1`` and answers only requests carrying an API token."""

from __future__ import annotations

from claimwatch.web.app import create_app

__all__ = ["create_app"]
