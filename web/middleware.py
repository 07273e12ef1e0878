"""Pure ASGI middleware around the whole application: request limits, and security headers on
every response (pages, API, static files, errors).

- `BodyLimitMiddleware` refuses a body over its limit before anything parses it: at once when
  `Content-Length` says so, else as soon as the streamed bytes pass it (chunked bodies too), with
  a 413 problem+json. Uploads (`multipart/form-data`: a template bundle) have a larger limit.
- `UrlTextMiddleware` refuses NUL and other control characters in the path and the query (422):
  no parameter means them, and PostgreSQL cannot compare text holding NUL.
- `SecurityHeadersMiddleware` adds the Content-Security-Policy (no inline script), nosniff,
  the referrer policy and frame denial; HSTS only on a request that came over https (uvicorn
  sets the scheme from `X-Forwarded-Proto` for the proxies it trusts, `--forwarded-allow-ips`).

`harden(app)` stacks the three; web.app wraps the application's whole middleware stack with it,
so even a response of the server-error handler carries the headers.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import parse_qsl

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import forms
from engine.bundle_files import MAX_ZIP_BYTES
from forms import MAX_FILE_BYTES
from web.errors import BodyTooLargeError, JsonBodyError, problem_for, problem_response
from web.i18n import N_, api_language

MIB: Final = 1024 * 1024
# JSON bodies (and form posts): far above any customer, event or case action a client sends.
BODY_LIMIT: Final = 1 * MIB
# An upload: the largest template zip or import file read, plus the multipart framing.
UPLOAD_LIMIT: Final = max(MAX_ZIP_BYTES, MAX_FILE_BYTES) + 1 * MIB

CONTENT_SECURITY_POLICY: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
SECURITY_HEADERS: Final = (
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    ("x-frame-options", "DENY"),
)
HSTS: Final = ("strict-transport-security", "max-age=31536000")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


class BodyLimitMiddleware:
    """Refuse request bodies over `limit` bytes (`upload_limit` for multipart) with a 413."""

    def __init__(
        self, app: ASGIApp, *, limit: int = BODY_LIMIT, upload_limit: int = UPLOAD_LIMIT
    ) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit

    def limit_for(self, scope: Scope) -> int:
        content_type = (_header(scope, b"content-type") or "").lower()
        return self.upload_limit if content_type.startswith("multipart/form-data") else self.limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = _header(scope, b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            await problem_response(problem_for(BodyTooLargeError(limit)))(scope, receive, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # an HTTP exception: FastAPI's body reading passes it on to web.errors
                    raise BodyTooLargeError(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except BodyTooLargeError as exc:
            # read outside a route (no handler saw it): answer here, unless an answer began
            if started:
                raise
            language = api_language(Request(scope))
            await problem_response(problem_for(exc, language))(scope, receive, send)


class UrlTextMiddleware:
    """Refuse a path or query holding NUL or another control character with a 422."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            errors = url_text_errors(scope)
            if errors:
                language = api_language(Request(scope))
                response = problem_response(problem_for(JsonBodyError(errors), language))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def url_text_errors(scope: Scope) -> list[tuple[tuple[str | int, ...], str | forms.Text, str]]:
    """(path, message, code) for the request path and each query parameter that holds a NUL
    or control character (the query as Starlette decodes it)."""
    errors: list[tuple[tuple[str | int, ...], str | forms.Text, str]] = []
    problem = forms.text_problem_of(str(scope.get("path", "")))
    if problem is not None:
        message = forms.text(N_("the URL path %(problem)s"), problem=problem)
        errors.append((("path",), message, "control-character"))
    query = bytes(scope.get("query_string", b"")).decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        problem = forms.text_problem_of(name) or forms.text_problem_of(value)
        if problem is not None:
            message = forms.text(
                N_("query parameter %(name)s %(problem)s"), name=ascii(name), problem=problem
            )
            errors.append((("query", name), message, "control-character"))
    return errors


class SecurityHeadersMiddleware:
    """Add the security headers to every response; HSTS only when the request was https."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secure = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS:
                    headers[name] = value
                if secure:
                    headers[HSTS[0]] = HSTS[1]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def harden(app: ASGIApp) -> ASGIApp:
    """`app` behind the body limit, the URL check and the security headers (outermost)."""
    return SecurityHeadersMiddleware(UrlTextMiddleware(BodyLimitMiddleware(app)))
