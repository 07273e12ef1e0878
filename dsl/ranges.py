"""Sets of values a condition or a table pattern can match, for the checker's warnings (§5):
a rule that can never fire given a field's declared range, a table row that earlier rows shadow.
Pure. Only what is certain is reported: anything not understood counts as "could match".
"""

from __future__ import annotations

import bisect
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


def _start(interval: Interval) -> tuple[float, bool]:
    """Orders intervals by where they start (a closed start first)."""
    return interval.low, not interval.low_closed


def _touches(first: Interval, then: Interval) -> bool:
    """Whether `then` (starting no earlier than `first`) overlaps or adjoins `first`."""
    return then.low < first.high or (
        then.low == first.high and (then.low_closed or first.high_closed)
    )


class Seen:
    """What the earlier rows of a table match, kept merged: whether a row is shadowed costs a
    bisection and adding a row's coverage is amortised near-constant, so checking a table is
    near-linear in its rows (rules-language §2, `shadowed-row`)."""

    def __init__(self) -> None:
        self.rows = 0
        self.missing = False
        self.discrete: set[object] = set()
        self._merged: list[Interval] = []  # disjoint, sorted
        self._starts: list[tuple[float, bool]] = []

    def shadows(self, row: Coverage) -> bool:
        """True when every value `row` matches is matched by an earlier row."""
        if not self.rows or (row.missing and not self.missing):
            return False
        if not row.discrete <= self.discrete:
            return False
        return all(self._covers(interval) for interval in row.intervals)

    def _covers(self, interval: Interval) -> bool:
        if interval.is_empty:
            return True
        at = bisect.bisect_right(self._starts, _start(interval)) - 1
        return at >= 0 and interval.within(self._merged[at])

    def add(self, row: Coverage) -> None:
        self.rows += 1
        self.missing = self.missing or row.missing
        self.discrete |= row.discrete
        for interval in row.intervals:
            self._add(interval)

    def _add(self, interval: Interval) -> None:
        if interval.is_empty:
            return
        merged, starts = self._merged, self._starts
        low = high = bisect.bisect_left(starts, _start(interval))
        new = interval
        if low > 0 and _touches(merged[low - 1], new):
            low -= 1
            new = _union(merged[low], new)
        while high < len(merged) and _touches(new, merged[high]):
            new = _union(new, merged[high])
            high += 1
        merged[low:high] = [new]
        starts[low:high] = [_start(new)]


def _union(first: Interval, then: Interval) -> Interval:
    """Two touching intervals, `first` starting no later, as one."""
    high = max((first.high, first.high_closed), (then.high, then.high_closed))
    return Interval(first.low, first.low_closed, high[0], high[1])


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
