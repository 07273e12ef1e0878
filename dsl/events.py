"""Event queries at evaluation time (rules-language §3 "Events"): `count`, `sum`, `min`, `max`
over a window ending on `as_of`, and `last`. Pure: events come from the caller.

An event is a mapping `{kind, occurred_at, payload}` as the REST API receives it (`occurred_at`
an ISO date or date-time text, or a date/datetime; its date as written is the event's date).
Events after `as_of` are ignored everywhere, so a past date is re-evaluated without look-ahead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from dsl.dates import Period, shift, to_date
from dsl.money import money

if TYPE_CHECKING:
    from dsl.context import Context

Where = Callable[["EventValue"], Any] | None


class EventValue(dict[str, Any]):
    """An event's payload, plus its date (`occurred_on`) for `days_since(last(KIND))`."""

    __slots__ = ("occurred_on",)

    def __init__(self, payload: Mapping[str, Any], occurred_on: date) -> None:
        super().__init__(payload)
        self.occurred_on = occurred_on


def _part(event: Any, key: str) -> Any:
    if event.__class__ is dict:  # the usual case, without the ABC check's cost
        return event.get(key)
    if isinstance(event, Mapping):
        return event.get(key)
    return getattr(event, key, None)


def group_events(events: Iterable[Any], as_of: date | None) -> dict[str, list[EventValue]]:
    """Events by kind, oldest first, without those after `as_of` or without a readable date."""
    grouped: dict[str, list[EventValue]] = {}
    if as_of is None:
        return grouped
    for event in events:
        kind = _part(event, "kind")
        day = to_date(_part(event, "occurred_at"))
        if kind.__class__ is not str or day is None or day > as_of:
            continue
        payload = _part(event, "payload")
        grouped.setdefault(kind, []).append(
            EventValue(payload if isinstance(payload, Mapping) else {}, day)
        )
    for listed in grouped.values():
        listed.sort(key=lambda e: e.occurred_on)  # stable: same-day events keep their order
    return grouped


class GroupedEvents(dict[str, list[EventValue]]):
    """Events grouped once (`grouped_events`) for one `as_of`: passed as `events=` to several
    evaluations on that `as_of` (a simulation scores each customer by two rulesets), they are
    not grouped again; an evaluation on another day groups `events` (the originals) anew.
    Read-only by convention: evaluations never change them."""

    __slots__ = ("as_of", "events")

    def __init__(
        self, grouped: Mapping[str, list[EventValue]], as_of: date | None, events: Iterable[Any]
    ) -> None:
        super().__init__(grouped)
        self.as_of = as_of
        self.events = events


def grouped_events(events: Iterable[Any], as_of: date | None) -> GroupedEvents:
    """`events` grouped by kind for evaluations on `as_of` (see `GroupedEvents`)."""
    listed = list(events)
    return GroupedEvents(group_events(listed, as_of), as_of, listed)


def _window(context: Context, kind: str, within: Any, where: Where) -> list[EventValue] | None:
    """The events of `kind` with `as_of − within ≤ date ≤ as_of` for which `where` holds."""
    if within.__class__ is not Period or context.as_of is None:
        return None
    try:
        start = shift(context.as_of, within, -1)
    except OverflowError:
        start = date.min
    chosen = [e for e in context.events_of(kind) if e.occurred_on >= start]
    if where is not None:
        chosen = [e for e in chosen if where(e) is True]
    return chosen


def _field(event: EventValue, field: str, conversion: str | None, context: Context) -> Any:
    value = event.get(field)
    if conversion == "money":
        return money(value, context)
    if conversion == "date":
        return to_date(value)
    return value


def count(context: Context, kind: str, within: Any, where: Where) -> int | None:
    chosen = _window(context, kind, within, where)
    return None if chosen is None else len(chosen)


def _values(
    context: Context, kind: str, within: Any, field: str, conversion: str | None, where: Where
) -> list[Any] | None:
    chosen = _window(context, kind, within, where)
    if chosen is None:
        return None
    values = [_field(e, field, conversion, context) for e in chosen]
    if conversion == "date":
        return [v for v in values if v is not None]
    # an event lacking the field (or holding no number there) is skipped
    return [v for v in values if v.__class__ is int or v.__class__ is float]


def total(
    context: Context, kind: str, within: Any, field: str, conversion: str | None, where: Where
) -> int | float | None:
    """rules-language §3: an empty sum is 0."""
    values = _values(context, kind, within, field, conversion, where)
    if values is None or conversion == "date":
        return None
    result: int | float = 0
    for value in values:
        result += value
    return result


def largest(
    context: Context, kind: str, within: Any, field: str, conversion: str | None, where: Where
) -> Any:
    """rules-language §3: an empty max is missing."""
    values = _values(context, kind, within, field, conversion, where)
    return max(values) if values else None


def smallest(
    context: Context, kind: str, within: Any, field: str, conversion: str | None, where: Where
) -> Any:
    values = _values(context, kind, within, field, conversion, where)
    return min(values) if values else None


def last(context: Context, kind: str) -> EventValue | None:
    """The latest event of `kind` on or before `as_of` (the last given, on the same day)."""
    events = context.events_of(kind)
    return events[-1] if events else None


def either(event: Any, field: str, otherwise: Any) -> Any:
    """Inside `where` without an event schema: the payload's field when it has it (§3)."""
    if isinstance(event, Mapping) and field in event:
        return event[field]
    return otherwise
