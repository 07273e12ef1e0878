"""Helpers for reading a positioned YAML definition: key checks, type words, close-name suggestions.

Pure. Each helper appends positioned diagnostics to a list and returns what could be read, so the
loader collects every problem of a file at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from dsl import Diagnostic, Span, YamlList, YamlMap
from dsl.diagnostics import error


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to `name`, when it is close (a typo away); otherwise None."""
    best: tuple[int, str] | None = None
    limit = max(1, len(name) // 3)
    for candidate in candidates:
        distance = _edit_distance(name.lower(), candidate.lower())
        if len(name) >= 4 and candidate.lower().startswith(name.lower()):
            distance = min(distance, limit)  # a name cut short: `payment_terms`
        if distance <= limit and (best is None or distance < best[0]):
            best = (distance, candidate)
    return best[1] if best else None


def _edit_distance(a: str, b: str) -> int:
    """Levenshtein distance counting a swap of two neighbours as one edit."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """`; did you mean 'x'?` when a candidate is close, else the empty string."""
    close = suggest(name, candidates)
    return f"; did you mean '{close}'?" if close else ""


def describe(value: Any) -> str:
    """A value as the author wrote it, in words: `a list`, `the text 'x'`, `the number 3`."""
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    return f"the text '{value}'"


def is_identifier(value: Any) -> bool:
    """Letters (any script), digits and `_`, not starting with a digit."""
    return isinstance(value, str) and value.isidentifier()


def check_keys(
    mapping: YamlMap,
    *,
    allowed: Collection[str],
    later: Collection[str] = (),
    where: str,
    diagnostics: list[Diagnostic],
) -> None:
    """Report each key of `mapping` not `allowed`; keys a later version reads are told apart."""
    for key in mapping:
        if key in allowed:
            continue
        span = mapping.key_span(key)
        if key in later:
            diagnostics.append(
                error(
                    "not-supported-yet",
                    f"'{key}' {where} is not supported yet",
                    span,
                    hint="this version of riskdesk does not read it; remove it for now",
                )
            )
            continue
        name = str(key)
        diagnostics.append(
            error(
                "unknown-key",
                f"unknown key '{name}' {where}{did_you_mean(name, allowed)}",
                span,
                hint=None if suggest(name, allowed) else "expected one of: " + ", ".join(allowed),
            )
        )


def expect_map(
    value: Any, span: Span, *, what: str, diagnostics: list[Diagnostic], hint: str | None = None
) -> YamlMap | None:
    """`value` when it is a mapping, else None with a `wrong-type` error at `span`."""
    if isinstance(value, YamlMap):
        return value
    diagnostics.append(
        error("wrong-type", f"expected {what}, found {describe(value)}", span, hint=hint)
    )
    return None


def expect_list(
    value: Any, span: Span, *, what: str, diagnostics: list[Diagnostic]
) -> YamlList | None:
    """`value` when it is a list, else None with a `wrong-type` error at `span`."""
    if isinstance(value, YamlList):
        return value
    diagnostics.append(error("wrong-type", f"expected {what}, found {describe(value)}", span))
    return None


def expect_text(
    mapping: YamlMap, key: str, *, what: str, diagnostics: list[Diagnostic]
) -> str | None:
    """`mapping[key]` when it is non-blank text, else None with a `wrong-type` error."""
    value = mapping[key]
    if isinstance(value, str) and value.strip():
        return value
    diagnostics.append(
        error("wrong-type", f"expected {what}, found {describe(value)}", mapping.value_span(key))
    )
    return None


def require(
    mapping: YamlMap, keys: Iterable[str], *, where: str, span: Span, diagnostics: list[Diagnostic]
) -> bool:
    """True when every key is present; else a `missing-key` error per absent key at `span`."""
    present = True
    for key in keys:
        if key not in mapping:
            diagnostics.append(error("missing-key", f"missing '{key}' {where}", span))
            present = False
    return present


def expect_identifier(
    mapping: YamlMap, key: str, *, what: str, diagnostics: list[Diagnostic]
) -> str | None:
    """`mapping[key]` when it is a name (`is_identifier`), else None with a `bad-id` error."""
    value = mapping[key]
    if is_identifier(value):
        return str(value)
    diagnostics.append(
        error(
            "bad-id",
            f"{what} must be a name of letters, digits and '_' not starting with a digit, "
            f"found {describe(value)}",
            mapping.value_span(key),
        )
    )
    return None
