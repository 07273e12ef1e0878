"""Helpers for reading a positioned YAML form: names, numbers, labels.

Pure. Close-name suggestions and values in words come from `dsl.spelling`, shared with the other
readers of definitions.
"""

from __future__ import annotations

import re

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


def is_number(value: object) -> bool:
    """An int or float that is not a boolean (YAML and JSON `true` is not a number)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def humanise(name: str) -> str:
    """A field id as words, for a field without a label: `max_overdue_days` → `Max overdue days`."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else name
