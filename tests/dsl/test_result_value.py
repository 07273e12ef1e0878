"""A `Result` is a value (rules-language §7): changing the record afterwards changes nothing."""

from __future__ import annotations

import copy
from typing import Any

import dsl
from dsl import FieldInfo, ValueType
from tests.dsl.conftest import AS_OF, ruleset

SCHEMA: dsl.Schema = {
    "overdue": FieldInfo(ValueType.NUMBER),
    "name": FieldInfo(ValueType.TEXT),
    "address": FieldInfo(ValueType.RECORD, fields={"country": FieldInfo(ValueType.TEXT)}),
}
SOURCE = ruleset(
    "let home = address",
    'rule late when overdue > 30 and name != "x" then add 10, alert info "{address.country}"',
    'rule abroad when address.country != "CN" then add 5',
    "rule known when address is present then add 1",
)


def _results(schema: dsl.Schema | None) -> list[tuple[dsl.Result, dict[str, Any], dict[str, Any]]]:
    compiled = dsl.compile_ruleset(SOURCE, filename="r.rules", schema=schema)
    records: list[dict[str, Any]] = [
        {"overdue": 45, "name": "a", "address": {"country": "DE"}},
        {"overdue": 45, "name": None, "address": {"country": "DE", "tags": [1, [2]]}},
        {"overdue": "many", "address": {"country": "DE"}},  # the missing-aware path
    ]
    found = []
    for record in records:
        result = compiled.evaluate(record, as_of=AS_OF)
        found.append((result, record, copy.deepcopy(result.to_dict())))
    return found


def _change(record: dict[str, Any]) -> None:
    record["overdue"] = None
    record["name"] = None
    record["address"]["country"] = None
    record["address"]["tags"] = "changed"
    record.pop("address")["more"] = 1


def test_changing_the_record_afterwards_changes_no_result() -> None:
    for schema in (SCHEMA, None):
        for result, record, before in _results(schema):
            missing = result.missing
            _change(record)
            assert result.missing == missing
            assert result.to_dict() == before  # fired inputs and let values included


def test_result_inputs_and_values_are_read_only_copies() -> None:
    result, record, _ = _results(None)[1]
    inputs = next(f.inputs for f in result.fired if f.id == "known")
    assert inputs["address"] == {"country": "DE", "tags": (1, (2,))}
    assert inputs["address"] is not record["address"]
    assert result.values["home"]["tags"] == (1, (2,))
    _change(record)
    assert result.values["home"] == {"country": "DE", "tags": (1, (2,))}


def test_a_deeply_nested_record_is_copied_without_raising() -> None:
    deep: Any = 1
    for _ in range(100_000):
        deep = {"country": deep}
    compiled = dsl.compile_ruleset(
        ruleset("rule known when address is present then add 1"), filename="r.rules"
    )
    result = compiled.evaluate({"address": deep}, as_of=AS_OF)
    assert result.score == 1 and result.missing == ()
