"""The result of evaluating a ruleset for one record (rules-language §7). Pure data.

`Result` and `Fired` are immutable and cheap to make: the generated function of a ruleset
(`dsl.program`) builds them directly, with `score`, `tier` and `fired` filled in and everything
else (alerts, flags, values, missing, each `Fired.inputs`) built from the raw evaluation each
time it is read (not cached), so scoring a portfolio pays only for what it looks at. `missing`
and each `Fired.inputs` read the record again: don't change a record while its results are
still being read.

Speed (docs/performance.md): each rule and table gets its own subclass of `Fired` at compile
time (`fired_class`) holding its id, label and constant points as class attributes, so a rule
that fires costs one small tuple (the evaluation it belongs to), and a `Result` is one tuple
behind read-only properties: no `object.__setattr__`, no `functools.cached_property` (which
takes a lock on every first read in Python 3.11).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from types import MappingProxyType
from typing import Any

from dsl.dates import Period, to_date
from dsl.money import money
from dsl.program import InputRef, ItemInfo
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


# What a fired rule's inputs are read from: (record, context or None, the lets' values).
Source = tuple[Mapping[str, Any], Any, tuple[Any, ...]]


def _input(ref: InputRef, source: Source) -> Any:
    """The value of one input as the rule saw it (money converted, dates as dates)."""
    record, context, lets = source[0], source[1], source[2]
    if ref.let_index is not None:
        return normalise(lets[ref.let_index])
    value: Any = record.get(ref.path[0])
    for key in ref.path[1:]:
        value = member(value, key)
    if ref.conversion == "money":
        value = money(value, context)
    elif ref.conversion == "date":
        value = to_date(value)
    return normalise(value)


class Fired(tuple):  # type: ignore[type-arg]
    """A rule that fired, or a table (a table always fires): its id, label and the points it added
    (negative when subtracted); for a table the row that matched; and the values of the fields
    and lets its condition (a table: its subject) read, for the explanation.

    `Fired(id, label, points, kind="rule", row=None, inputs={})` makes one by hand; equality
    ignores `inputs`. Those in a `Result` are instances of a class made for each rule and table
    when the ruleset is compiled (`fired_class`): id, label and constant points are attributes of
    that class, and the instance is only `(record, context, let values[, points[, row]])`, made by
    the generated code in one call, with `inputs` computed from it when read. That it is a tuple
    underneath is an implementation detail: use the named fields.
    """

    __slots__ = ()

    id: str
    label: str | None
    points: int | float
    kind: str = "rule"  # "rule" | "table"
    row: TableRowMatch | None = None
    _refs: tuple[InputRef, ...] = ()
    _flags: tuple[str, ...] = ()

    def __new__(
        cls,
        id: str,
        label: str | None,
        points: int | float,
        kind: str = "rule",
        row: TableRowMatch | None = None,
        inputs: Mapping[str, Any] = _EMPTY,
    ) -> Fired:
        return tuple.__new__(_GivenFired, (id, label, points, kind, row, inputs))

    @property
    def inputs(self) -> Mapping[str, Any]:
        return MappingProxyType({ref.name: _input(ref, self) for ref in self._refs})

    def _key(self) -> tuple[Any, ...]:
        return (self.id, self.label, self.points, self.kind, self.row)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Fired):
            return NotImplemented
        return self._key() == other._key()

    def __ne__(self, other: object) -> bool:
        if not isinstance(other, Fired):
            return NotImplemented
        return self._key() != other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"Fired(id={self.id!r}, label={self.label!r}, points={self.points!r}, "
            f"kind={self.kind!r}, row={self.row!r}, inputs={dict(self.inputs)!r})"
        )


class _GivenFired(Fired):
    """A `Fired` made by hand: `(id, label, points, kind, row, inputs)`."""

    __slots__ = ()

    id = property(itemgetter(0))  # type: ignore[assignment]
    label = property(itemgetter(1))  # type: ignore[assignment]
    points = property(itemgetter(2))  # type: ignore[assignment]
    kind = property(itemgetter(3))  # type: ignore[assignment]
    row = property(itemgetter(4))  # type: ignore[assignment]
    inputs = property(itemgetter(5))  # type: ignore[assignment]


def fired_class(info: ItemInfo) -> type[Fired]:
    """The `Fired` subclass of one rule or table of a compiled ruleset (see `Fired`).

    An instance is `(record, context, let values)` for a rule with constant points, with the
    points after them when they are computed, and the points and the `TableRowMatch` for a table.
    """
    attributes: dict[str, Any] = {
        "__slots__": (),
        "id": info.id,
        "label": info.label,
        "kind": info.kind,
        "_refs": info.inputs,
        "_flags": info.flags,
    }
    if info.kind == "table":
        attributes["points"] = property(itemgetter(3))
        attributes["row"] = property(itemgetter(4))
    elif info.points is None:
        attributes["points"] = property(itemgetter(3))
    else:
        attributes["points"] = normalise(info.points)
    return type(f"Fired_{info.kind}_{info.id}", (Fired,), attributes)


@dataclass(frozen=True, slots=True)
class Alert:
    severity: str  # info, warning or critical
    message: str  # placeholders filled
    rule: str  # the id of the rule that raised it


class Result(tuple):  # type: ignore[type-arg]
    """score, tier, fired, alerts, flags, values and missing of one evaluation, and why the tier
    is what it is (`tier_row`, `tier_floor`) and which exchange rates were lacking. Immutable.

    Made by a compiled ruleset's generated code (`CompiledRuleset.evaluate`) in one call, as
    `(score, tier, fired, alerts as (index, message), let values, the index of the rule whose
    `tier at least` raised the tier or -1, the tier row that held, record, context or None,
    program)`; `alerts`, `flags`, `values` and `missing` are made from it when read. That it is
    a tuple underneath is an implementation detail: use the named fields.
    """

    __slots__ = ()

    score: int | float = property(itemgetter(0))  # type: ignore[assignment]
    tier: str = property(itemgetter(1))  # type: ignore[assignment]
    fired: tuple[Fired, ...] = property(  # type: ignore[assignment]
        itemgetter(2), doc="For each rule that fired and each table, in source order."
    )

    @property
    def alerts(self) -> tuple[Alert, ...]:
        infos = self[9].alerts
        return tuple(
            Alert(infos[index].severity, text, infos[index].rule) for index, text in self[3]
        )

    @property
    def flags(self) -> frozenset[str]:
        return frozenset(flag for fired in self[2] for flag in fired._flags)

    @property
    def values(self) -> Mapping[str, Any]:
        names = self[9].lets
        return MappingProxyType(
            {name: normalise(value) for name, value in zip(names, self[4], strict=True)}
        )

    @property
    def missing(self) -> tuple[str, ...]:
        """rules-language §4: every field referenced anywhere that is missing in the record."""
        record = self[7]
        found = []
        for path in self[9].fields_read:
            value: Any = record.get(path[0])
            for key in path[1:]:
                value = member(value, key)
            if value is None:
                found.append(".".join(path))
        return tuple(sorted(found))

    @property
    def missing_rates(self) -> tuple[str, ...]:
        """rules-language §5: the currencies whose rate on `as_of` was needed and not known."""
        context = self[8]
        return tuple(sorted(context.missing_rates)) if context is not None else ()

    @property
    def tier_row(self) -> TierRowMatch:
        """The tier row whose condition held first (before any `tier at least` floor)."""
        index = self[6]
        return TierRowMatch(index, self[9].tier_conditions[index])

    @property
    def tier_floor(self) -> tuple[str, str] | None:
        """(tier, rule id) of the `tier at least` that raised the tier, or None."""
        rule = self[5]
        if rule < 0:
            return None
        return self[1], self[9].items[rule].id

    def to_dict(self) -> dict[str, Any]:
        """JSON-native: numbers, strings, booleans, None, lists and dicts only."""
        tier_row = self.tier_row
        tier_floor = self.tier_floor
        return {
            "score": self.score,
            "tier": self.tier,
            "tier_row": {"index": tier_row.index, "condition": tier_row.condition},
            "tier_floor": ({"tier": tier_floor[0], "rule": tier_floor[1]} if tier_floor else None),
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

    def __ne__(self, other: object) -> bool:
        if not isinstance(other, Result):
            return NotImplemented
        return self.to_dict() != other.to_dict()

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
