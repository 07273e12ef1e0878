"""What one evaluation reads besides the record: the date, the events, the exchange rates.

Pure: built per evaluation from the caller's arguments; it records the rates that were lacking
so that the result can say so (rules-language §5).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from dsl.events import EventValue, GroupedEvents, group_events

RateLookup = Callable[[str, date], Any]


class Context:
    """as_of, events by kind (grouped on first use), the rate lookup and what it lacked."""

    __slots__ = ("_events", "_grouped", "as_of", "base_currency", "fx", "missing_rates", "rates")

    def __init__(
        self,
        as_of: date | None,
        events: Iterable[Any] = (),
        fx: RateLookup | None = None,
        base_currency: str | None = None,
    ) -> None:
        self.as_of = as_of
        self.fx = fx
        self.base_currency = base_currency
        self.rates: dict[str, int | float | None] = {}
        self.missing_rates: set[str] = set()
        self._events = events
        self._grouped: dict[str, list[EventValue]] | None = None
        if isinstance(events, GroupedEvents):
            # grouped once by the caller (a simulation's two evaluations): for this as_of as
            # they are, for another from the events themselves
            if events.as_of == as_of:
                self._grouped = events
            else:
                self._events = events.events

    def events_of(self, kind: str) -> list[EventValue]:
        """The events of `kind` dated on or before `as_of`, oldest first."""
        if self._grouped is None:
            self._grouped = group_events(self._events, self.as_of)
        return self._grouped.get(kind, [])
