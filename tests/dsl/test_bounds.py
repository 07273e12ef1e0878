"""Bounded cost (issue 8, items 19 and 20): every text the checker accepts compiles, evaluation
costs a bounded amount per record whatever the data, and checking is near-linear in the text.

Work is counted (Python calls, allocated bytes), never timed.
"""

from __future__ import annotations

import functools
import sys
import tracemalloc
from collections.abc import Callable
from types import FrameType
from typing import Any

import pytest

import dsl
from dsl import FieldInfo, ValueType
from tests.dsl.conftest import AS_OF, rendered, ruleset


def _equality_table(rows: int) -> str:
    body = "".join(f"  {i} => {i % 7}\n" for i in range(rows))
    return ruleset(f"table tb on x\n{body}  else => 99")


def _range_table(rows: int) -> str:
    body = "".join(f"  {2 * i} to {2 * i + 1} => {i % 7}\n" for i in range(rows))
    return ruleset(f"table tb on x\n{body}  else => 99")


def _tiers(rows: int) -> str:
    body = "".join(f"  t{i} when score >= {rows - i}\n" for i in range(rows))
    return "ruleset r\nrule r when true then add x\ntiers\n" + body + "  low otherwise\n"


@pytest.mark.parametrize("make", [_equality_table, _range_table], ids=["equality", "ranges"])
def test_a_table_of_3000_rows_compiles_and_evaluates(make: Callable[[int], str]) -> None:
    compiled = dsl.compile_ruleset(make(3_000), filename="r.rules")
    assert compiled.evaluate({"x": 4}, as_of=AS_OF).score == (4 if make is _equality_table else 2)
    last = compiled.evaluate({"x": 2_999 * (1 if make is _equality_table else 2)}, as_of=AS_OF)
    assert (last.score, last.fired[0].row.index) == (2_999 % 7, 2_999)  # type: ignore[union-attr]
    assert compiled.evaluate({"x": "a"}, as_of=AS_OF).score == 99


def test_a_table_over_10000_rows_is_refused_at_the_first_row_past_the_limit() -> None:
    source = _equality_table(10_000)
    assert rendered(source) == "\n".join(
        [
            "r.rules:10003:3: error: table tb has more than 10000 rows; split it into several "
            "tables",
            "10003 |   else => 99",
            "      |   ^^^^",
        ]
    )
    dsl.compile_ruleset(_equality_table(9_999), filename="r.rules")


def test_3000_tier_rows_compile_and_the_first_that_holds_decides() -> None:
    compiled = dsl.compile_ruleset(_tiers(3_000), filename="r.rules")
    assert compiled.evaluate({"x": 2_999}, as_of=AS_OF).tier == "t1"
    assert compiled.evaluate({"x": 1}, as_of=AS_OF).tier == "t2999"
    assert compiled.evaluate({"x": 0}, as_of=AS_OF).tier == "low"


def test_a_rule_with_3000_effects_compiles() -> None:
    effects = ", ".join("add x" if i % 2 else "add 1" for i in range(3_000))
    compiled = dsl.compile_ruleset(ruleset(f"rule r when true then {effects}"), filename="r")
    assert compiled.evaluate({"x": 2}, as_of=AS_OF).score == 1_500 * 3
    assert compiled.evaluate({"x": "a"}, as_of=AS_OF).score == 1_500


def test_an_alert_with_3000_placeholders_compiles() -> None:
    message = "{x}" * 3_000
    compiled = dsl.compile_ruleset(
        ruleset(f'rule r when true then alert info "{message}"'), filename="r.rules"
    )
    assert compiled.evaluate({"x": 7}, as_of=AS_OF).alerts[0].message == "7" * 3_000


def _peak_bytes(run: Callable[..., Any]) -> int:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_text_times_a_billion_allocates_nothing() -> None:
    schema = {"n1": FieldInfo(ValueType.NUMBER)}
    for form in (schema, None):
        compiled = dsl.compile_ruleset(
            ruleset("rule r when n1 * 1_000_000_000 > 5 then add 30"), filename="r", schema=form
        )
        peak = _peak_bytes(lambda c=compiled: c.evaluate({"n1": "ab"}, as_of=AS_OF))
        assert compiled.evaluate({"n1": "ab"}, as_of=AS_OF).score == 0
        assert peak < 1_000_000
    lists = dsl.compile_ruleset(ruleset("rule r when x * y > 5 then add 1"), filename="r")
    assert lists.evaluate({"x": [1], "y": 10**18}, as_of=AS_OF).score == 0


def test_a_product_beyond_a_double_is_missing() -> None:
    product = " * ".join(["123456789012345678901234567890"] * 140)
    compiled = dsl.compile_ruleset(
        ruleset(f"let p = {product}", 'rule r when true then alert info "' + "{p}" * 1_400 + '"'),
        filename="r.rules",
    )
    result = compiled.evaluate({}, as_of=AS_OF)
    assert result.values["p"] is None and result.alerts[0].message == "—" * 1_400
    squares = [f"let l{i} = l{i - 1} * l{i - 1}" for i in range(1, 40)]
    chain = dsl.compile_ruleset(
        ruleset("let l0 = x", *squares, "rule r when l39 is missing then add 1"), filename="r"
    )
    assert chain.evaluate({"x": 3}, as_of=AS_OF).score == 1
    assert chain.evaluate({"x": 1}, as_of=AS_OF).values["l39"] == 1
    exact = dsl.compile_ruleset(ruleset("let p = x * y"), filename="r")
    assert exact.evaluate({"x": 2**60, "y": 3}, as_of=AS_OF).values["p"] == 3 * 2**60


def _calls(run: Callable[[], Any]) -> int:
    """The Python calls `run` makes."""
    count = 0

    def profile(frame: FrameType, event: str, arg: object) -> None:
        nonlocal count
        if event == "call":
            count += 1

    sys.setprofile(profile)
    try:
        run()
    finally:
        sys.setprofile(None)
    return count


@pytest.mark.parametrize(
    "make",
    [_equality_table, _range_table, _tiers],
    ids=["equality-table", "range-table", "tiers"],
)
def test_checking_and_compiling_are_near_linear(make: Callable[[int], str]) -> None:
    dsl.compile_ruleset(make(10), filename="r.rules")  # the parser is built once
    small, large = make(500), make(1_000)
    runs: list[Callable[[str], object]] = [
        lambda source: dsl.check_ruleset(source, filename="r.rules"),
        lambda source: dsl.compile_ruleset(source, filename="r.rules"),
    ]
    for run in runs:
        calls = [_calls(functools.partial(run, source)) for source in (small, large)]
        assert calls[1] <= 2.2 * calls[0], calls
