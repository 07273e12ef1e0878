"""The semantics of evaluation (rules-language §4): the only helpers compiled rules may call.

Pure: no I/O, no clock. Generated code runs with `__builtins__` set to `{}` and sees exactly the
names in `HELPERS`. Every helper here is total for any JSON-native data: a missing operand (absent
key or None), a value of the wrong kind, or a division by zero gives missing (None) in arithmetic
and false in comparisons; nothing raises. The fast path of a compiled ruleset uses plain Python
operators instead and, when one raises, re-runs the record through these (`FALLBACK`).
"""

from __future__ import annotations

import math
import operator
import sys
from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from decimal import Context as DecimalContext
from types import MappingProxyType
from typing import Any

from dsl import dates, events, functions
from dsl.context import Context
from dsl.money import convert, money


class FastPathFailed(Exception):
    """Raised by `number_or_fail` on the fast path; the record is then re-run missing-aware."""


# What the fast path may raise for data; anything else is a bug and propagates.
# MemoryError too: the fast path allocates nothing data can grow (`multiply`), but if it ever ran
# out, the missing-aware path, which allocates no more than the data, decides.
FALLBACK = (KeyError, TypeError, ZeroDivisionError, OverflowError, MemoryError, FastPathFailed)


def is_number(value: object) -> bool:
    cls = value.__class__
    return cls is int or cls is float


def number_or_fail(value: Any) -> int | float:
    """Fast path: a number passes through; anything else sends the record to the slow path."""
    cls = value.__class__
    if cls is int or cls is float:
        return value  # type: ignore[no-any-return]
    raise FastPathFailed


def get(record: Mapping[str, Any], key: str) -> Any:
    """A field of the record; absent and null are both missing (None)."""
    return record.get(key)


def member(value: Any, key: str) -> Any:
    """`value.key` for a nested field; missing when value is not a mapping or lacks the key.

    A list of names (a form's multi_choice value) is a group of true/false fields: `key` is true
    when the list holds it (docs/rules-language.md, "Multiple choices").
    """
    if isinstance(value, Mapping):
        return value.get(key)
    if isinstance(value, list | tuple):
        return key in value
    return None


# ---- arithmetic: missing in, missing out (§4) ----


def negative(a: Any) -> Any:
    return -a if is_number(a) else None


def add(a: Any, b: Any) -> Any:
    if is_number(a) and is_number(b):
        try:
            return a + b
        except OverflowError:
            return None
    return None


def subtract(a: Any, b: Any) -> Any:
    if is_number(a) and is_number(b):
        try:
            return a - b
        except OverflowError:
            return None
    return None


# rules-language §3: a product beyond what a double holds is missing, whole or not, so no
# product grows without bound (a chain of lets squaring each other would otherwise double its
# digits at each step) and multiplying costs the same whatever the data.
MAX_DOUBLE = int(sys.float_info.max)
_MAX_PRODUCT_BITS = MAX_DOUBLE.bit_length() + 1


def multiply(a: Any, b: Any) -> Any:
    """`a * b`, missing for a non-number or a result beyond ±1.8e308; never repeats text or a
    list. The fast path calls it too, so both paths agree."""
    cls_a, cls_b = a.__class__, b.__class__
    if cls_a is int and cls_b is int:
        if a.bit_length() + b.bit_length() > _MAX_PRODUCT_BITS:
            return None
        product = a * b
        return product if -MAX_DOUBLE <= product <= MAX_DOUBLE else None
    if (cls_a is int or cls_a is float) and (cls_b is int or cls_b is float):
        try:
            return a * b
        except OverflowError:
            return None
    return None


def divide(a: Any, b: Any) -> Any:
    # rules-language §4: division by zero is missing
    if is_number(a) and is_number(b) and b != 0:
        try:
            return a / b
        except OverflowError:
            return None
    return None


OPERATIONS = {"+": add, "-": subtract, "*": multiply, "/": divide}


def chain(first: Any, *rest: Any) -> Any:
    """`a + b - c ...` as chain(a, add, b, subtract, c): left to right, missing-aware."""
    value = first
    for index in range(0, len(rest), 2):
        value = rest[index](value, rest[index + 1])
    return value


# ---- comparisons: false when either side is missing (§4) ----


def equal(a: Any, b: Any) -> bool:
    return a is not None and b is not None and a == b


def not_equal(a: Any, b: Any) -> bool:
    return a is not None and b is not None and a != b


def _ordered(a: Any, b: Any, op: str) -> bool:
    if a is None or b is None:
        return False
    try:
        if op == "<":
            return bool(a < b)
        if op == "<=":
            return bool(a <= b)
        if op == ">":
            return bool(a > b)
        return bool(a >= b)
    except (TypeError, OverflowError):
        return False


def less(a: Any, b: Any) -> bool:
    return _ordered(a, b, "<")


def less_equal(a: Any, b: Any) -> bool:
    return _ordered(a, b, "<=")


def greater(a: Any, b: Any) -> bool:
    return _ordered(a, b, ">")


def greater_equal(a: Any, b: Any) -> bool:
    return _ordered(a, b, ">=")


def between(value: Any, low: Any, high: Any) -> bool:
    return _ordered(low, value, "<=") and _ordered(value, high, "<=")


def is_in(value: Any, items: tuple[Any, ...]) -> bool:
    return value is not None and any(item is not None and value == item for item in items)


def not_in(value: Any, items: tuple[Any, ...]) -> bool:
    # rules-language §4: `x not in [...]` is false when x is missing, like every comparison
    return value is not None and not any(item is not None and value == item for item in items)


# Computed points beyond this (an overflow, or a value no scorecard means) count as missing: with
# constants limited to 30 characters and 5,000 rules, a score is then always a finite number.
MAX_POINTS = 10**15


def points(value: Any) -> int | float:
    """rules-language §2: a missing (or non-number) value adds 0, and so does one beyond
    ±`MAX_POINTS` (NaN and the infinities included)."""
    if is_number(value) and -MAX_POINTS <= value <= MAX_POINTS:
        return value  # type: ignore[no-any-return]
    return 0


# ---- results are values (§7) ----

_SCALARS = frozenset({int, float, str, bool, type(None), date})


def freeze(value: Any) -> Any:
    """A deep, read-only copy of a value from the record: mappings become read-only mappings,
    lists and tuples tuples, scalars stay as they are. Iterative, so no nesting depth raises."""
    if value.__class__ in _SCALARS:
        return value
    root: list[Any] = [None]
    # (container the copy goes into, its key, the value to copy)
    stack: list[tuple[Any, Any, Any]] = [(root, 0, value)]
    proxies: list[tuple[list[Any], Any, dict[Any, Any]]] = []
    while stack:
        into, key, item = stack.pop()
        if item.__class__ in _SCALARS:
            into[key] = item
        elif isinstance(item, Mapping):
            copy: dict[Any, Any] = {}
            into[key] = copy
            proxies.append((into, key, copy))
            stack.extend((copy, k, v) for k, v in item.items())
        elif isinstance(item, (list, tuple)):
            items: list[Any] = [None] * len(item)
            into[key] = items
            proxies.append((into, key, items))  # type: ignore[arg-type]
            stack.extend((items, i, v) for i, v in enumerate(item))
        else:
            into[key] = item
    # innermost first: a container's children are final before it is made read-only
    for into, key, made in reversed(proxies):
        into[key] = MappingProxyType(made) if isinstance(made, dict) else tuple(made)
    return root[0]


# ---- values as a reader expects them (§2) ----


def normalise(value: Any) -> Any:
    """Whole floats become ints; a non-finite float (an overflow) is missing."""
    if value.__class__ is float:
        if not math.isfinite(value):
            return None
        if value.is_integer():
            return int(value)
    return value


_CENTS = Decimal("0.01")
# Every float to the cent: the largest has 309 digits before the point (the default context's 28
# would raise for anything from about 1e26).
_WIDE = DecimalContext(prec=400)
_INT_DIGITS_BITS = 14_000  # about 4,214 digits: safely under `sys.get_int_max_str_digits()`


def format_value(value: Any) -> str:
    """Integers as is (beyond 4,200 digits: in scientific notation), other numbers with at most 2
    decimals, true/false, dates as YYYY-MM-DD, money as `amount CUR`, missing as '—'."""
    if value is None:
        return "—"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping) and set(value) == {"amount", "currency"}:
        return f"{format_value(value['amount'])} {format_value(value['currency'])}"
    if value.__class__ is float:
        if not math.isfinite(value):
            return "—"
        rounded = Decimal(repr(value)).quantize(_CENTS, rounding=ROUND_HALF_UP, context=_WIDE)
        text = format(rounded, "f").rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    if value.__class__ is int and value.bit_length() > _INT_DIGITS_BITS:
        # Beyond Python's int-to-text limit (4,300 digits): ten significant digits and exponent.
        return format(Decimal(value), ".9e")
    return str(value)


def format_value_zh(value: Any) -> str:
    """`format_value` for a ruleset written in Chinese: booleans as 是/否 (rules-language §2)."""
    if value is True:
        return "是"
    if value is False:
        return "否"
    return format_value(value)


HELPERS: dict[str, Any] = {
    "_n": number_or_fail,
    "_IS_NUMBER": {int: True, float: True},
    "_IN_RANGE": {True: True},
    "_MAX_POINTS": MAX_POINTS,
    "_type": type,
    "_get": get,
    "_member": member,
    "_neg": negative,
    "_add": add,
    "_sub": subtract,
    "_mul": multiply,
    "_truediv": operator.truediv,
    "_div": divide,
    "_chain": chain,
    "_eq": equal,
    "_ne": not_equal,
    "_lt": less,
    "_le": less_equal,
    "_gt": greater,
    "_ge": greater_equal,
    "_between": between,
    "_in": is_in,
    "_not_in": not_in,
    "_points": points,
    "_fmt": format_value,
    "_FALLBACK": FALLBACK,
    # building the result (dsl.program, dsl.result)
    "_tuple": tuple,
    "_dict": dict,
    "_join": "".join,
    "_freeze": freeze,
    "_norm": normalise,
    "_Context": Context,
    # dates and durations (dsl.dates)
    "_mkdate": dates.make_date,
    "_period": dates.make_period,
    "_date": dates.to_date,
    "_date_chain": dates.date_chain,
    "_days_since": dates.days_since,
    "_days_until": dates.days_until,
    "_years_since": dates.years_since,
    # money (dsl.money)
    "_money": money,
    "_fx": convert,
    # functions (dsl.functions)
    "_f_abs": functions.absolute,
    "_f_min": functions.minimum,
    "_f_max": functions.maximum,
    "_f_round": functions.round_half_away,
    "_f_lower": functions.lower,
    "_f_upper": functions.upper,
    "_f_contains": functions.contains,
    "_f_starts_with": functions.starts_with,
    "_f_length": functions.length,
    "_f_coalesce": functions.coalesce,
    "_updated": functions.updated,
    "_source": functions.source,
    # events (dsl.events)
    "_ev_count": events.count,
    "_ev_sum": events.total,
    "_ev_max": events.largest,
    "_ev_min": events.smallest,
    "_ev_last": events.last,
    "_either": events.either,
}
