"""What every definition editor shows (the rules editor, the workflow editor), as plain values:
diagnostics with their source lines and gutter marks, classed diff lines, and the context of an
editor's draft, its versions and its publish panel. web.rules_views and web.workflow_views add
what is their kind's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sqlmodel import Session

from dsl import Diagnostic, in_language
from engine import spec_changes, specs
from engine.draft_checks import BLOCKED
from engine.drafts import DraftView, check_source, get_draft, list_versions
from engine.errors import NotFoundError
from engine.models import SpecKind, SpecVersion
from engine.users import UserView
from web.i18n import translator


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
    # a position in another definition (a published reader a form draft breaks): shown as
    # `file:line:column`, never as a line of the text being edited
    where: str = ""


@dataclass(frozen=True, slots=True)
class DiffLine:
    kind: str  # file, hunk, add, del, context
    text: str


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
        if said.code == BLOCKED and span is not None:
            rows.append(
                DiagnosticRow(
                    line=None, column=None, severity=str(said.severity), code=said.code,
                    message=said.message, hint=said.hint, text="", caret="",
                    where=f"{span.file}:{span.line}:{span.column}",
                )
            )  # fmt: skip
            continue
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


def published_source(session: Session, kind: SpecKind, key: str) -> tuple[int | None, str]:
    """The published version of (kind, key) and its text; (None, "") when there is none."""
    try:
        row = specs.find_row(session, kind, key)
    except NotFoundError:
        return None, ""
    return row.version, row.source


def publishing_needs_approval(session: Session, kind: SpecKind, key: str) -> bool:
    """Whether publishing (kind, key) opens a ruleset_change case (template governance): the
    governance of the template its published version came with, else the latest template's."""
    try:
        row = specs.find_row(session, kind, key)
    except NotFoundError:
        row = SpecVersion(kind=kind, key=key, version=1, source="", checksum="")
    return spec_changes.requires_approval(session, row)


def saved_draft(session: Session, kind: SpecKind, key: str) -> DraftView | None:
    """The draft of (kind, key), or None."""
    try:
        return get_draft(session, kind, key)
    except NotFoundError:
        return None


def _marks(rows: list[DiagnosticRow]) -> dict[int, str]:
    """Line → the most severe severity found on it (for the gutter)."""
    marks: dict[int, str] = {}
    for row in rows:
        if row.line is not None and marks.get(row.line) != "error":
            marks[row.line] = row.severity
    return marks


def checked_context(
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


def draft_context(
    session: Session,
    kind: SpecKind,
    key: str,
    user: UserView,
    language: str,
    *,
    editor_url: str,
    page_url: str | None = None,
    source: str | None = None,
    checksum: str | None = None,
    diagnostics: tuple[Diagnostic, ...] | None = None,
) -> dict[str, Any]:
    """The context every editor has: the saved draft (else the published text) unless `source`
    (typed, not saved) is given, its diagnostics (checked now when not given), versions and the
    publish panel's state. Its forms post below `editor_url`; `page_url` is the editor page
    (default: `editor_url`). Raises NotFoundError for a key with no version at all."""
    versions = list_versions(session, kind, key)
    published_version, published_text = published_source(session, kind, key)
    draft = saved_draft(session, kind, key)
    if source is None:
        source = draft.source if draft is not None else published_text
        found = draft.diagnostics if draft is not None else ()
    else:
        found = diagnostics if diagnostics is not None else check_source(session, kind, key, source)
    if checksum is None:
        checksum = draft.checksum if draft is not None else ""
    return {
        **checked_context(key, source, language, found),
        "editor_url": editor_url,
        "page_url": page_url or editor_url,
        "source": source,
        "checksum": checksum,
        "draft": draft,
        "published_version": published_version,
        "versions": versions,
        "language": language,
        "notice": None,
        "error": None,
        "diff": None,
        "may_publish": spec_changes.may_publish(user.access),
        "needs_approval": (
            publishing_needs_approval(session, kind, key) if draft is not None else False
        ),
        "publish_error": None,
        "publish_comment": "",
        "publish_effective_at": "",
    }


def editor_url(prefix: str, key: str) -> str:
    """The editor page of `key` under `prefix` (`/rules`), the key quoted for a URL."""
    return f"{prefix}/{quote(key, safe='')}"


__all__ = [
    "DiagnosticRow",
    "DiffLine",
    "checked_context",
    "diagnostic_rows",
    "diff_lines",
    "draft_context",
    "editor_url",
    "published_source",
    "publishing_needs_approval",
    "saved_draft",
    "typed_text",
]
