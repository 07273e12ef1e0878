"""Positioned diagnostics: the one error shape for rules, forms, workflows and template bundles.

Pure: no I/O. Rendering follows rules-language §6: `FILE:LINE:COLUMN: severity: message`, then the
source line and a caret under the offending span (wide CJK characters and tabs allowed for).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from dsl.texts import Text


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of source text; lines and columns are 1-based, columns count code points.

    The end is exclusive: a one-character token at column 8 ends at column 9.
    """

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, file: str, line: int, column: int) -> Span:
        return cls(file, line, column, line, column + 1)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str  # stable: "unknown-field", "let-cycle"
    severity: Severity
    message: str  # one sentence in the user's words
    span: Span | None
    hint: str | None = None  # "did you mean 'max_overdue_days'?"
    # How it was worded, so it can be said again in another language (dsl.catalog.in_language):
    # dsl.catalog's message key, fields and keywords, or a `Said` (message ids and params, made by
    # `error`/`warning` given a `Text`); None for a diagnostic made from finished text.
    wording: Any = field(default=None, compare=False, repr=False)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_dict(self) -> dict[str, Any]:
        """The shared JSON shape (DESIGN.md, "Diagnostics")."""
        span = self.span
        return {
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message,
            "file": span.file if span else None,
            "line": span.line if span else None,
            "column": span.column if span else None,
            "end_line": span.end_line if span else None,
            "end_column": span.end_column if span else None,
            "hint": self.hint,
        }


@dataclass(frozen=True, slots=True)
class Said:
    """A diagnostic's message and hint as message ids and params (dsl.texts), to say again."""

    message: Text | str
    hint: Text | str | None


def _made(
    code: str, severity: Severity, message: Text | str, span: Span | None, hint: Text | str | None
) -> Diagnostic:
    wording = Said(message, hint) if isinstance(message, Text) or isinstance(hint, Text) else None
    english_hint = str(hint) if hint is not None else None
    return Diagnostic(code, severity, str(message), span, english_hint or None, wording)


def error(
    code: str, message: Text | str, span: Span | None, hint: Text | str | None = None
) -> Diagnostic:
    """An error; a `Text` message or hint is kept as its wording, to be said in other languages."""
    return _made(code, Severity.ERROR, message, span, hint)


def warning(
    code: str, message: Text | str, span: Span | None, hint: Text | str | None = None
) -> Diagnostic:
    """A warning; a `Text` message or hint is kept as its wording (`error`)."""
    return _made(code, Severity.WARNING, message, span, hint)


def said_in(
    diagnostic: Diagnostic, language: str, translate: Callable[[str], str]
) -> Diagnostic | None:
    """`diagnostic` with the message and hint of its `Said` wording in `language` (message ids
    passed through `translate`, the catalog of `language`); None when it has no such wording."""
    said = diagnostic.wording
    if not isinstance(said, Said):
        return None

    def again(piece: Text | str | None) -> str | None:
        if isinstance(piece, Text):
            return piece.in_language(language, translate) or None
        return piece

    return replace(diagnostic, message=again(said.message) or "", hint=again(said.hint))


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


class DiagnosticsError(Exception):
    """Raised by a loader or compiler that cannot go on; `diagnostics` lists every problem found."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        first = next((d for d in self.diagnostics if d.is_error), None)
        summary = first.message if first else "invalid definition"
        more = len(self.diagnostics) - 1
        super().__init__(summary + (f" (and {more} more)" if more > 0 else ""))


def _display_width(text: str) -> int:
    width = 0
    for char in text:
        if char == "\t":
            width += 4
        elif unicodedata.east_asian_width(char) in ("W", "F"):
            width += 2
        elif unicodedata.combining(char):
            continue
        else:
            width += 1
    return width


def _expand_tabs(text: str) -> str:
    return text.replace("\t", "    ")


def render(diagnostic: Diagnostic, source: str | None = None) -> str:
    """`FILE:LINE:COLUMN: severity: message`, plus the source line and carets given `source`."""
    span = diagnostic.span
    if span is None:
        head = f"{diagnostic.severity}: {diagnostic.message}"
    else:
        head = f"{span.file}:{span.line}:{span.column}: {diagnostic.severity}: {diagnostic.message}"
    lines = [head]
    if span is not None and source is not None:
        source_lines = source.splitlines()
        if 1 <= span.line <= len(source_lines):
            text = source_lines[span.line - 1]
            gutter = f"{span.line:5d} | "
            lines.append(gutter + _expand_tabs(text))
            start = max(span.column - 1, 0)
            if span.end_line == span.line:
                end = max(span.end_column - 1, start + 1)
            else:
                end = max(len(text), start + 1)
            lead = _display_width(text[:start])
            marked = text[start:end]
            width = max(_display_width(marked), 1)
            lines.append(" " * (len(gutter) - 2) + "| " + " " * lead + "^" * width)
    if diagnostic.hint:
        lines.append(f"      = hint: {diagnostic.hint}")
    return "\n".join(lines)


def render_all(diagnostics: Iterable[Diagnostic], sources: Mapping[str, str] | None = None) -> str:
    """Render several diagnostics, each with its own file's source when `sources` has it."""
    sources = sources or {}
    parts = []
    for diagnostic in diagnostics:
        file = diagnostic.span.file if diagnostic.span else None
        parts.append(render(diagnostic, sources.get(file) if file else None))
    return "\n".join(parts)
