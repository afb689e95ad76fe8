"""What every answer and every state-changing request of the web app must satisfy.

``SecurityHeaders`` adds to every response (pages, JSON, static files, errors) a Content Security
Policy that lets pages load scripts, styles and images only from this site, with no inline script
and no framing, plus ``X-Frame-Options``, ``X-Content-Type-Options`` and ``Referrer-Policy``.
Archived copies of crawled pages (``/archive/``) get a stricter one: a sandbox with no scripts,
nothing loaded from anywhere.

``check_origin`` refuses (403) a POST, PUT, PATCH or DELETE whose ``Origin`` header, or when
there is none its ``Referer``, names another site than this one (the request's own address or
``CLAIMWATCH_PUBLIC_URL``). Requests carrying neither header (command-line and API clients) and
requests with an ``Authorization`` header (API tokens, which browsers never add on their own)
are let through; the CSRF token is still checked on every form.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import HTTPException, Request, status
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)
# An archived copy is crawled HTML: no script runs (sandbox without allow-scripts, an opaque
# origin), nothing loads from anywhere, it cannot be framed.
ARCHIVE_PREFIX = "/archive/"
ARCHIVE_POLICY = "; ".join(
    (
        "sandbox",
        "default-src 'none'",
        "style-src 'unsafe-inline'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DEFAULT_PORTS = {"http": 80, "https": 443}


class SecurityHeaders:
    """ASGI middleware: the ``HEADERS`` on every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers[name] = value
                if scope["path"].startswith(ARCHIVE_PREFIX):
                    headers["Content-Security-Policy"] = ARCHIVE_POLICY
            await send(message)

        await self.app(scope, receive, send_with_headers)


def origin_of(url: str) -> str | None:
    """``scheme://host:port`` of an absolute http(s) URL (``None`` for anything else)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return f"{scheme}://{parts.hostname.lower()}:{port or DEFAULT_PORTS[scheme]}"


def own_origins(request: Request) -> set[str]:
    """The origins this app answers as: the address the request was sent to, and the public one."""
    found = {origin_of(str(request.base_url)), origin_of(request.app.state.settings.public_url)}
    return {origin for origin in found if origin}


def claimed_origin(request: Request) -> str | None:
    """The site a browser says the request comes from: ``Origin``, else ``Referer`` (``None``:
    neither was sent). An unreadable or opaque (``null``) origin counts as a foreign one."""
    origin = request.headers.get("origin")
    if origin is not None:
        return origin_of(origin) or f"unreadable origin {origin!r}"
    referer = request.headers.get("referer")
    if referer is not None:
        return origin_of(referer) or "unreadable referer"
    return None


def check_origin(request: Request) -> None:
    """Refuse a state-changing request that a page of another site sent."""
    if request.method not in UNSAFE_METHODS or "authorization" in request.headers:
        return
    claimed = claimed_origin(request)
    if claimed is not None and claimed not in own_origins(request):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "refused: this request was sent from another site than claimwatch",
        )
