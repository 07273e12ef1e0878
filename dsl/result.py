"""The result of evaluating a ruleset for one record (rules-language §7). Pure data.

`Result` is immutable. Only `score` and `tier` are made when a record is evaluated; the other
parts are built from the raw evaluation the first time they are read, so scoring a portfolio pays
only for what it looks at. `missing` and each `Fired.inputs` read the record again on first
access: don't change a record while its results are still being read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from types import MappingProxyType
from typing import Any

from dsl.context import Context
from dsl.dates import Period, to_date
from dsl.money import money
from dsl.program import InputRef, Program
from dsl.runtime import member, normalise

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class TableRowMatch:
    """The row of a table that matched: its position (0-based) and its pattern as written."""

    index: int
    pattern: str  # `< 2`, `"construction", "internet"`, `else`


@dataclass(frozen=True, slots=True)
class TierRowMatch:
    """The tier row whose condition decided: its position and its condition as written."""

    index: int
    condition: str  # `score >= 60`, or `otherwise`


@dataclass(frozen=True, slots=True)
class Fired:
    """A rule that fired, or a table (a table always fires): its id, label and the points it added
    (negative when subtracted); for a table the row that matched; and the values of the fields
    and lets its condition (a table: its subject) read, for the explanation."""

    id: str
    label: str | None
    points: int | float
    kind: str = "rule"  # "rule" | "table"
    row: TableRowMatch | None = None
    inputs: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, compare=False)


@dataclass(frozen=True, slots=True)
class Alert:
    severity: str  # info, warning or critical
    message: str  # placeholders filled
    rule: str  # the id of the rule that raised it


class Result:
    """score, tier, fired, alerts, flags, values and missing of one evaluation, and why the tier
    is what it is (`tier_row`, `tier_floor`) and which exchange rates were lacking."""

    score: int | float
    tier: str

    def __init__(
        self,
        program: Program,
        raw: tuple[Any, list[Any], list[tuple[int, str]], int, tuple[Any, ...], int, int],
        record: Mapping[str, Any],
        fields_read: tuple[tuple[str, ...], ...],
        context: Context,
    ) -> None:
        set_ = object.__setattr__
        set_(self, "score", normalise(raw[0]))
        set_(self, "tier", program.tiers[raw[3]])
        set_(self, "_program", program)
        set_(self, "_raw", raw)
        set_(self, "_record", record)
        set_(self, "_fields_read", fields_read)
        set_(self, "_context", context)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a Result cannot be changed")

    def _input(self, ref: InputRef) -> Any:
        if ref.let_index is not None:
            return normalise(self._raw[4][ref.let_index])  # type: ignore[attr-defined]
        value: Any = self._record.get(ref.path[0])  # type: ignore[attr-defined]
        for key in ref.path[1:]:
            value = member(value, key)
        if ref.conversion == "money":
            value = money(value, self._context)  # type: ignore[attr-defined]
        elif ref.conversion == "date":
            value = to_date(value)
        return normalise(value)

    @cached_property
    def fired(self) -> tuple[Fired, ...]:
        items = self._program.items  # type: ignore[attr-defined]
        fired = []
        for entry in self._raw[1]:  # type: ignore[attr-defined]
            if entry.__class__ is int:
                index, points, row = entry, items[entry].points, None
            else:
                index, points = entry[0], entry[1]
                row = entry[2] if len(entry) == 3 else None
            item = items[index]
            inputs = MappingProxyType({ref.name: self._input(ref) for ref in item.inputs})
            matched = TableRowMatch(row, item.rows[row]) if row is not None else None
            fired.append(Fired(item.id, item.label, normalise(points), item.kind, matched, inputs))
        return tuple(fired)

    @cached_property
    def alerts(self) -> tuple[Alert, ...]:
        infos = self._program.alerts  # type: ignore[attr-defined]
        return tuple(
            Alert(infos[index].severity, text, infos[index].rule)
            for index, text in self._raw[2]  # type: ignore[attr-defined]
        )

    @cached_property
    def flags(self) -> frozenset[str]:
        items = self._program.items  # type: ignore[attr-defined]
        return frozenset(
            flag
            for entry in self._raw[1]  # type: ignore[attr-defined]
            for flag in items[entry if entry.__class__ is int else entry[0]].flags
        )

    @cached_property
    def values(self) -> Mapping[str, Any]:
        names = self._program.lets  # type: ignore[attr-defined]
        return MappingProxyType(
            {name: normalise(value) for name, value in zip(names, self._raw[4], strict=True)}  # type: ignore[attr-defined]
        )

    @cached_property
    def missing(self) -> tuple[str, ...]:
        """rules-language §4: every field referenced anywhere that is missing in the record."""
        record = self._record  # type: ignore[attr-defined]
        found = []
        for path in self._fields_read:  # type: ignore[attr-defined]
            value: Any = record.get(path[0])
            for key in path[1:]:
                value = member(value, key)
            if value is None:
                found.append(".".join(path))
        return tuple(sorted(found))

    @property
    def missing_rates(self) -> tuple[str, ...]:
        """rules-language §5: the currencies whose rate on `as_of` was needed and not known."""
        return tuple(sorted(self._context.missing_rates))  # type: ignore[attr-defined]

    @cached_property
    def tier_row(self) -> TierRowMatch:
        """The tier row whose condition held first (before any `tier at least` floor)."""
        program: Program = self._program  # type: ignore[attr-defined]
        index = self._raw[6]  # type: ignore[attr-defined]
        return TierRowMatch(index, program.tier_conditions[index])

    @cached_property
    def tier_floor(self) -> tuple[str, str] | None:
        """(tier, rule id) of the `tier at least` that raised the tier, or None."""
        raw = self._raw  # type: ignore[attr-defined]
        if raw[5] < 0:
            return None
        return self.tier, self._program.items[raw[5]].id  # type: ignore[attr-defined]

    def to_dict(self) -> dict[str, Any]:
        """JSON-native: numbers, strings, booleans, None, lists and dicts only."""
        return {
            "score": self.score,
            "tier": self.tier,
            "tier_row": {"index": self.tier_row.index, "condition": self.tier_row.condition},
            "tier_floor": (
                {"tier": self.tier_floor[0], "rule": self.tier_floor[1]}
                if self.tier_floor
                else None
            ),
            "fired": [_fired_dict(f) for f in self.fired],
            "alerts": [
                {"severity": a.severity, "message": a.message, "rule": a.rule} for a in self.alerts
            ],
            "flags": sorted(self.flags),
            "values": {name: to_json(value) for name, value in self.values.items()},
            "missing": list(self.missing),
            "missing_rates": list(self.missing_rates),
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Result):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"Result(score={self.score!r}, tier={self.tier!r}, fired={self.fired!r}, "
            f"alerts={self.alerts!r}, flags={set(self.flags)!r}, values={dict(self.values)!r}, "
            f"missing={self.missing!r})"
        )


def _fired_dict(fired: Fired) -> dict[str, Any]:
    return {
        "id": fired.id,
        "label": fired.label,
        "points": fired.points,
        "kind": fired.kind,
        "row": ({"index": fired.row.index, "pattern": fired.row.pattern} if fired.row else None),
        "inputs": {name: to_json(value) for name, value in fired.inputs.items()},
    }


def to_json(value: Any) -> Any:
    """A value as JSON: dates as ISO text, durations as `30 days`, records and lists copied."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Period):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return normalise(value)
