"""The rules editor pages: the list of rulesets, and one ruleset's editor (its draft with line
numbers and live diagnostics, saving, trying on a customer, its versions and their diffs).

Only holders of `specs:edit` use them. Checking the text as it is typed (`POST /rules/{key}/check`)
saves nothing; saving (`POST /rules/{key}/draft`) keeps the draft even with errors and refuses a
stale one (the checksum it started from) with a message, keeping the text typed. Trying runs the
saved draft on a customer of the editor's departments. An htmx request gets the named block of
`rules_editor.html` only, always with status 200 (htmx swaps no 4xx answer): a refusal is shown
inside that block; without htmx, the whole page comes back with the refusal's status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from dsl import Diagnostic, in_language
from engine import specs
from engine.customers import list_customers
from engine.drafts import (
    DraftView,
    TryResult,
    check_source,
    diff_version,
    get_draft,
    list_versions,
    save_draft,
    try_draft,
)
from engine.errors import ConflictError, EngineError, NotFoundError
from engine.models import SpecKind, SpecStatus
from engine.users import UserView
from web.deps import DbDep, HxRequest, NowDep, PageSession, SettingsDep, page_require
from web.errors import engine_detail
from web.i18n import PageLanguageDep, translator
from web.pages import check_csrf, render

router = APIRouter(include_in_schema=False)

RULESET = SpecKind.RULESET
PageSpecEditor = Annotated[UserView, Depends(page_require("specs:edit"))]
Key = Annotated[str, Path(pattern="^[a-z][a-z0-9_]*$", max_length=200)]
# A rules text as posted by the editor: the body limit (web.middleware) bounds it too.
_Source = Annotated[str, Form(max_length=500_000)]
_Csrf = Annotated[str, Form(max_length=200)]
_Checksum = Annotated[str, Form(max_length=64)]
# Customers offered by the "try on a customer" picker; any other reference may be typed.
PICKER_SIZE = 50


@dataclass(frozen=True, slots=True)
class RulesetRow:
    """One ruleset as the list shows it: its published version and its draft, if any."""

    key: str
    label: dict[str, str]
    published_version: int | None
    published_at: datetime | None
    published_author: str | None
    draft_version: int | None
    draft_author: str | None
    draft_saved_at: datetime | None


@dataclass(frozen=True, slots=True)
class DiagnosticRow:
    """A diagnostic as the editor lists it: position, severity, message and hint in the page's
    language, and the source line it points at with a caret under the columns it spans."""

    line: int | None
    column: int | None
    severity: str
    code: str
    message: str
    hint: str | None
    text: str
    caret: str


@dataclass(frozen=True, slots=True)
class DiffLine:
    kind: str  # file, hunk, add, del, context
    text: str


def rulesets(session: Session) -> list[RulesetRow]:
    """Every ruleset with a published version or a draft, by key."""
    found: dict[str, dict[str, Any]] = {}
    for spec in specs.list_specs(session, kind=RULESET):
        entry = found.setdefault(spec.key, {"label": spec.label})
        if spec.status == SpecStatus.PUBLISHED:
            entry.update(label=spec.label, published=spec)
        elif spec.status == SpecStatus.DRAFT:
            entry["draft"] = spec
    rows = []
    for key, entry in sorted(found.items()):
        published, draft = entry.get("published"), entry.get("draft")
        if published is None and draft is None:
            continue  # only retired versions: nothing to edit
        saved_at = None
        if draft is not None:
            saved_at = next(
                v.created_at for v in list_versions(session, RULESET, key) if v.status == "draft"
            )
        rows.append(
            RulesetRow(
                key=key,
                label=entry["label"],
                published_version=published.version if published else None,
                published_at=published.published_at if published else None,
                published_author=published.author if published else None,
                draft_version=draft.version if draft else None,
                draft_author=draft.author if draft else None,
                draft_saved_at=saved_at,
            )
        )
    return rows


def diagnostic_rows(
    diagnostics: tuple[Diagnostic, ...], source: str, language: str
) -> list[DiagnosticRow]:
    """`diagnostics` in `language`, errors first, then by position, each with its source line."""
    translate = translator(language).gettext
    lines = source.splitlines()
    rows = []
    for found in diagnostics:
        said = in_language(found, language, translate)
        span = said.span
        text = caret = ""
        if span is not None and 1 <= span.line <= len(lines):
            text = lines[span.line - 1].expandtabs(4)
            end = span.end_column if span.end_line == span.line else len(text) + 1
            caret = " " * (span.column - 1) + "^" * max(1, end - span.column)
        rows.append(
            DiagnosticRow(
                line=span.line if span else None,
                column=span.column if span else None,
                severity=str(said.severity),
                code=said.code,
                message=said.message,
                hint=said.hint,
                text=text,
                caret=caret,
            )
        )
    return sorted(rows, key=lambda r: (r.severity != "error", r.line or 0, r.column or 0))


def diff_lines(diff: str) -> list[DiffLine]:
    """A unified diff as lines classed for colouring."""
    classed = []
    for line in diff.splitlines():
        if line.startswith(("+++", "---")):
            kind = "file"
        elif line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        else:
            kind = "context"
        classed.append(DiffLine(kind, line))
    return classed


def typed_text(source: str) -> str:
    """The text of a posted textarea as written: browsers send its line breaks as CRLF (HTML's
    form encoding), which the draft must not keep, or every line would differ from the
    published version."""
    return source.replace("\r\n", "\n")


def _published_source(session: Session, key: str) -> tuple[int | None, str]:
    try:
        row = specs.find_row(session, RULESET, key)
    except NotFoundError:
        return None, ""
    return row.version, row.source


def _draft(session: Session, key: str) -> DraftView | None:
    try:
        return get_draft(session, RULESET, key)
    except NotFoundError:
        return None


def _marks(rows: list[DiagnosticRow]) -> dict[int, str]:
    """Line → the most severe severity found on it (for the gutter)."""
    marks: dict[int, str] = {}
    for row in rows:
        if row.line is not None and marks.get(row.line) != "error":
            marks[row.line] = row.severity
    return marks


def _checked(
    key: str, source: str, language: str, diagnostics: tuple[Diagnostic, ...]
) -> dict[str, Any]:
    """The context the `diagnostics` block (and the gutter) needs for `source`."""
    rows = diagnostic_rows(diagnostics, source, language)
    return {
        "key": key,
        "diagnostics": rows,
        "marks": _marks(rows),
        "line_count": max(1, len(source.split("\n"))),
    }


def _editor(
    session: Session,
    key: str,
    user: UserView,
    language: str,
    *,
    source: str | None = None,
    checksum: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The editor's context: the saved draft (else the published text) unless `source` (typed,
    not saved) is given. Raises NotFoundError for a key with no version at all."""
    versions = list_versions(session, RULESET, key)
    published_version, published_source = _published_source(session, key)
    draft = _draft(session, key)
    if source is None:
        source = draft.source if draft is not None else published_source
        diagnostics = draft.diagnostics if draft is not None else ()
    else:
        diagnostics = check_source(session, RULESET, key, source)
    if checksum is None:
        checksum = draft.checksum if draft is not None else ""
    customers = list_customers(
        session, limit=PICKER_SIZE, scope=user.access.departments_for("customers:read")
    )
    return {
        **_checked(key, source, language, diagnostics),
        "source": source,
        "checksum": checksum,
        "draft": draft,
        "published_version": published_version,
        "versions": versions,
        "customers": customers.items,
        "language": language,
        "notice": None,
        "error": None,
        "try_result": None,
        "try_error": None,
        "customer_ref": "",
        "as_of": None,
        "diff": None,
        **extra,
    }


# --- the list ----------------------------------------------------------------------------------


@router.get("/rules")
def rules_page(request: Request, user: PageSpecEditor, database: DbDep) -> Response:
    with database.transaction() as session:
        rows = rulesets(session)
    return render(request, "rules.html", {"rulesets": rows})


# --- the editor --------------------------------------------------------------------------------


@router.get("/rules/{key}")
def rules_editor_page(
    request: Request,
    key: Key,
    user: PageSpecEditor,
    database: DbDep,
    language: PageLanguageDep,
    saved: bool = False,
) -> Response:
    with database.transaction() as session:
        context = _editor(session, key, user, language, notice="saved" if saved else None)
    return render(request, "rules_editor.html", context)


@router.post("/rules/{key}/check")
def rules_check(
    request: Request,
    key: Key,
    user: PageSpecEditor,
    session: PageSession,
    database: DbDep,
    language: PageLanguageDep,
    hx: HxRequest,
    source: _Source = "",
    csrf_token: _Csrf = "",
    expected_checksum: _Checksum = "",
) -> Response:
    """What the template import would find in the typed text, which is not saved: the
    `diagnostics` block for htmx, else the editor holding the text."""
    check_csrf(session, csrf_token)
    source = typed_text(source)
    with database.transaction() as db_session:
        if hx:
            list_versions(db_session, RULESET, key)  # an unknown key: 404
            found = check_source(db_session, RULESET, key, source)
            context = _checked(key, source, language, found)
            return render(request, "rules_editor.html", context, block="diagnostics")
        context = _editor(
            db_session, key, user, language, source=source, checksum=expected_checksum
        )
    return render(request, "rules_editor.html", context)


@router.post("/rules/{key}/draft")
def rules_save(
    request: Request,
    key: Key,
    user: PageSpecEditor,
    session: PageSession,
    database: DbDep,
    now: NowDep,
    language: PageLanguageDep,
    source: _Source = "",
    csrf_token: _Csrf = "",
    expected_checksum: _Checksum = "",
) -> Response:
    """Save the typed text as the draft, errors and all, then back to the editor (303). A draft
    changed meanwhile: the editor again with the typed text and the conflict said (409)."""
    check_csrf(session, csrf_token)
    source = typed_text(source)
    try:
        with database.transaction() as db_session:
            list_versions(db_session, RULESET, key)  # an unknown key: 404, nothing saved
            save_draft(
                db_session,
                RULESET,
                key,
                source,
                actor=user.name,
                now=now,
                expected_checksum=expected_checksum or None,
            )
    except ConflictError as exc:
        with database.transaction() as db_session:
            context = _editor(
                db_session,
                key,
                user,
                language,
                source=source,
                checksum=expected_checksum,
                error=engine_detail(exc, language),
            )
        return render(request, "rules_editor.html", context, status_code=409)
    return RedirectResponse(f"/rules/{key}?saved=1", status_code=303)


@router.post("/rules/{key}/try")
def rules_try(
    request: Request,
    key: Key,
    user: PageSpecEditor,
    session: PageSession,
    database: DbDep,
    settings: SettingsDep,
    now: NowDep,
    language: PageLanguageDep,
    hx: HxRequest,
    customer_ref: Annotated[str, Form(max_length=200)] = "",
    as_of: Annotated[date | None, Form()] = None,
    csrf_token: _Csrf = "",
) -> Response:
    """The saved draft and the published ruleset side by side on one customer (nothing is
    written): the `try` block for htmx, else the editor with the result."""
    check_csrf(session, csrf_token)
    ref = customer_ref.strip()
    day = as_of or now.astimezone(settings.tz).date()
    result: TryResult | None = None
    error: str | None = None
    status = 200
    with database.transaction() as db_session:
        try:
            result = try_draft(
                db_session,
                key,
                ref,
                as_of=day,
                scope=user.access.departments_for("customers:read"),
                tz=settings.tz,
            )
        except EngineError as exc:
            error = engine_detail(exc, language)
            status = 404 if isinstance(exc, NotFoundError) else 422
        context = _editor(
            db_session,
            key,
            user,
            language,
            try_result=result,
            try_error=error,
            customer_ref=ref,
            as_of=day,
        )
    if hx:
        return render(request, "rules_editor.html", context, block="try")
    return render(request, "rules_editor.html", context, status_code=status)


@router.get("/rules/{key}/versions/{version}/diff")
def rules_diff(
    request: Request,
    key: Key,
    version: Annotated[int, Path(ge=1, le=2**31 - 1)],
    user: PageSpecEditor,
    database: DbDep,
    language: PageLanguageDep,
    hx: HxRequest,
) -> Response:
    """Version `version` against the published one, lines coloured: the `diff` block for
    htmx, else the editor showing it."""
    with database.transaction() as db_session:
        diff = diff_version(db_session, RULESET, key, version)
        context = _editor(
            db_session,
            key,
            user,
            language,
            diff={"version": version, "lines": diff_lines(diff)},
        )
    return render(request, "rules_editor.html", context, block="diff" if hx else None)
