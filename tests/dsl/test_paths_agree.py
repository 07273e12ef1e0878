"""The fast path and the missing-aware path of generated code agree on every input (§4)."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

import pytest

import dsl


class SlowPathOnly(dict[str, Any]):
    """A record whose `[]` always fails, so evaluation goes straight to the missing-aware path
    (which reads with `.get`)."""

    def __getitem__(self, key: str) -> Any:
        raise KeyError(key)


VALUES: list[Any] = [None, 0, 1, 2.5, -3, "a", "", True, False, {"y": 1}, [1]]
EXPRESSIONS = [
    "x + y",
    "x - y * 2",
    "x / y",
    "-x",
    "x == y",
    "x != y",
    "x < y",
    "x >= y",
    "x == 1",
    "x != 1",
    'x == "a"',
    "x in [1, 2.5]",
    "x not in [1, 2.5]",
    "x in [y, 1]",
    "x between y and 3",
    "x is missing",
    "y is present",
    "not (x > y)",
    "x and y",
    "x or not y",
    "if x > 0 then y else 0 - y",
    "x.y",
    "x.y + 1",
    "(x) == (y)",
]


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_expression_paths_agree(expression: str) -> None:
    compiled = dsl.compile_expression(expression, filename="e")
    for x, y in itertools.product(VALUES, repeat=2):
        record = {"x": x, "y": y}
        fast = compiled.evaluate(record)
        slow = compiled.evaluate(SlowPathOnly(record))
        assert fast == slow and type(fast) is type(slow), (expression, record, fast, slow)


def test_ruleset_paths_agree() -> None:
    source = """ruleset t
let ratio = if limit > 0 then balance / limit else 0
rule a "A" when ratio > 90% then add 10, flag high_use
rule b when overdue between 31 and 90
  then add overdue / 10, alert warning "overdue {overdue}, ratio {ratio}"
rule c when not (overdue > 5) then subtract 1, tier at least mid
rule d when kind not in ["x", "y"] then add 1
tiers
  top when score >= 10
  mid when score >= 5
  low otherwise
"""
    compiled = dsl.compile_ruleset(source, filename="t.rules")
    domain = [None, 0, 40, 95.5, "a"]
    for limit, balance, overdue, kind in itertools.product(
        domain, domain, domain, ["x", "z", None]
    ):
        record = {"limit": limit, "balance": balance, "overdue": overdue, "kind": kind}
        fast = compiled.evaluate(record, as_of=date(2025, 1, 1))
        slow = compiled.evaluate(SlowPathOnly(record), as_of=date(2025, 1, 1))
        assert fast.to_dict() == slow.to_dict(), record
