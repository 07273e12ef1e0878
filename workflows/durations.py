"""Durations as workflow authors write them: `90m`, `24h`, `3d`. Pure."""

from __future__ import annotations

import re
from datetime import timedelta

from dsl.texts import N_

_DURATION = re.compile(r"([1-9][0-9]{0,5})(m|h|d)")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}

DURATION_FORMS = N_("a whole number followed by m (minutes), h (hours) or d (days), like 24h")


def parse_duration(text: object) -> timedelta | None:
    """The duration written as `text`, or None when it is not one (a number without unit, `0h`)."""
    if not isinstance(text, str):
        return None
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        return None
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
