"""What the rules editor pages show, as plain values: the rulesets list, diagnostics with their
source lines, classed diff lines, and the editor's whole context (web.pages_rules renders them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from dsl import Diagnostic, in_language
from engine import spec_changes, specs
from engine.customers import list_customers
from engine.drafts import DraftView, check_source, get_draft, list_versions
from engine.errors import NotFoundError
from engine.models import SpecKind, SpecStatus, SpecVersion
from engine.users import UserView
from web.i18n import translator

RULESET = SpecKind.RULESET
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


def publishing_needs_approval(session: Session, key: str) -> bool:
    """Whether publishing ruleset `key` opens a ruleset_change case (template governance): the
    governance of the template its published version came with, else the latest template's."""
    try:
        row = specs.find_row(session, RULESET, key)
    except NotFoundError:
        row = SpecVersion(kind=RULESET, key=key, version=1, source="", checksum="")
    return spec_changes.requires_approval(session, row)


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


def editor_context(
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
        **checked_context(key, source, language, diagnostics),
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
        "may_publish": spec_changes.may_publish(user.access),
        "needs_approval": publishing_needs_approval(session, key) if draft is not None else False,
        "publish_error": None,
        "publish_comment": "",
        "publish_effective_at": "",
        "simulation": None,
        "matrix": None,
        "movers": (),
        "movers_next": None,
        "simulation_error": None,
        **extra,
    }


@dataclass(frozen=True, slots=True)
class MatrixCell:
    customers: int
    exposure: int | float


@dataclass(frozen=True, slots=True)
class MatrixRow:
    """The customers of one published tier (None: not assessed before), by draft tier."""

    from_tier: str | None
    cells: tuple[MatrixCell | None, ...]
    total: int


@dataclass(frozen=True, slots=True)
class MigrationMatrix:
    to_tiers: tuple[str, ...]
    rows: tuple[MatrixRow, ...]


def migration_matrix(result: Mapping[str, Any]) -> MigrationMatrix:
    """A simulation result's `matrix` cells as a table: a row per published tier (in the draft's
    tier order, then any other, then customers not assessed before), a column per draft tier."""
    to_tiers = tuple(result.get("tiers") or ())
    listed = result.get("matrix")
    cells = {
        (c["from_tier"], c["to_tier"]): c
        for c in (listed if isinstance(listed, list) else ())
        if isinstance(c, Mapping) and "from_tier" in c and "to_tier" in c
    }
    seen = [f for f, _ in cells]
    from_tiers = [t for t in to_tiers if t in seen]
    from_tiers += [f for f in dict.fromkeys(seen) if f not in from_tiers and f is not None]
    if None in seen:
        from_tiers.append(None)
    rows = []
    for from_tier in from_tiers:
        row = tuple(
            MatrixCell(cell["customers"], cell["exposure"])
            if (cell := cells.get((from_tier, to))) is not None
            else None
            for to in to_tiers
        )
        rows.append(MatrixRow(from_tier, row, sum(c.customers for c in row if c is not None)))
    return MigrationMatrix(to_tiers=to_tiers, rows=tuple(rows))
