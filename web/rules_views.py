"""What the rules editor pages show, as plain values: the rulesets list, the editor's whole
context and a simulation's migration matrix (web.pages_rules renders them). What every editor
shows (diagnostics, diffs, the publish panel) comes from web.draft_views.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from engine import specs
from engine.customers import list_customers
from engine.drafts import list_versions
from engine.models import SpecKind, SpecStatus
from engine.users import UserView
from web.draft_views import (
    DiagnosticRow,
    DiffLine,
    checked_context,
    diagnostic_rows,
    diff_lines,
    draft_context,
    editor_url,
    typed_text,
)

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
    """The rules editor's context: every editor's (web.draft_views.draft_context) and the
    customers to try the draft on, the try and simulation panels. Raises NotFoundError for a
    key with no version at all."""
    common = draft_context(
        session,
        RULESET,
        key,
        user,
        language,
        editor_url=editor_url("/rules", key),
        source=source,
        checksum=checksum,
    )
    customers = list_customers(
        session, limit=PICKER_SIZE, scope=user.access.departments_for("customers:read")
    )
    return {
        **common,
        "customers": customers.items,
        "try_result": None,
        "try_error": None,
        "customer_ref": "",
        "as_of": None,
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


__all__ = [
    "PICKER_SIZE",
    "RULESET",
    "DiagnosticRow",
    "DiffLine",
    "MatrixCell",
    "MatrixRow",
    "MigrationMatrix",
    "RulesetRow",
    "checked_context",
    "diagnostic_rows",
    "diff_lines",
    "editor_context",
    "migration_matrix",
    "rulesets",
    "typed_text",
]
