"""Durations as workflow authors write them: `90m`, `24h`, `3d`, `5bd` (business days). Pure."""

from __future__ import annotations

import re
from enum import StrEnum

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


class Order(StrEnum):
    """Whether one duration ends after another counted from the same moment."""

    LATER = "later"  # always, whatever the calendar
    NOT_LATER = "not_later"  # at least sometimes not later, even on the plainest calendar
    UNCERTAIN = "uncertain"  # later or not depending on the calendar and the starting day


def order(first: Duration, second: Duration) -> Order:
    """Whether `second` ends after `first`, both counted from the same moment.

    Fixed durations compare exactly; N business days take at least N days and, around
    weekends and holidays, any time longer. So `3d` then `3bd` is NOT_LATER (Monday to
    Thursday is both), `3bd` then `4d` is UNCERTAIN (three business days from a Friday take
    five days), `3bd` then `4bd` is LATER (one calendar counts both).
    """
    if first.is_business and second.is_business:
        return Order.LATER if second.amount > first.amount else Order.NOT_LATER
    if second.minimum() <= first.minimum():
        return Order.NOT_LATER
    return Order.UNCERTAIN if first.is_business else Order.LATER
