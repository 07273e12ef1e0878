"""Sets of values a condition or a table pattern can match, for the checker's warnings (§5):
a rule that can never fire given a field's declared range, a table row that earlier rows shadow.
Pure. Only what is certain is reported: anything not understood counts as "could match".
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from dsl.nodes import Between, Compare, Date, Expr, Group, Logic, Number, Pattern

INF = math.inf


@dataclass(frozen=True, slots=True)
class Interval:
    low: float
    low_closed: bool
    high: float
    high_closed: bool

    @property
    def is_empty(self) -> bool:
        if self.low > self.high:
            return True
        return self.low == self.high and not (self.low_closed and self.high_closed)

    def intersect(self, other: Interval) -> Interval:
        low, low_open = max((self.low, not self.low_closed), (other.low, not other.low_closed))
        high, high_closed = min((self.high, self.high_closed), (other.high, other.high_closed))
        return Interval(low, not low_open, high, high_closed)

    def within(self, other: Interval) -> bool:
        low_ok = other.low < self.low or (
            other.low == self.low and (other.low_closed or not self.low_closed)
        )
        high_ok = self.high < other.high or (
            self.high == other.high and (other.high_closed or not self.high_closed)
        )
        return low_ok and high_ok


EVERYTHING = Interval(-INF, False, INF, False)


def point(value: float) -> Interval:
    return Interval(value, True, value, True)


def comparison(operator: str, value: float) -> tuple[Interval, ...]:
    """The values `x` with `x OPERATOR value`."""
    return {
        "==": (point(value),),
        "!=": (Interval(-INF, False, value, False), Interval(value, False, INF, False)),
        "<": (Interval(-INF, False, value, False),),
        "<=": (Interval(-INF, False, value, True),),
        ">": (Interval(value, False, INF, False),),
        ">=": (Interval(value, True, INF, False),),
    }[operator]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Disjoint, sorted intervals covering the same values."""
    ordered = sorted(
        (i for i in intervals if not i.is_empty), key=lambda i: (i.low, not i.low_closed)
    )
    merged: list[Interval] = []
    for interval in ordered:
        if merged:
            last = merged[-1]
            touches = interval.low < last.high or (
                interval.low == last.high and (interval.low_closed or last.high_closed)
            )
            if touches:
                high = max((last.high, last.high_closed), (interval.high, interval.high_closed))
                merged[-1] = Interval(last.low, last.low_closed, high[0], high[1])
                continue
        merged.append(interval)
    return merged


def covered(interval: Interval, others: Iterable[Interval]) -> bool:
    return interval.is_empty or any(interval.within(m) for m in merge(others))


def constant(node: Expr) -> float | None:
    """A number or date literal as a point on one line (dates as day numbers)."""
    while isinstance(node, Group):
        node = node.inner
    if isinstance(node, Number):
        return float(node.value)
    if isinstance(node, Date) and node.value is not None:
        return float(node.value.toordinal())
    return None


@dataclass(frozen=True, slots=True)
class Coverage:
    """What a table pattern matches: number/date intervals, texts/booleans, and/or missing."""

    intervals: tuple[Interval, ...] = ()
    discrete: frozenset[object] = frozenset()
    missing: bool = False


def pattern_coverage(pattern: Pattern) -> Coverage | None:
    """None when the pattern holds something not known before evaluation (money, a name)."""
    if pattern.kind == "missing":
        return Coverage(missing=True)
    if pattern.kind == "else":
        return None
    literals: list[object] = []
    for value in pattern.values:
        inner = value
        while isinstance(inner, Group):
            inner = inner.inner
        number = constant(inner)
        literals.append(number if number is not None else getattr(inner, "value", None))
        if number is None and type(inner).__name__ not in ("Text", "Boolean"):
            return None
    if pattern.kind == "values":
        numbers = tuple(point(v) for v in literals if isinstance(v, float))
        others = frozenset((type(v).__name__, v) for v in literals if not isinstance(v, float))
        return Coverage(numbers, others)
    if not all(isinstance(v, float) for v in literals):
        return None
    if pattern.kind == "compare" and pattern.operator is not None:
        return Coverage(comparison(pattern.operator, literals[0]))  # type: ignore[arg-type]
    low, high = literals  # range
    return Coverage((Interval(low, True, high, True),))  # type: ignore[arg-type]


def is_shadowed(row: Coverage, earlier: list[Coverage]) -> bool:
    """True when every value `row` matches is matched by an earlier row."""
    if row.missing and not any(e.missing for e in earlier):
        return False
    known = {d for e in earlier for d in e.discrete}
    if not row.discrete <= known:
        return False
    earlier_intervals = [i for e in earlier for i in e.intervals]
    return all(covered(i, earlier_intervals) for i in row.intervals)


def declared(minimum: float | None, maximum: float | None) -> Interval:
    return Interval(
        -INF if minimum is None else minimum,
        minimum is not None,
        INF if maximum is None else maximum,
        maximum is not None,
    )


def conjuncts(condition: Expr) -> list[Expr]:
    """The parts of a top-level `and` chain (the condition itself when it is none)."""
    while isinstance(condition, Group):
        condition = condition.inner
    if isinstance(condition, Logic) and condition.operator == "and":
        return [c for operand in condition.operands for c in conjuncts(operand)]
    return [condition]


_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def constraint(condition: Expr) -> tuple[Expr, Interval] | None:
    """`x > 5`, `5 < x`, `x between 1 and 3`: the name and the interval it must lie in."""
    while isinstance(condition, Group):
        condition = condition.inner
    if isinstance(condition, Compare) and condition.operator != "!=":
        right = constant(condition.right)
        left = constant(condition.left)
        if right is not None and left is None:
            return condition.left, comparison(condition.operator, right)[0]
        if left is not None and right is None:
            return condition.right, comparison(_FLIPPED[condition.operator], left)[0]
    if isinstance(condition, Between):
        low, high = constant(condition.low), constant(condition.high)
        if low is not None and high is not None and constant(condition.subject) is None:
            return condition.subject, Interval(low, True, high, True)
    return None
