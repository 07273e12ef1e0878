"""The result of evaluating a ruleset for one record (rules-language §7). Pure data.

`Result` and `Fired` are immutable and cheap to make. The generated function of a ruleset
(`dsl.program`) collects only what hand-written code would — the score, the ids of the rules and
tables that fired, and the points and rows of tables and computed points — and returns a `Result`
made in one call. Everything else (each `Fired` with its inputs, alerts, flags, values, missing)
is built from that raw evaluation each time it is read (not cached), so scoring a portfolio pays
only for what it looks at. `fired`, `missing` and each `Fired.inputs` read the result's own copy
of the record (`snapshot`), never the caller's: changing the record afterwards changes no result.

Speed (docs/performance.md): each rule and table gets its own subclass of `Fired` at compile
time (`fired_class`) holding its id, label and constant points as class attributes, so a `Fired`
is one small tuple; a `Result` is one tuple behind read-only properties: no
`object.__setattr__`, no `functools.cached_property` (which takes a lock on every first read in
Python 3.11).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from types import MappingProxyType
from typing import Any

from dsl.dates import Period, to_date
from dsl.money import money
from dsl.program import InputRef, ItemInfo, Program
from dsl.runtime import freeze, member, normalise

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
    that class, and the instance is only `(record, context, let values[, points[, row]])`, with
    `inputs` computed from it when read. That it is a tuple underneath is an implementation
    detail: use the named fields.
    """

    __slots__ = ()

    id: str
    label: str | None
    points: int | float
    kind: str = "rule"  # "rule" | "table"
    row: TableRowMatch | None = None
    _refs: tuple[InputRef, ...] = ()

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

    id = property(itemgetter(0))
    label = property(itemgetter(1))
    points = property(itemgetter(2))
    kind = property(itemgetter(3))
    row = property(itemgetter(4))
    inputs = property(itemgetter(5))


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
class _Item:
    """How `Result.fired` makes the `Fired` of one rule or table."""

    cls: type[Fired]
    extra: bool  # its points (a table: and its row) are in the evaluation's extras
    rows: tuple[TableRowMatch, ...]  # a table's rows
    flags: tuple[str, ...]


class Facts:
    """What every `Result` of one compiled ruleset shares: its `Program` and each item's class."""

    __slots__ = ("items", "program")

    def __init__(self, program: Program) -> None:
        self.program = program
        self.items: Mapping[str, _Item] = {
            info.id: _Item(
                fired_class(info),
                info.kind == "table" or info.points is None,
                tuple(TableRowMatch(i, pattern) for i, pattern in enumerate(info.rows)),
                info.flags,
            )
            for info in program.items
        }


def snapshot(record: Mapping[str, Any], facts: Facts) -> dict[str, Any]:
    """What a `Result` keeps of the record: a shallow copy, with the fields that may hold records
    or lists (`Program.deep_fields`) copied deeply, so the result never reads the caller's record
    again (rules-language §7: a result is a value)."""
    copy = dict(record)
    for key in facts.program.deep_fields:
        value = copy.get(key)
        if value is not None:
            copy[key] = freeze(value)
    return copy


# The read-only fields a scoring loop reads, as the C-level getters of a named tuple: read
# faster than `property(itemgetter(i))`, which calls back into Python's property machinery.
_Read = namedtuple("_Read", ["score", "tier", "fired_ids"])
_Read.fired_ids.__doc__ = (
    "The ids of the rules that fired and of every table, in source order (as `fired`)."
)


@dataclass(frozen=True, slots=True)
class Alert:
    severity: str  # info, warning or critical
    message: str  # placeholders filled
    rule: str  # the id of the rule that raised it


class Result(tuple):  # type: ignore[type-arg]
    """score, tier, fired, alerts, flags, values and missing of one evaluation, and why the tier
    is what it is (`tier_row`, `tier_floor`) and which exchange rates were lacking. Immutable.

    Made by a compiled ruleset's generated code (`CompiledRuleset.evaluate`) in one call, as
    `(score, tier, fired ids, extras (the points, or (points, row index), of each fired table and
    rule with computed points, in order), alerts as (index, message), let values, the index of
    the rule whose `tier at least` raised the tier or -1, the tier row that held, record, context
    or None, Facts)`; everything but `score`, `tier` and `fired_ids` is made from it when read.
    That it is a tuple underneath is an implementation detail: use the named fields.
    """

    __slots__ = ()

    score: int | float = _Read.score
    tier: str = _Read.tier
    fired_ids: tuple[str, ...] = _Read.fired_ids

    @property
    def fired(self) -> tuple[Fired, ...]:
        """For each rule that fired and each table, in source order."""
        items = self[10].items
        extras = iter(self[3])
        source = (self[8], self[9], self[5])
        found = []
        for id in self[2]:
            item = items[id]
            if not item.extra:
                found.append(tuple.__new__(item.cls, source))
            elif item.rows:
                points, row = next(extras)
                found.append(tuple.__new__(item.cls, (*source, normalise(points), item.rows[row])))
            else:
                found.append(tuple.__new__(item.cls, (*source, normalise(next(extras)))))
        return tuple(found)

    @property
    def alerts(self) -> tuple[Alert, ...]:
        infos = self[10].program.alerts
        return tuple(
            Alert(infos[index].severity, text, infos[index].rule) for index, text in self[4]
        )

    @property
    def flags(self) -> frozenset[str]:
        items = self[10].items
        return frozenset(flag for id in self[2] for flag in items[id].flags)

    @property
    def values(self) -> Mapping[str, Any]:
        names = self[10].program.lets
        return MappingProxyType(
            {name: normalise(value) for name, value in zip(names, self[5], strict=True)}
        )

    @property
    def missing(self) -> tuple[str, ...]:
        """rules-language §4: every field referenced anywhere that is missing in the record."""
        record = self[8]
        found = []
        for path in self[10].program.fields_read:
            value: Any = record.get(path[0])
            for key in path[1:]:
                value = member(value, key)
            if value is None:
                found.append(".".join(path))
        return tuple(sorted(found))

    @property
    def missing_rates(self) -> tuple[str, ...]:
        """rules-language §5: the currencies whose rate on `as_of` was needed and not known."""
        context = self[9]
        return tuple(sorted(context.missing_rates)) if context is not None else ()

    @property
    def tier_row(self) -> TierRowMatch:
        """The tier row whose condition held first (before any `tier at least` floor)."""
        index = self[7]
        return TierRowMatch(index, self[10].program.tier_conditions[index])

    @property
    def tier_floor(self) -> tuple[str, str] | None:
        """(tier, rule id) of the `tier at least` that raised the tier, or None."""
        rule = self[6]
        if rule < 0:
            return None
        return self[1], self[10].program.items[rule].id

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
