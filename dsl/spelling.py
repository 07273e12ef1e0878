"""Words for messages about what an author wrote: close-name suggestions, values in words.

Pure. Shared by every reader of definitions — rules (`dsl`), forms, workflows and template
bundles (`engine.bundle`) — so "did you mean" and "found the text 'x'" read the same everywhere.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any


def edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance: insertions, deletions, substitutions, and a swap of
    two neighbours, each one edit."""
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


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """For the rules language: the candidate nearest `name` when it is close enough to be a
    likely typo (1 edit up to 4 letters, 2 up to 8, else 3), else None; ties go to the first in
    alphabetical order."""
    limit = 1 if len(name) <= 4 else 2 if len(name) <= 8 else 3
    best: tuple[int, str] | None = None
    for candidate in sorted(set(candidates)):
        distance = edit_distance(name.lower(), candidate.lower())
        if distance <= limit and (best is None or distance < best[0]):
            best = (distance, candidate)
    return best[1] if best else None


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """For definition files: the candidate a typo away from `name` (one edit per three letters),
    or that `name` cuts short (`payment_terms` for `payment_terms_days`); otherwise None. Ties go
    to the first candidate."""
    best: tuple[int, str] | None = None
    limit = max(1, len(name) // 3)
    for candidate in candidates:
        distance = edit_distance(name.lower(), candidate.lower())
        if len(name) >= 4 and candidate.lower().startswith(name.lower()):
            distance = min(distance, limit)
        if distance <= limit and (best is None or distance < best[0]):
            best = (distance, candidate)
    return best[1] if best else None


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """`; did you mean 'x'?` when a candidate is close (`suggest`), else the empty string."""
    close = suggest(name, candidates)
    return f"; did you mean '{close}'?" if close else ""


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
    if isinstance(value, float) and "e" not in repr(value):
        return f"the number {value!r}"  # as written: `1.0` stays `1.0`
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
