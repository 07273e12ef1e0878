"""Every error becomes a response here, and only here: problem+json for the API, a page for people.

Engine exceptions map to one status each (docs/architecture.md, engine.errors). API responses follow
RFC 9457 (`application/problem+json`) with `type`, `title`, `status`, `detail` and, for data
errors, `errors: [{path, message, code}]`, or, for a bad template, `errors` in the shared
diagnostics shape. Routes raise; they never catch and format.

Every text is said in the language asked for (web.i18n): an engine error's `detail` is its message
id (engine.errors) translated and filled with its params, a data error's `message` its wording
(forms.messages) with the field's label in that language, a template diagnostic's `message` and
`hint` said again (dsl.in_language: by dsl's catalog, or its message ids through the catalogs).
Paths, codes and positions never change.

An error about a case that exists (the customer already has an open case of the workflow a
page tried to start) links to it on the error page.

A database that cannot be reached is a 503 with `Retry-After` (the request may succeed later); a
transaction the database rolled back to resolve a conflict (a deadlock, a serialization failure)
is a 409.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

import forms
from dsl import DiagnosticsError, in_language
from engine.errors import (
    CaseAlreadyOpenError,
    ConflictError,
    DataValidationError,
    EngineError,
    InvalidRequestError,
    NotConfiguredError,
    NotFoundError,
    PermissionDeniedError,
    ReadersBlockError,
)
from engine.keys import KeysError
from web.i18n import (
    DEFAULT_LANGUAGE,
    N_,
    api_language,
    gettext,
    ngettext,
    page_language,
    switch_target,
    translator,
    visitor_language,
)
from web.request_errors import format_path, request_error

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
    401: N_("Not signed in"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    413: N_("Request too large"),
}

# Seconds a client should wait before retrying while the database is unreachable.
RETRY_AFTER_SECONDS = 5


def _data_error(error: Any, language: str) -> dict[str, Any]:
    to_dict = getattr(error, "to_dict", None)
    item = dict(to_dict()) if callable(to_dict) else {}
    path = item.get("path", getattr(error, "path", ()))
    item["path"] = path if isinstance(path, str) else format_path(tuple(path))
    if isinstance(error, forms.DataError):
        item["message"] = error.message_in(language, translator(language).gettext)
    item.setdefault("message", str(getattr(error, "message", error)))
    return item


def say(message: str | forms.Text, language: str) -> str:
    """A fixed sentence (its English is its message id) or a data error's wording in
    `language`."""
    if isinstance(message, forms.Text):
        return message.in_language(language, translator(language).gettext)
    return gettext(language, message)


def engine_detail(exc: EngineError, language: str) -> str:
    """An engine error's sentence in `language`: its message id translated, its params filled
    in as given, a param that is itself a text (four eyes' "proposed it") said in `language`
    too (the English is `exc.detail`)."""
    params = {
        name: say(value, language) if isinstance(value, forms.Text) else value
        for name, value in exc.params.items()
    }
    return gettext(language, exc.message, **params)


def page_detail(request: Request, exc: EngineError) -> str:
    """An engine error's sentence in the language of the page answering `request`."""
    return engine_detail(exc, page_language(request))


@dataclass(frozen=True, slots=True)
class PageLink:
    """A page the error is about, which the error page links to."""

    href: str
    text: str


class Problem:
    """One error as status, title, detail and extra members, rendered either way; `link`, a
    page it is about, only on the error page."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        link: PageLink | None = None,
    ) -> None:
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.link = link

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

    def __init__(self, errors: list[tuple[tuple[str | int, ...], str | forms.Text, str]]) -> None:
        detail = f"{len(errors)} part(s) of the request are invalid"
        super().__init__(status_code=422, detail=detail)
        self.errors = errors


class BodyTooLargeError(StarletteHTTPException):
    """A request body over its limit (`web.middleware`): a 413, raised while the body streams in,
    so nothing past the limit is read."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            status_code=413,
            detail=f"the request body is larger than {limit} bytes, its limit",
            # the rest of the body is not read: the connection cannot carry another request
            headers={"Connection": "close"},
        )
        self.limit = limit


def _database_problem(exc: Exception) -> Problem | None:
    """A 503 for a database that cannot be reached or stored data the instance's keys cannot
    open (an operator's problem: the keys file lost a key), a 409 for a transaction the database
    rolled back."""
    if isinstance(exc, KeysError):
        log.error("the instance's keys cannot serve a request: %s", exc)
        return Problem(
            503,
            "unavailable",
            N_("Service unavailable"),
            N_(
                "stored data cannot be opened with this instance's keys; an operator must restore "
                "the keys file"
            ),
        )
    if isinstance(exc, DBAPIError):
        sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        if sqlstate == "22003":
            # numeric_value_out_of_range: a number past what its column holds, which no check
            # before the database caught; the client's to fix, not a server failure
            return Problem(
                422,
                "invalid-request",
                N_("Invalid request"),
                N_("a number in the request is beyond what can be stored"),
            )
        if isinstance(sqlstate, str) and sqlstate.startswith("40"):
            # class 40, transaction rollback: a deadlock or a serialization failure
            return Problem(
                409,
                "conflict",
                N_("Conflict"),
                N_("the request ran into a concurrent change and was rolled back; try again"),
            )
    if isinstance(exc, OperationalError | PoolTimeoutError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    ):
        return Problem(
            503,
            "unavailable",
            N_("Service unavailable"),
            N_("the database cannot be reached; try again shortly"),
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return None


# The engine's error titles (engine.errors and its subclasses' `title`), marked for the catalogs:
# a problem's title is translated by its English text. tests/web/test_i18n.py keeps this complete.
ENGINE_TITLES = (
    N_("Request refused"),
    N_("Not found"),
    N_("Not allowed"),
    N_("Conflict"),
    N_("Invalid request"),
    N_("Invalid data"),
    N_("Not configured"),
    N_("Sign-in refused"),
    N_("Too many attempts"),
)

# Fixed sentences raised by other modules of web/ (web.deps, web.api.json_body), translated by
# their English text; tests/web/test_i18n.py checks that they are still raised as written.
WEB_DETAILS = (
    N_("send an API token as 'Authorization: Bearer <token>'"),
    N_("the API token is unknown, expired or revoked, or its user is disabled"),
    N_("not a finite number: JSON has no NaN or Infinity"),
)

# Starlette's own detail for these statuses is the bare reason phrase; say it in a sentence.
_HTTP_DETAILS = {
    404: N_("there is nothing at this address"),
    405: N_("this address does not answer to %(method)s"),
}


def problem_for(exc: Exception, language: str = DEFAULT_LANGUAGE, *, method: str = "") -> Problem:
    """The problem an exception stands for, its texts in `language` ("en" or "zh"); anything
    unknown is a 500. `method` is the request's, for a 405's detail.

    An engine error's detail, a data error's message and a template diagnostic's message are
    said in `language` too (the module's docstring).
    """

    def _(message: str, **params: Any) -> str:
        return gettext(language, message, **params)

    database_problem = _database_problem(exc)
    if database_problem is not None:
        database_problem.title = _(database_problem.title)
        database_problem.detail = _(database_problem.detail)
        return database_problem
    if isinstance(exc, DiagnosticsError):
        translate = translator(language).gettext
        diagnostics = [in_language(d, language, translate).to_dict() for d in exc.diagnostics]
        count = sum(1 for d in diagnostics if d["severity"] == "error")
        if isinstance(exc, forms.ImportFileError | forms.ImportMappingError):
            return Problem(
                422,
                "invalid-import-file",
                _("Invalid import file"),
                ngettext(
                    language, "the file has %(num)d problem", "the file has %(num)d problems", count
                ),
                errors=diagnostics,
            )
        return Problem(
            422,
            "invalid-template",
            _("Invalid template"),
            ngettext(
                language, "the template has %(num)d error", "the template has %(num)d errors", count
            ),
            errors=diagnostics,
        )
    if isinstance(exc, EngineError):
        for kind, status, slug in _ENGINE_STATUS:
            if isinstance(exc, kind):
                errors = None
                if isinstance(exc, DataValidationError):
                    errors = [_data_error(e, language) for e in exc.errors]
                elif isinstance(exc, ReadersBlockError):
                    translate = translator(language).gettext
                    errors = [
                        in_language(d, language, translate).to_dict() for d in exc.diagnostics
                    ]
                detail = engine_detail(exc, language)
                link = None
                if isinstance(exc, CaseAlreadyOpenError):
                    link = PageLink(f"/cases/{exc.case_id}", _("Open case #%(id)s", id=exc.case_id))
                return Problem(status, slug, _(exc.title), detail, errors=errors, link=link)
        return Problem(400, "bad-request", _(exc.title), engine_detail(exc, language))
    if isinstance(exc, AuthenticationError):
        return Problem(
            401,
            "unauthenticated",
            _("Not signed in"),
            _(exc.detail),
            headers={"WWW-Authenticate": "Bearer"},
        )
    if isinstance(exc, CsrfError):
        return Problem(
            403,
            "csrf",
            _("Form expired"),
            _("the form was stale; reload the page and try again"),
        )
    if isinstance(exc, JsonBodyError):
        errors = [
            {"path": format_path(path) or "body", "message": say(message, language), "code": code}
            for path, message, code in exc.errors
        ]
        return Problem(
            422,
            "invalid-request",
            _("Invalid request"),
            _invalid_parts(language, len(errors)),
            errors=errors,
        )
    if isinstance(exc, RequestValidationError):
        errors = [request_error(e, language) for e in exc.errors()]
        return Problem(
            422,
            "invalid-request",
            _("Invalid request"),
            _invalid_parts(language, len(errors)),
            errors=errors,
        )
    if isinstance(exc, StarletteHTTPException):
        title = _(_HTTP_TITLES.get(exc.status_code, N_("Request refused")))
        detail = exc.detail if isinstance(exc.detail, str) else ""
        if exc.status_code in _HTTP_DETAILS and detail == HTTPStatus(exc.status_code).phrase:
            detail = _(_HTTP_DETAILS[exc.status_code], method=method or "?")
        elif isinstance(exc, BodyTooLargeError):
            detail = _(
                "the request body is larger than %(limit)d bytes, its limit", limit=exc.limit
            )
        return Problem(
            exc.status_code,
            _HTTP_SLUGS.get(exc.status_code, "http-error"),
            title,
            _(detail) if detail else title,
            headers=dict(exc.headers or {}),
        )
    database = _database_problem(exc)
    if database is not None:
        return database
    return Problem(
        500, "internal", _("Internal error"), _("the server failed; the error is logged")
    )


def _invalid_parts(language: str, count: int) -> str:
    return ngettext(
        language,
        "%(num)d part of the request is invalid",
        "%(num)d parts of the request are invalid",
        count,
    )


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


def _error_page_language(request: Request) -> str:
    # The error may be the database's own (unreachable): the page still renders, in the
    # visitor's language then.
    try:
        return page_language(request)
    except Exception:
        log.warning("the page language could not be read; using the visitor's", exc_info=True)
        return visitor_language(request)


def _back_link(request: Request) -> str | None:
    """The page the visitor came from, when it is on this site and not this page (no script:
    the pages' CSP allows none inline)."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.url.netloc or not referer.path.startswith("/"):
        return None
    target = referer.path + (f"?{referer.query}" if referer.query else "")
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return None if target == here else target


def install_error_handlers(app: FastAPI, templates: Jinja2Templates) -> None:
    """Route every exception through `problem_for`: problem+json under /api/, a page elsewhere."""

    async def handle(request: Request, exc: Exception) -> Response:
        if isinstance(exc, LoginRequiredError):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        api = request.url.path.startswith(API_PREFIX)
        language = api_language(request) if api else _error_page_language(request)
        problem = problem_for(exc, language, method=request.method)
        if problem.status == 503:
            log.warning("database unreachable on %s %s: %s", request.method, request.url.path, exc)
        elif problem.status >= 500:
            log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        if api:
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
                "link": problem.link,
                "back": _back_link(request),
                "user": getattr(request.state, "user", None),
                "csrf_token": getattr(request.state, "csrf_token", ""),
                "page_language": language,
                "language_next": switch_target(request),
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
