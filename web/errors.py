"""Every error becomes a response here, and only here: problem+json for the API, a page for people.

Engine exceptions map to one status each (docs/architecture.md, engine.errors). API responses follow
RFC 9457 (`application/problem+json`) with `type`, `title`, `status`, `detail` and, for data
errors, `errors: [{path, message, code}]`, or, for a bad template, `errors` in the shared
diagnostics shape. Routes raise; they never catch and format.

A database that cannot be reached is a 503 with `Retry-After` (the request may succeed later); a
transaction the database rolled back to resolve a conflict (a deadlock, a serialization failure)
is a 409.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from dsl import DiagnosticsError
from engine.errors import (
    ConflictError,
    DataValidationError,
    EngineError,
    InvalidRequestError,
    NotConfiguredError,
    NotFoundError,
    PermissionDeniedError,
)

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE = "urn:riskdesk:problem:"
API_PREFIX = "/api/"


class AuthenticationError(Exception):
    """The request carries no valid credentials (401 for the API)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class LoginRequiredError(Exception):
    """A page needs a signed-in user: the browser is sent to the login page."""


class CsrfError(Exception):
    """A form post without the session's CSRF token (403)."""


# engine error kind → (status, problem type slug); the first matching class wins
_ENGINE_STATUS: tuple[tuple[type[EngineError], int, str], ...] = (
    (NotFoundError, 404, "not-found"),
    (PermissionDeniedError, 403, "forbidden"),
    (NotConfiguredError, 409, "not-configured"),
    (ConflictError, 409, "conflict"),
    (DataValidationError, 422, "invalid-data"),
    (InvalidRequestError, 422, "invalid-request"),
)

_HTTP_SLUGS = {
    401: "unauthenticated",
    404: "not-found",
    405: "method-not-allowed",
    413: "too-large",
}
_HTTP_TITLES = {
    401: "Not signed in",
    404: "Not found",
    405: "Method not allowed",
    413: "Request too large",
}

# Seconds a client should wait before retrying while the database is unreachable.
RETRY_AFTER_SECONDS = 5


def format_path(path: Sequence[str | int]) -> str:
    """A field path as text: `contacts[2].phone`."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _data_error(error: Any) -> dict[str, Any]:
    to_dict = getattr(error, "to_dict", None)
    item = dict(to_dict()) if callable(to_dict) else {}
    path = item.get("path", getattr(error, "path", ()))
    item["path"] = path if isinstance(path, str) else format_path(tuple(path))
    item.setdefault("message", str(getattr(error, "message", error)))
    return item


class Problem:
    """One error as status, title, detail and extra members, rendered either way."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_TYPE + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors is not None:
            body["errors"] = self.errors
        return body


class JsonBodyError(StarletteHTTPException):
    """A JSON request body JSON itself allows but riskdesk refuses (`web.api.json_body`): NaN or
    ±Infinity, NUL, control characters or unpaired surrogates, nesting too deep. A 422 listing
    each `(path, message, code)`.

    An HTTP exception so that FastAPI's body reading passes it on, where any other exception
    becomes a 400 "error parsing the body" without the paths."""

    def __init__(self, errors: list[tuple[tuple[str | int, ...], str, str]]) -> None:
        detail = f"{len(errors)} part(s) of the request are invalid"
        super().__init__(status_code=422, detail=detail)
        self.errors = errors


class BodyTooLargeError(StarletteHTTPException):
    """A request body over its limit (`web.middleware`): a 413, raised while the body streams in,
    so nothing past the limit is read."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            status_code=413, detail=f"the request body is larger than {limit} bytes, its limit"
        )
        self.limit = limit


def _database_problem(exc: Exception) -> Problem | None:
    """A 503 for a database that cannot be reached, a 409 for a transaction it rolled back."""
    if isinstance(exc, DBAPIError):
        sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        if isinstance(sqlstate, str) and sqlstate.startswith("40"):
            # class 40, transaction rollback: a deadlock or a serialization failure
            return Problem(
                409,
                "conflict",
                "Conflict",
                "the request ran into a concurrent change and was rolled back; try again",
            )
    if isinstance(exc, OperationalError | PoolTimeoutError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    ):
        return Problem(
            503,
            "unavailable",
            "Service unavailable",
            "the database cannot be reached; try again shortly",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return None


def problem_for(exc: Exception) -> Problem:
    """The problem an exception stands for; anything unknown is a 500."""
    if isinstance(exc, DiagnosticsError):
        diagnostics = [d.to_dict() for d in exc.diagnostics]
        count = sum(1 for d in diagnostics if d["severity"] == "error")
        return Problem(
            422,
            "invalid-template",
            "Invalid template",
            f"the template has {count} error(s)",
            errors=diagnostics,
        )
    if isinstance(exc, EngineError):
        for kind, status, slug in _ENGINE_STATUS:
            if isinstance(exc, kind):
                errors = None
                if isinstance(exc, DataValidationError):
                    errors = [_data_error(e) for e in exc.errors]
                return Problem(status, slug, exc.title, exc.detail, errors=errors)
        return Problem(400, "bad-request", exc.title, exc.detail)
    if isinstance(exc, AuthenticationError):
        return Problem(
            401,
            "unauthenticated",
            "Not signed in",
            exc.detail,
            headers={"WWW-Authenticate": "Bearer"},
        )
    if isinstance(exc, CsrfError):
        return Problem(
            403, "csrf", "Form expired", "the form was stale; reload the page and try again"
        )
    if isinstance(exc, JsonBodyError):
        errors = [
            {"path": format_path(path) or "body", "message": message, "code": code}
            for path, message, code in exc.errors
        ]
        return Problem(422, "invalid-request", "Invalid request", exc.detail, errors=errors)
    if isinstance(exc, RequestValidationError):
        errors = [_request_error(e) for e in exc.errors()]
        return Problem(
            422,
            "invalid-request",
            "Invalid request",
            f"{len(errors)} part(s) of the request are invalid",
            errors=errors,
        )
    if isinstance(exc, StarletteHTTPException):
        title = _HTTP_TITLES.get(exc.status_code, "Request refused")
        detail = exc.detail if isinstance(exc.detail, str) else title
        return Problem(
            exc.status_code,
            _HTTP_SLUGS.get(exc.status_code, "http-error"),
            title,
            detail,
            headers=dict(exc.headers or {}),
        )
    database = _database_problem(exc)
    if database is not None:
        return database
    return Problem(500, "internal", "Internal error", "the server failed; the error is logged")


def _request_error(error: dict[str, Any]) -> dict[str, Any]:
    location = list(error.get("loc", ()))
    if location and location[0] == "body":
        location = location[1:]
    return {
        "path": format_path(location) or "body",
        "message": str(error.get("msg", "is invalid")),
        "code": str(error.get("type", "invalid")),
    }


class ProblemResponse(JSONResponse):
    """problem+json written in ASCII: a refused value may hold an unpaired surrogate, which has
    no UTF-8 form but has a JSON escape."""

    media_type = PROBLEM_JSON

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, allow_nan=False).encode("ascii")


def problem_response(problem: Problem) -> JSONResponse:
    return ProblemResponse(
        problem.body(),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=problem.headers,
    )


def install_error_handlers(app: FastAPI, templates: Jinja2Templates) -> None:
    """Route every exception through `problem_for`: problem+json under /api/, a page elsewhere."""

    async def handle(request: Request, exc: Exception) -> Response:
        if isinstance(exc, LoginRequiredError):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        problem = problem_for(exc)
        if problem.status == 503:
            log.warning("database unreachable on %s %s: %s", request.method, request.url.path, exc)
        elif problem.status >= 500:
            log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        if request.url.path.startswith(API_PREFIX):
            return problem_response(problem)
        if isinstance(exc, AuthenticationError):
            return RedirectResponse("/login", status_code=303)
        return templates.TemplateResponse(
            request,
            "error.html",
            {
                "status": problem.status,
                "title": problem.title,
                "detail": problem.detail,
                "errors": problem.errors or [],
                "user": getattr(request.state, "user", None),
                "csrf_token": getattr(request.state, "csrf_token", ""),
            },
            status_code=problem.status,
            headers=problem.headers,
        )

    for kind in (
        EngineError,
        DiagnosticsError,
        AuthenticationError,
        LoginRequiredError,
        CsrfError,
        RequestValidationError,
        StarletteHTTPException,
        # handled here, not re-raised as a server error: the database is down, not the code
        DBAPIError,
        PoolTimeoutError,
        Exception,
    ):
        app.add_exception_handler(kind, handle)
