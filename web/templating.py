"""Rendering pages: Jinja2 templates with autoescaping (crawled text is always shown as text),
and the context every page gets (the user, the CSRF token, one-time messages)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from claimwatch.store.schema import User
from claimwatch.web.sessions import csrf_token, take_flashes

TEMPLATES = Jinja2Templates(directory=Path(__file__).with_name("templates"))
TEMPLATES.env.autoescape = True  # every template, whatever its name


def _when(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


TEMPLATES.env.filters["when"] = _when


def render(
    request: Request,
    template: str,
    user: User | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "user": user,
            "csrf": csrf_token(request),
            "flashes": take_flashes(request),
            **context,
        },
        status_code=status_code,
    )
