"""Rules-language expressions inside a workflow file: compiled by dsl, positioned in the YAML.

Pure. Guards read the customer's fields and terms plus what their trigger kind adds
(`workflows.triggers`); the other expressions also read `case.step` and `case.data`
(rules-language §9).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import dsl
from dsl import Diagnostic, DiagnosticsError, FieldInfo, Schema, Span, ValueType, YamlMap
from dsl.diagnostics import error
from dsl.texts import N_, Text, described, text
from workflows.model import Guard


def guard_schema(schema: Schema | None, reads: Mapping[str, FieldInfo]) -> Schema | None:
    """What a trigger guard reads: `schema` (customer fields + terms) and what the trigger kind
    adds (`reads`, from `workflows.triggers.TRIGGERS`); None when names are not checked."""
    return None if schema is None else {**schema, **reads}


def case_schema(
    schema: Schema | None,
    reads: Mapping[str, FieldInfo],
    case_data: Mapping[str, FieldInfo] | None,
) -> Schema | None:
    """What the other expressions of a workflow read (terms and set_field values, restore_when,
    cancel_when): as a guard, plus `case.step` and `case.data.F` for every field of the forms its
    actions name (`case_data`; None: the forms are not known, so `case.data` is not checked)."""
    if schema is None:
        return None
    data = FieldInfo(
        ValueType.RECORD, fields=None if case_data is None else MappingProxyType(dict(case_data))
    )
    case = FieldInfo(
        ValueType.RECORD, fields=MappingProxyType({"step": FieldInfo(ValueType.TEXT), "data": data})
    )
    return {**schema, **reads, "case": case}


def compile_at(
    mapping: YamlMap,
    key: Any,
    *,
    filename: str,
    expect: ValueType,
    schema: Schema | None,
    what: Text,
    lines: Sequence[str],
    diagnostics: list[Diagnostic],
) -> Guard | None:
    """`mapping[key]` compiled as an expression, its diagnostics positioned in the YAML file
    (whose text is `lines`).

    Returns None (with the diagnostics appended) when it is not text or does not compile.
    """
    source = mapping[key]
    span = mapping.value_span(key)
    if not isinstance(source, str) or not source.strip():
        diagnostics.append(
            error(
                "wrong-type",
                text(
                    N_("expected %(what)s in the rules language, written as text, found %(found)s"),
                    what=what,
                    found=described(source),
                ),
                span,
            )
        )
        return None
    line, column = dsl.expression_origin(mapping, key)
    try:
        compiled = dsl.compile_expression(
            source, filename=filename, schema=schema, line=line, column=column, expect=expect
        )
    except DiagnosticsError as exc:
        columns = _raw_columns(mapping, key, lines)
        diagnostics.extend(_placed(d, line, column, columns) for d in exc.diagnostics)
        return None
    diagnostics.extend(getattr(compiled, "warnings", ()))
    return Guard(source=source, expression=compiled, span=span)


def _raw_columns(mapping: YamlMap, key: Any, lines: Sequence[str]) -> list[int] | None:
    """For a one-line quoted scalar: the file column of each character of its value, then of the
    closing quote. None when the value is plain (its characters are where they are written)."""
    span = mapping.value_span(key)
    if not mapping.quoted.get(key) or span.line != span.end_line or span.line > len(lines):
        return None
    raw = lines[span.line - 1]
    quote = raw[span.column - 1 : span.column]
    if quote not in ("'", '"'):
        return None
    columns: list[int] = []
    i = span.column  # 0-based index of the first character after the opening quote
    while i < len(raw):
        char = raw[i]
        if char == quote and not (quote == "'" and raw[i + 1 : i + 2] == "'"):
            break
        columns.append(i + 1)
        if char == "'" and quote == "'":
            i += 2  # '' is one quote in a single-quoted scalar
        elif char == "\\" and quote == '"':
            i += {"x": 4, "u": 6, "U": 10}.get(raw[i + 1 : i + 2], 2)
        else:
            i += 1
    columns.append(i + 1)
    return columns


def _placed(
    diagnostic: Diagnostic, line: int, column: int, columns: list[int] | None
) -> Diagnostic:
    # dsl counts columns in the unescaped text; after `\"` in a YAML string the file has one
    # character more than the expression, so move the span onto the characters as written.
    span = diagnostic.span
    if columns is None or span is None or span.line != line or span.end_line != line:
        return diagnostic

    def moved(at: int) -> int:
        offset = at - column
        if 0 <= offset < len(columns):
            return columns[offset]
        return at + columns[-1] - (column + len(columns) - 1)

    placed = Span(span.file, line, moved(span.column), line, moved(span.end_column))
    return dataclasses.replace(diagnostic, span=placed)
