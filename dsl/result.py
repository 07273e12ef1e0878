"""The result of evaluating a ruleset for one record (rules-language §7). Pure data.

`Result` is immutable. Only `score` and `tier` are made when a record is evaluated; the other
parts are built from the raw evaluation the first time they are read, so scoring a portfolio pays
only for what it looks at. `missing` reads the record again on first access: don't change a record
while its results are still being read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import Any

from dsl.codegen import Program
from dsl.runtime import member, normalise


@dataclass(frozen=True, slots=True)
class Fired:
    """A rule that fired: its id, label and the points it added (negative when subtracted)."""

    id: str
    label: str | None
    points: int | float


@dataclass(frozen=True, slots=True)
class Alert:
    severity: str  # info, warning or critical
    message: str  # placeholders filled
    rule: str  # the id of the rule that raised it


class Result:
    """score, tier, fired, alerts, flags, values and missing of one evaluation."""

    score: int | float
    tier: str

    def __init__(
        self,
        program: Program,
        raw: tuple[Any, list[Any], list[tuple[int, str]], int, tuple[Any, ...]],
        record: Mapping[str, Any],
        fields_read: tuple[tuple[str, ...], ...],
    ) -> None:
        set_ = object.__setattr__
        set_(self, "score", normalise(raw[0]))
        set_(self, "tier", program.tiers[raw[3]])
        set_(self, "_program", program)
        set_(self, "_raw", raw)
        set_(self, "_record", record)
        set_(self, "_fields_read", fields_read)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a Result cannot be changed")

    @cached_property
    def fired(self) -> tuple[Fired, ...]:
        rules = self._program.rules  # type: ignore[attr-defined]
        fired = []
        for entry in self._raw[1]:  # type: ignore[attr-defined]
            if entry.__class__ is int:
                rule = rules[entry]
                fired.append(Fired(rule.id, rule.label, normalise(rule.points)))
            else:
                rule = rules[entry[0]]
                fired.append(Fired(rule.id, rule.label, normalise(entry[1])))
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
        rules = self._program.rules  # type: ignore[attr-defined]
        return frozenset(
            flag
            for entry in self._raw[1]  # type: ignore[attr-defined]
            for flag in rules[entry if entry.__class__ is int else entry[0]].flags
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

    def to_dict(self) -> dict[str, Any]:
        """JSON-native: numbers, strings, booleans, None, lists and dicts only."""
        return {
            "score": self.score,
            "tier": self.tier,
            "fired": [{"id": f.id, "label": f.label, "points": f.points} for f in self.fired],
            "alerts": [
                {"severity": a.severity, "message": a.message, "rule": a.rule} for a in self.alerts
            ],
            "flags": sorted(self.flags),
            "values": {name: _json(value) for name, value in self.values.items()},
            "missing": list(self.missing),
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


def _json(value: Any) -> Any:
    """A let's value as JSON: records and lists (read from the data) are copied as they are."""
    if isinstance(value, Mapping):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    return normalise(value)
