"""`updated(FIELD)` and `source(FIELD)` (docs/rules-language.md, "Freshness"): checked as taking
a field's name, evaluated from the record's freshness, missing when it says nothing."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import dsl
from tests.dsl.conftest import AS_OF, rendered

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules-language.md"
SCHEMA = {
    "bureau_score": dsl.FieldInfo(dsl.ValueType.NUMBER),
    "name": dsl.FieldInfo(dsl.ValueType.TEXT),
}
RULES = """ruleset fresh
form customer

rule stale_bureau_score "Bureau score older than 30 days"
  when updated(bureau_score) is missing or updated(bureau_score) < today() - 30 days
  then add 10, flag stale_bureau_score

rule bureau_score_by_hand "Bureau score typed in rather than fed"
  when source(bureau_score) == "page"
  then flag unverified_bureau_score

tiers
  high when score >= 10
  low otherwise
"""


def _record(stamp: Any = None, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"bureau_score": 700, **fields}
    if stamp is not None:
        record[dsl.FRESHNESS_KEY] = {"bureau_score": stamp}
    return record


class SlowPathOnly(dict[str, Any]):
    """A record whose `[]` always fails: evaluation takes the missing-aware path."""

    def __getitem__(self, key: str) -> Any:
        raise KeyError(key)


@pytest.fixture(scope="module")
def compiled() -> dsl.CompiledRuleset:
    return dsl.compile_ruleset(RULES, filename="fresh.rules", schema=SCHEMA)


def test_the_reference_shows_these_rules() -> None:
    text = DOC.read_text(encoding="utf-8")
    body = RULES.split("form customer\n\n", 1)[1].split("\ntiers", 1)[0]
    assert body.strip() in text


@pytest.mark.parametrize(
    ("stamp", "flags", "score"),
    [
        (None, set(), 10),  # nothing known: as old as can be
        ((date(2025, 6, 20), "import"), set(), 0),
        ((date(2025, 5, 31), "import"), set(), 0),  # 30 days: still fresh
        ((date(2025, 5, 30), "api"), {"stale_bureau_score"}, 10),
        (("2025-06-29T23:00:00+00:00", "page"), {"unverified_bureau_score"}, 0),
        ((None, None), set(), 10),
        (("not a date", 3), set(), 10),
        ("not a stamp", set(), 10),
    ],
)
def test_updated_and_source_read_the_records_freshness(
    compiled: dsl.CompiledRuleset, stamp: Any, flags: set[str], score: int
) -> None:
    for record in (_record(stamp), SlowPathOnly(_record(stamp))):
        result = compiled.evaluate(record, as_of=AS_OF)
        assert result.score == score
        assert set(result.flags) - {"stale_bureau_score"} == flags - {"stale_bureau_score"}
        assert ("stale_bureau_score" in result.flags) == (score == 10)


def test_freshness_that_is_no_mapping_is_missing(compiled: dsl.CompiledRuleset) -> None:
    result = compiled.evaluate(
        {"bureau_score": 1, dsl.FRESHNESS_KEY: ["bureau_score"]}, as_of=AS_OF
    )
    assert result.score == 10


def test_updated_is_a_date_and_source_text_in_expressions() -> None:
    freshness = {dsl.FRESHNESS_KEY: {"name": (date(2025, 1, 2), "connector")}}
    updated = dsl.compile_expression("updated(name)", filename="g.yaml", schema=SCHEMA)
    assert updated.value_type is dsl.ValueType.DATE
    assert updated.evaluate(freshness) == date(2025, 1, 2)
    source = dsl.compile_expression('source(name) == "connector"', filename="g.yaml")
    assert source.evaluate(freshness) is True
    assert source.evaluate({}) is False
    days = dsl.compile_expression("days_since(updated(name))", filename="g.yaml", schema=SCHEMA)
    assert days.evaluate(freshness, as_of=date(2025, 1, 12)) == 10


def test_a_field_read_only_through_updated_counts_as_read(compiled: dsl.CompiledRuleset) -> None:
    assert compiled.evaluate({}, as_of=AS_OF).missing == ("bureau_score",)


def _rule(condition: str) -> str:
    rule = f"rule x when {condition} then add base"
    return f"ruleset r\nlet base = 1\n{rule}\ntiers\n  low otherwise\n"


def test_updated_of_an_unknown_field_suggests_the_nearest() -> None:
    source = _rule("updated(bureau_scor) is missing")
    assert rendered(source, schema=SCHEMA) == (
        "r.rules:3:21: error: unknown field 'bureau_scor'; did you mean 'bureau_score'?\n"
        "    3 | rule x when updated(bureau_scor) is missing then add base\n"
        "      |                     ^^^^^^^^^^^"
    )


def test_updated_of_a_let_is_an_error_at_the_let() -> None:
    source = _rule("updated(base) is missing")
    assert rendered(source, schema=SCHEMA) == (
        "r.rules:3:21: error: 'base' is a derived value, not a field: 'updated' takes the name "
        "of a field\n"
        "    3 | rule x when updated(base) is missing then add base\n"
        "      |                     ^^^^"
    )


@pytest.mark.parametrize("argument", ["bureau_score + 1", '"bureau_score"', "score"])
def test_updated_of_anything_but_a_name_is_an_error_at_the_argument(argument: str) -> None:
    source = _rule(f"source({argument}) is missing")
    first = rendered(source, schema=SCHEMA).splitlines()
    column = 20
    assert first[0] == (
        f"r.rules:3:{column}: error: 'source' takes the name of a field, like source(bureau_score)"
    )
    assert first[2] == "      |" + " " * column + "^" * len(argument)


def test_updated_takes_one_field() -> None:
    source = _rule("updated() is missing")
    assert rendered(source, schema=SCHEMA).splitlines()[0] == (
        "r.rules:3:13: error: 'updated' takes one value"
    )


def test_updated_compares_as_a_date() -> None:
    source = _rule("updated(bureau_score) > 3")
    assert re.search(r"error: .*date.*number", rendered(source, schema=SCHEMA))


def test_the_messages_come_in_chinese() -> None:
    source = _rule("updated(1) is missing")
    diagnostics = dsl.check_ruleset(source, filename="r.rules", schema=SCHEMA, language="zh")
    assert [d.message for d in diagnostics if d.code == "not-a-field"] == [
        "'updated' 需要一个字段名，例如 updated(bureau_score)"
    ]
