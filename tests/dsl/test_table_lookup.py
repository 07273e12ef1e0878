"""Large tables are looked up (hashing equality rows, bisecting ranges) with exactly the meaning
of testing their rows one by one (rules-language §2, issue 8 item 19)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import dsl
from dsl.lookup import Row, TableLookup, scan
from tests.dsl.conftest import AS_OF, ruleset

LITERALS = st.one_of(
    st.integers(-5, 5),
    st.sampled_from([0.5, -0.0, 2.0, 1e300, True, False]),
    st.sampled_from(["", "a", "b", "c"]),
    st.sampled_from([date(2025, 1, 1), date(2025, 6, 30)]),
)
ROWS = st.one_of(
    st.lists(LITERALS, min_size=1, max_size=3).map(lambda v: Row("values", None, tuple(v))),
    st.tuples(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), LITERALS).map(
        lambda p: Row("compare", p[0], (p[1],))
    ),
    st.tuples(LITERALS, LITERALS).map(lambda p: Row("range", None, p)),
    st.just(Row("missing", None, ())),
)
VALUES = st.one_of(
    LITERALS,
    st.none(),
    st.floats(allow_nan=True),
    st.integers(),
    st.text(max_size=2),
    st.sampled_from([[1], {"a": 1}, datetime(2025, 1, 1), float("nan"), 10**400]),
)


@given(st.lists(ROWS, max_size=40), st.booleans(), st.lists(VALUES, min_size=1, max_size=20))
def test_lookup_finds_the_row_testing_each_row_would(
    rows: list[Row], has_else: bool, values: list[Any]
) -> None:
    table = tuple(rows) + ((Row("else", None, ()),) if has_else else ())
    lookup = TableLookup(table)
    for value in values:
        assert lookup(value) == scan(table, value), value


def _table(rows: int) -> str:
    body = "".join(
        f'  {i} => {i % 10}\n  "t{i}" => 1\n  {i}.5 to {i}.75 => 2\n' for i in range(rows)
    )
    return ruleset(f"table tb on x\n{body}  < -1 => 3\n  missing => 4\n  else => (x * 0)")


def test_a_large_table_is_looked_up_and_scores_as_written() -> None:
    compiled = dsl.compile_ruleset(_table(1_000), filename="r.rules")
    assert "I0(V)" in compiled.python_source
    cases = {
        17: (7, 51),
        "t17": (1, 52),
        17.6: (2, 53),
        17.5: (2, 53),
        17.8: (0, 3_002),
        -3: (3, 3_000),
        None: (4, 3_001),
        True: (1, 3),
        "x": (0, 3_002),
    }
    for value, (points, row) in cases.items():
        fired = compiled.evaluate({"x": value}, as_of=AS_OF).fired[0]
        assert (fired.points, fired.row.index) == (points, row), value  # type: ignore[union-attr]


@pytest.mark.fuzz
def test_fuzz_lookup_finds_the_row_testing_each_row_would() -> None:
    test_lookup_finds_the_row_testing_each_row_would()
