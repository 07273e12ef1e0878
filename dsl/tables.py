"""Checking decision tables (rules-language §2): `table ID on SUBJECT` with rows
`PATTERN => POINTS` and a last `else => POINTS`. Pure: no I/O, no clock.

Reports patterns whose values cannot be compared with the subject, text that is not an option of a
choice subject, a missing or misplaced `else`, and warns about rows that can never match (shadowed
by earlier rows, or outside the subject field's declared range).
"""

from __future__ import annotations

from collections.abc import Callable

from dsl.catalog import ENGLISH_WORDING, Phrase, phrase
from dsl.diagnostics import Diagnostic
from dsl.nodes import Group, Pattern, Table
from dsl.ranges import Seen, declared, pattern_coverage
from dsl.schema import ValueType
from dsl.typecheck import ExpressionChecker, Scope, compatible

_NOT_SUBJECTS = (ValueType.RECORD, ValueType.DURATION)


def check_table(
    table: Table,
    checker: ExpressionChecker,
    scope: Scope,
    depth_ok: Callable[[object], bool],
    extra: list[Diagnostic],
) -> None:
    """Check one table; errors go to `checker`, warnings to `extra`."""
    name = table.id.name
    subject_type = ValueType.ANY
    if depth_ok(table.subject):
        subject_type = checker.check(table.subject, scope)
    if subject_type in _NOT_SUBJECTS:
        checker.report(
            "type-mismatch/table-subject", table.subject.span, name=name, type=subject_type
        )
        subject_type = ValueType.ANY
    else_row = None
    for row in table.rows:
        if else_row is not None:
            checker.report("row-after-else", row.pattern.span, hint="else-last", name=name)
        if row.pattern.kind == "else":
            else_row = else_row or row
        _check_pattern(row.pattern, table, subject_type, checker, scope)
        if depth_ok(row.points):
            checker.expect_number(row.points, scope, phrase("points-of-table", name=name))
    if else_row is None:
        checker.report("missing-else", table.id.span, name=name)
    _warn_unreachable(table, checker, extra)


def _check_pattern(
    pattern: Pattern,
    table: Table,
    subject_type: ValueType,
    checker: ExpressionChecker,
    scope: Scope,
) -> None:
    found = [checker.check(value, scope) for value in pattern.values]
    checker.coerce_like([table.subject, *pattern.values], [subject_type, *found])
    for value, value_type in zip(pattern.values, found, strict=True):
        if not compatible(subject_type, value_type) or value_type in _NOT_SUBJECTS:
            checker.report("type-mismatch/compare", value.span, type=subject_type, type2=value_type)
        elif pattern.kind in ("compare", "range") and ValueType.BOOLEAN in (
            subject_type,
            value_type,
        ):
            checker.report("type-mismatch/booleans-ordered", pattern.span)
        elif pattern.kind == "values" or pattern.operator in ("==", "!="):
            checker.check_option(table.subject, value)


def _warn_unreachable(table: Table, checker: ExpressionChecker, extra: list[Diagnostic]) -> None:
    subject = table.subject
    while isinstance(subject, Group):
        subject = subject.inner
    info = checker.field_info(subject)
    has_range = info is not None and (info.minimum is not None or info.maximum is not None)
    earlier = Seen()
    wording = checker.wording
    for row in table.rows:
        coverage = pattern_coverage(row.pattern)
        if coverage is None:
            continue
        if earlier.shadows(coverage):
            extra.append(wording.diagnostic("shadowed-row", row.pattern.span, name=table.id.name))
        elif has_range and info is not None and not coverage.missing and not coverage.discrete:
            allowed = declared(info.minimum, info.maximum)
            if all(i.intersect(allowed).is_empty for i in coverage.intervals):
                why = range_phrase(subject, info.minimum, info.maximum)
                extra.append(
                    wording.diagnostic(
                        "never-matches", row.pattern.span, name=table.id.name, why=why
                    )
                )
        earlier.add(coverage)


def range_phrase(node: object, minimum: float | None, maximum: float | None) -> Phrase:
    """Why a field's declared range excludes a condition: "'x' is declared between 0 and 10"."""
    from dsl.typecheck import path_text

    shown = path_text(node)  # type: ignore[arg-type]
    low = _number(minimum)
    high = _number(maximum)
    if minimum is not None and maximum is not None:
        return phrase("declared-between", name=shown, low=low, high=high)
    if minimum is not None:
        return phrase("declared-at-least", name=shown, low=low)
    return phrase("declared-at-most", name=shown, high=high)


def range_words(node: object, minimum: float | None, maximum: float | None) -> str:
    """`range_phrase` in English."""
    found = range_phrase(node, minimum, maximum)
    return ENGLISH_WORDING.text(found.key, **found.fields)


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(value)
