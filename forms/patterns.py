"""The `pattern` of a text field: checked when the form is loaded, matched on bounded input.

Pure. A pattern is a Python regular expression that a value must match whole (`re.fullmatch`).
Its text is at most `PATTERN_MAX_LENGTH` characters; a value it is matched against is at most the
field's `max_length` (`PATTERN_INPUT_LENGTH` when the field sets none, `PATTERN_INPUT_LIMIT` at
most), and a repetition inside a repetition (`(a+)+`, `(\\w*,)*`), which can take exponential
time on a value that almost matches, is refused (docs/forms.md, "Patterns").
"""

from __future__ import annotations

import re
import re._parser as sre_parse  # type: ignore[import-not-found]  # the stdlib's own parser
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, Final

from dsl.texts import N_, Text, text

PATTERN_MAX_LENGTH: Final = 200
PATTERN_INPUT_LENGTH: Final = 200  # a field with a pattern and no max_length
PATTERN_INPUT_LIMIT: Final = 1000  # the largest max_length a field with a pattern may have

_REPEATS = (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT, sre_parse.POSSESSIVE_REPEAT)


def pattern_problem(pattern: str) -> Text | None:
    """What makes `pattern` unfit as a field's pattern, in words, or None."""
    if len(pattern) > PATTERN_MAX_LENGTH:
        return text(
            N_("the pattern is %(length)d characters long, more than %(max)d"),
            length=len(pattern),
            max=PATTERN_MAX_LENGTH,
        )
    try:
        parsed = sre_parse.parse(pattern)
    except re.error as exc:
        return text(N_("the pattern is not a valid regular expression: %(reason)s"), reason=exc.msg)
    except (RecursionError, OverflowError):
        return text(N_("the pattern is nested too deeply"))
    try:
        re.compile(schema_pattern(pattern))
    except re.error as exc:  # a global flag such as (?i) not at the start of the whole
        return text(
            N_(
                "the pattern cannot be matched whole (%(reason)s): write a flag on a group "
                "instead, such as (?i:abc)"
            ),
            reason=exc.msg,
        )
    if _has_nested_repeat(parsed.data, inside=False):
        return text(
            N_(
                "the pattern repeats a part that itself repeats (like (a+)+), which can take "
                "exponential time"
            )
        )
    return None


def _has_nested_repeat(items: Iterable[Any], *, inside: bool) -> bool:
    for op, argument in items:
        if op in _REPEATS:
            low, high, body = argument
            repeats = high is sre_parse.MAXREPEAT or high > 1
            # a count the engine can try in several ways (a possessive one it never retries)
            if inside and low != high and op is not sre_parse.POSSESSIVE_REPEAT:
                return True
            if _has_nested_repeat(body, inside=inside or repeats):
                return True
        elif op is sre_parse.SUBPATTERN:
            if _has_nested_repeat(argument[-1], inside=inside):
                return True
        elif op is sre_parse.BRANCH:
            if any(_has_nested_repeat(branch, inside=inside) for branch in argument[1]):
                return True
        elif op is sre_parse.ATOMIC_GROUP:  # never backtracked into
            if _has_nested_repeat(argument, inside=False):
                return True
        elif op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT) and _has_nested_repeat(
            argument[-1], inside=inside
        ):
            return True
    return False


@lru_cache(maxsize=256)
def compiled(pattern: str) -> re.Pattern[str]:
    """The compiled pattern (checked by `pattern_problem` when its form was loaded)."""
    return re.compile(pattern)


def matches(pattern: str, value: str) -> bool:
    """True when `value` matches `pattern` whole."""
    return compiled(pattern).fullmatch(value) is not None


def schema_pattern(pattern: str) -> str:
    """`pattern` as JSON Schema's `pattern`, which searches: anchored at both ends, and `$` not
    satisfied before a final line break (`(?![\\s\\S])` means the very end in both Python's and
    ECMA-262's regular expressions)."""
    return f"^(?:{pattern})$(?![\\s\\S])"
