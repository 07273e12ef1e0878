"""Large decision tables as a lookup (rules-language §2): the first row matching a value, found by
hashing (equality rows) and bisecting (comparison and range rows) instead of testing each row.

Pure. A `TableLookup` is built once when a ruleset compiles, from rows whose pattern values are
all literals; calling it with the subject's value gives the index of the first matching row with
exactly the semantics of the row-by-row tests of `dsl.runtime` (`is_in`, `not_equal`, the ordered
comparisons, `between`; a missing value matches only `missing` and `else`), and never raises.
Values of a kind it does not index (a record, a list, a datetime, another class) are tested row by
row with those same helpers (`scan`), so the answer is the same for every input.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date
from typing import Any

from dsl.runtime import between, greater, greater_equal, is_in, less, less_equal, not_equal

_ORDERED = {"<": less, "<=": less_equal, ">": greater, ">=": greater_equal}
# The kinds of value the lookup indexes, by exact class: each is ordered only within its kind.
_KINDS: dict[type, str] = {
    int: "number",
    float: "number",
    bool: "number",
    str: "text",
    date: "date",
}
_NONE = 1 << 62  # "no row": larger than any row index


@dataclass(frozen=True, slots=True)
class Row:
    """One row's pattern: `kind` "values", "compare", "range", "missing" or "else"; `operator`
    for "compare" ("==", "!=", "<", "<=", ">", ">="); `values` the literals as Python values."""

    kind: str
    operator: str | None
    values: tuple[Any, ...]


def matches(row: Row, value: Any) -> bool:
    """Whether one row matches `value`, as the generated row-by-row test decides."""
    if row.kind == "else":
        return True
    if row.kind == "missing":
        return value is None
    if row.kind == "range":
        return between(value, row.values[0], row.values[1])
    if row.kind == "compare" and row.operator not in (None, "=="):
        if row.operator == "!=":
            return not_equal(value, row.values[0])
        return bool(_ORDERED[str(row.operator)](value, row.values[0]))
    return is_in(value, row.values)


def scan(rows: tuple[Row, ...], value: Any) -> int:
    """The first row matching `value`, testing each in turn; -1 when none does."""
    for index, row in enumerate(rows):
        if matches(row, value):
            return index
    return -1


class _Line:
    """The comparison and range rows over the values of one kind: for each point and each gap
    between the distinct values the rows name, the first row covering it."""

    def __init__(self, intervals: list[tuple[int, str, tuple[Any, ...]]]) -> None:
        points: list[Any] = sorted({v for _, _, values in intervals for v in values})
        distinct: list[Any] = []
        for point in points:
            if not distinct or distinct[-1] != point:
                distinct.append(point)
        self.points = distinct
        size = 2 * len(distinct) + 1  # gap, point, gap, point, ..., gap
        self.first = [_NONE] * size
        following = list(range(size + 1))  # the next piece not yet given a row

        def unpainted(piece: int) -> int:
            root = piece
            while following[root] != root:
                root = following[root]
            while following[piece] != root:
                following[piece], piece = root, following[piece]
            return root

        for index, operator, values in intervals:  # in row order: the first row wins
            low, high = self._pieces(operator, values)
            piece = unpainted(low)
            while piece <= high:
                self.first[piece] = index
                following[piece] = piece + 1
                piece = unpainted(piece + 1)

    def _at(self, value: Any) -> int:
        return bisect.bisect_left(self.points, value)

    def _pieces(self, operator: str, values: tuple[Any, ...]) -> tuple[int, int]:
        last = 2 * len(self.points)
        at = 2 * self._at(values[0])
        if operator == "<":
            return 0, at
        if operator == "<=":
            return 0, at + 1
        if operator == ">":
            return at + 2, last
        if operator == ">=":
            return at + 1, last
        if values[0] > values[1]:  # an empty range matches nothing
            return 1, 0
        return at + 1, 2 * self._at(values[1]) + 1

    def find(self, value: Any) -> int:
        if value != value:  # NaN: every comparison is false
            return _NONE
        at = self._at(value)
        on_point = at < len(self.points) and self.points[at] == value
        return self.first[2 * at + 1 if on_point else 2 * at]


class TableLookup:
    """`lookup(value)`: the index of the first row of a table matching `value` (see the module)."""

    __slots__ = ("_equal", "_lines", "_missing", "_not_equal", "_otherwise", "rows")

    def __init__(self, rows: tuple[Row, ...]) -> None:
        self.rows = rows
        self._equal: dict[Any, int] = {}
        self._missing = _NONE
        self._otherwise = _NONE
        not_equals: list[tuple[int, Any]] = []
        ordered: dict[str, list[tuple[int, str, tuple[Any, ...]]]] = {}
        for index, row in enumerate(rows):
            if row.kind == "else":
                self._otherwise = min(self._otherwise, index)
            elif row.kind == "missing":
                self._missing = min(self._missing, index)
            elif row.kind == "values" or (row.kind == "compare" and row.operator in (None, "==")):
                for value in row.values:
                    if value is not None:
                        self._equal.setdefault(value, index)
            elif row.operator == "!=":
                not_equals.append((index, row.values[0]))
            else:
                kinds = {_KINDS.get(v.__class__) for v in row.values}
                kind = kinds.pop() if len(kinds) == 1 else None
                if kind is not None:  # a range across kinds matches no value
                    operator = str(row.operator) if row.kind == "compare" else "to"
                    ordered.setdefault(kind, []).append((index, operator, row.values))
        self._lines = {kind: _Line(intervals) for kind, intervals in ordered.items()}
        # `x != a`: the first such row unless x == a; then the first whose value differs from a
        self._not_equal: tuple[tuple[int, Any], ...] = ()
        if not_equals:
            first = not_equals[0]
            other = next((ne for ne in not_equals if ne[1] != first[1]), None)
            self._not_equal = (first,) if other is None else (first, other)

    def __call__(self, value: Any) -> int:
        if value is None:
            found = min(self._missing, self._otherwise)
            return found if found != _NONE else -1
        kind = _KINDS.get(value.__class__)
        if kind is None:
            return scan(self.rows, value)
        found = min(self._equal.get(value, _NONE), self._otherwise)
        for index, literal in self._not_equal:
            if value != literal:
                found = min(found, index)
                break
        line = self._lines.get(kind)
        if line is not None:
            found = min(found, line.find(value))
        return found if found != _NONE else -1
