"""Decision tables (rules-language §2): patterns, first match, else, checks and warnings."""

from __future__ import annotations

from typing import Any

import pytest

import dsl
from dsl import FieldInfo, ValueType
from dsl.result import TableRowMatch
from tests.dsl.conftest import AS_OF, messages_of, rendered, ruleset

SCHEMA: dsl.Schema = {
    "industry": FieldInfo(ValueType.TEXT, options=("construction", "internet", "trade")),
    "age_years": FieldInfo(ValueType.NUMBER, minimum=0, maximum=200),
    "ratio": FieldInfo(ValueType.NUMBER),
    "weight": FieldInfo(ValueType.NUMBER),
    "founded": FieldInfo(ValueType.DATE),
    "listed": FieldInfo(ValueType.BOOLEAN),
}


def row_of(source: str, record: dict[str, Any], **kwargs: Any) -> tuple[Any, TableRowMatch | None]:
    result = dsl.compile_ruleset(source, filename="r.rules", **kwargs).evaluate(record, as_of=AS_OF)
    table = next(f for f in result.fired if f.kind == "table")
    return table.points, table.row


TABLE = ruleset(
    "table t on ratio",
    "  -1, 0 => 1",
    "  < -1 => 2",
    "  >= 90% => 3",
    "  0.25 to 0.5 => 4",
    "  missing => 5",
    "  != 0.7 => 6",
    "  else => -7",
)


@pytest.mark.parametrize(
    ("ratio", "points", "row"),
    [
        (-1, 1, "-1, 0"),
        (0, 1, "-1, 0"),
        (-1.5, 2, "< -1"),
        (0.9, 3, ">= 90%"),
        (0.95, 3, ">= 90%"),
        (0.25, 4, "0.25 to 0.5"),
        (0.5, 4, "0.25 to 0.5"),
        (None, 5, "missing"),
        (0.6, 6, "!= 0.7"),
        (0.7, -7, "else"),
    ],
)
def test_each_pattern_form_matches_and_the_first_match_wins(
    ratio: Any, points: int, row: str
) -> None:
    record = {} if ratio is None else {"ratio": ratio}
    found_points, found_row = row_of(TABLE, record)
    assert (found_points, found_row.pattern if found_row else None) == (points, row)


def test_a_missing_subject_matches_only_missing_or_else() -> None:
    source = ruleset("table t on x", "  < 100 => 1", "  != 3 => 2", "  else => 3")
    assert row_of(source, {}) == (3, TableRowMatch(2, "else"))


def test_subject_and_points_may_be_calls_and_parenthesised_expressions() -> None:
    source = ruleset(
        "table t on (a + b)",
        "  < 2 => (10 * weight)",
        "  else => abs(weight)",
        "table u on max(a, b)",
        "  >= 5 => weight",
        "  else => 0",
    )
    result = dsl.compile_ruleset(source, filename="r.rules").evaluate(
        {"a": 1, "b": 0, "weight": -2}, as_of=AS_OF
    )
    assert [(f.id, f.points) for f in result.fired] == [("t", -20), ("u", 0)]
    assert result.score == -20
    result = dsl.compile_ruleset(source, filename="r.rules").evaluate(
        {"a": 4, "b": 6, "weight": 3}, as_of=AS_OF
    )
    assert [(f.id, f.points) for f in result.fired] == [("t", 3), ("u", 3)]
    assert result.fired[0].inputs == {"a": 4, "b": 6}


def test_missing_points_add_zero_and_the_table_still_fires() -> None:
    source = ruleset("table t on x", "  1 => weight", "  else => 0")
    assert row_of(source, {"x": 1}) == (0, TableRowMatch(0, "1"))


def test_text_booleans_and_dates_as_patterns() -> None:
    source = ruleset(
        "table a on industry",
        '  "trade" => 1',
        "  else => 0",
        "table b on listed",
        "  true => 2",
        "  else => 0",
        "table c on founded",
        "  < 2000-01-01 => 4",
        "  2000-01-01 to 2019-12-31 => 8",
        "  else => 16",
    )
    compiled = dsl.compile_ruleset(source, filename="r.rules", schema=SCHEMA)
    record = {"industry": "trade", "listed": True, "founded": "2010-05-04"}
    assert compiled.evaluate(record, as_of=AS_OF).score == 11
    assert compiled.evaluate({"founded": "1999-12-31"}, as_of=AS_OF).score == 4
    assert compiled.evaluate({"founded": "2020-01-01"}, as_of=AS_OF).score == 16


def test_tables_and_rules_fire_in_source_order() -> None:
    source = ruleset(
        "rule a when true then add 1", "table t on x", "  else => 2", "rule b when true then add 3"
    )
    result = dsl.compile_ruleset(source, filename="r.rules").evaluate({}, as_of=AS_OF)
    assert [(f.id, f.kind) for f in result.fired] == [("a", "rule"), ("t", "table"), ("b", "rule")]


def test_a_table_without_else_is_an_error() -> None:
    source = 'ruleset r\ntable industry_risk on industry\n  "trade" => 3\ntiers low otherwise\n'
    assert rendered(source, schema=SCHEMA) == (
        "r.rules:2:7: error: table industry_risk has no 'else' row: end it with 'else => POINTS'\n"
        "    2 | table industry_risk on industry\n"
        "      |       ^^^^^^^^^^^^^"
    )


def test_a_pattern_of_the_wrong_type_and_an_unknown_option_are_errors() -> None:
    source = (
        "ruleset r\ntable t on industry\n"
        '  "internt" => 3\n  < 5 => 1\n  else => 0\ntiers low otherwise\n'
    )
    assert rendered(source, schema=SCHEMA) == (
        "r.rules:3:3: error: 'internt' is not an option of 'industry'; did you mean 'internet'?\n"
        '    3 |   "internt" => 3\n'
        "      |   ^^^^^^^^^\n"
        "r.rules:4:5: error: cannot compare text with a number\n"
        "    4 |   < 5 => 1\n"
        "      |     ^"
    )


def test_a_row_after_else_is_an_error() -> None:
    source = "ruleset r\ntable t on x\n  else => 0\n  1 => 2\ntiers low otherwise\n"
    assert rendered(source) == (
        "r.rules:4:3: error: this row of table t comes after 'else' and can never match\n"
        "    4 |   1 => 2\n"
        "      |   ^\n"
        "      = hint: 'else' must be the last row"
    )


def test_points_must_be_a_number() -> None:
    source = ruleset("table t on x", '  1 => "a lot"', "  else => 0")
    assert messages_of(source) == ["error: the points of table t needs a number, but this is text"]


@pytest.mark.parametrize(
    ("rows", "shadowed"),
    [
        (['"trade" => 1', '"internet", "trade" => 2'], None),
        (['"trade", "internet" => 1', '"internet" => 2'], '"internet"'),
        (["< 2 => 1", "1 => 2"], "1"),
        (["< 2 => 1", "2 to 5 => 2", "<= 4 => 3"], "<= 4"),
        (["< 2 => 1", "2 to 5 => 2", "<= 5.5 => 3"], None),
        (["missing => 1", "missing => 2"], "missing"),
        ([">= 5 => 1", "> 5 => 2"], "> 5"),
    ],
)
def test_rows_that_earlier_rows_cover_are_warned_about(
    rows: list[str], shadowed: str | None
) -> None:
    source = ruleset("table t on v", *[f"  {r}" for r in rows], "  else => 0")
    found = [
        (d.message, source.splitlines()[d.span.line - 1][d.span.column - 1 : d.span.end_column - 1])
        for d in dsl.check_ruleset(source, filename="r.rules")
        if d.span is not None
    ]
    message = "this row of table t can never match: the rows above it take every value it would"
    assert found == ([(message, shadowed)] if shadowed else [])


def test_a_row_outside_the_declared_range_is_warned_about() -> None:
    source = "ruleset r\ntable t on age_years\n  < 0 => 1\n  else => 0\ntiers low otherwise\n"
    assert rendered(source, schema=SCHEMA) == (
        "r.rules:3:3: warning: this row of table t can never match: "
        "'age_years' is declared between 0 and 200\n"
        "    3 |   < 0 => 1\n"
        "      |   ^^^"
    )


def test_the_next_rows_comparison_is_never_read_as_part_of_the_points() -> None:
    source = ruleset("table t on x", "  1 => 5", "  -1 => 6", "  < 0 => 7", "  else => 0")
    assert row_of(source, {"x": -1})[0] == 6
    assert row_of(source, {"x": -3})[0] == 7


def test_table_ids_share_the_namespace_of_rules_and_lets() -> None:
    source = ruleset("let t = 1", "table t on t", "  else => 0")
    assert messages_of(source) == ["error: 't' is already defined on line 2"]


def test_a_syntax_error_in_a_row_names_the_table() -> None:
    source = "ruleset r\ntable t on x\n  1 5\n  else => 0\ntiers low otherwise\n"
    assert rendered(source) == (
        "r.rules:3:5: error: expected ',', '=>' or 'to' after the pattern of a row of table t\n"
        "    3 |   1 5\n"
        "      |     ^"
    )
