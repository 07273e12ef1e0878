"""What a caller reads of an error or a message (issue 8, item 21)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

import dsl
from dsl import FieldInfo, ValueType
from tests.dsl.conftest import AS_OF, ruleset


def test_str_of_rules_error_carries_the_position_of_its_first_error() -> None:
    source = ruleset("rule a when x >", "rule b when y then add 1 +")
    with pytest.raises(dsl.RulesError) as caught:
        dsl.compile_ruleset(source, filename="credit.rules")
    first = next(d for d in caught.value.diagnostics if d.is_error)
    assert first.span is not None
    more = len(caught.value.diagnostics) - 1
    assert str(caught.value) == (
        f"credit.rules:{first.span.line}:{first.span.column}: {first.message} (and {more} more)"
    )


def test_str_of_rules_error_from_an_expression_is_placed_in_its_file() -> None:
    with pytest.raises(dsl.RulesError) as caught:
        dsl.compile_expression("x >", filename="workflow.yaml", line=7, column=12)
    assert str(caught.value).startswith("workflow.yaml:7:")


@pytest.mark.parametrize(
    "value",
    [date(2025, 1, 31), datetime(2025, 1, 31, 9, 30), "2025-01-31T09:30:00+08:00", "2025-01-31"],
    ids=["date", "datetime", "iso-datetime", "iso-date"],
)
def test_a_date_field_in_an_alert_message_is_written_as_a_date(value: object) -> None:
    schema = {
        "founded": FieldInfo(ValueType.DATE),
        "address": FieldInfo(ValueType.RECORD, fields={"since": FieldInfo(ValueType.DATE)}),
    }
    compiled = dsl.compile_ruleset(
        ruleset('rule a when true then alert info "founded {founded}, at {address.since}"'),
        filename="r.rules",
        schema=schema,
    )
    result = compiled.evaluate({"founded": value, "address": {"since": value}}, as_of=AS_OF)
    assert result.alerts[0].message == "founded 2025-01-31, at 2025-01-31"
