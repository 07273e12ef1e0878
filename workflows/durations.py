"""Durations as workflow authors write them: `90m`, `24h`, `3d`, `5bd` (business days). Pure."""

from __future__ import annotations

import re

from dsl.texts import N_
from workflows.model import Duration, DurationUnit

_DURATION = re.compile(r"([1-9][0-9]{0,5})(m|h|d|bd)")

DURATION_FORMS = N_(
    "a whole number followed by m (minutes), h (hours), d (days) or bd (business days), like 24h"
)


def parse_duration(text: object) -> Duration | None:
    """The duration written as `text`, or None when it is not one (a number without unit, `0h`)."""
    if not isinstance(text, str):
        return None
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        return None
    return Duration(int(match.group(1)), DurationUnit(match.group(2)))
