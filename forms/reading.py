"""Helpers for reading a positioned YAML form: names, close-name suggestions, values in words.

Pure. The loader uses them to collect every problem of a file at once; the validator uses
`suggest` and `describe` for its messages.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

# rules-language §1: letters (any script), digits and `_`, not starting with a digit (the same
# pattern as the rules grammar's NAME), and neither starting nor ending with `__`.
_NAME = re.compile(r"[^\W\d]\w*\Z")


def is_valid_name(name: object) -> bool:
    """True when `name` is a rules-language identifier (reserved words are checked apart)."""
    return (
        isinstance(name, str)
        and bool(_NAME.match(name))
        and not name.startswith("__")
        and not name.endswith("__")
    )


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to `name`, when it is close (a typo away); otherwise None."""
    best: tuple[int, str] | None = None
    limit = max(1, len(name) // 3)
    for candidate in candidates:
        distance = _edit_distance(name.lower(), candidate.lower())
        if distance <= limit and (best is None or distance < best[0]):
            best = (distance, candidate)
    return best[1] if best else None


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """`; did you mean 'x'?` when a candidate is close, else the empty string."""
    close = suggest(name, candidates)
    return f"; did you mean '{close}'?" if close else ""


def _edit_distance(a: str, b: str) -> int:
    """Levenshtein distance counting a swap of two neighbours as one edit."""
    before_previous: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], before_previous[j - 2] + 1)
        before_previous, previous = previous, current
    return previous[len(b)]


def describe(value: Any) -> str:
    """A value in words, as the author wrote it: `a list`, `the text 'x'`, `the number 3`."""
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else f"{'-' if value < 0 else ''}Infinity"
    if isinstance(value, int | float):
        return f"the number {number_text(value)}"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    return f"the text '{value}'"


def number_text(value: float) -> str:
    """A number as a person writes it: `0`, `0.5`, `1000000` (never `1e+06` or `0.0`)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return str(value)


def is_number(value: object) -> bool:
    """An int or float that is not a boolean (YAML and JSON `true` is not a number)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def humanise(name: str) -> str:
    """A field id as words, for a field without a label: `max_overdue_days` → `Max overdue days`."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else name
