"""Event queries (rules-language §3 "Events"): windows, where, empty results, checks."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

import dsl
from dsl import FieldInfo, ValueType
from tests.dsl.test_paths_agree import SlowPathOnly

AS_OF = date(2025, 3, 31)
RECORD_SCHEMA: dsl.Schema = {
    "status": FieldInfo(ValueType.TEXT),
    "limit": FieldInfo(ValueType.NUMBER),
}
EVENTS: dict[str, dsl.Schema] = {
    "invoice": {
        "amount": FieldInfo(ValueType.MONEY),
        "days_late": FieldInfo(ValueType.NUMBER),
        "due": FieldInfo(ValueType.DATE),
    },
    "lawsuit": {"court": FieldInfo(ValueType.TEXT), "status": FieldInfo(ValueType.TEXT)},
    "payment": {"amount": FieldInfo(ValueType.MONEY)},
}


def event(kind: str, when: Any, **payload: Any) -> dict[str, Any]:
    return {"kind": kind, "occurred_at": when, "payload": payload}


INVOICES = [
    event("invoice", "2024-03-30", amount=1000, days_late=40),  # one day before 12 months
    event("invoice", "2024-03-31", amount=200, days_late=5),  # first day of 12 months
    event("invoice", "2025-01-31", amount={"amount": 100, "currency": "USD"}, days_late=0),
    event("invoice", "2025-03-01T23:59:00+08:00", amount=50),  # no days_late
    event("invoice", datetime(2025, 3, 31, 18, tzinfo=timezone(timedelta(hours=8))), amount=7),
    event("invoice", "2025-04-01", amount=99999, days_late=999),  # after as_of: ignored
    event("lawsuit", "2025-03-15", court="Shanghai", status="open"),
    {"kind": "invoice", "occurred_at": "not a date", "payload": {"amount": 5}},
    {"kind": 7, "occurred_at": "2025-01-01"},
]


@pytest.mark.parametrize("schemas", [EVENTS, None], ids=["with-event-forms", "without"])
@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("count(invoice within 12 months)", 4),
        ("count(invoice within 1 years)", 4),
        ("count(invoice within 366 days)", 5),
        ("count(invoice within 0 days)", 1),
        ("count(invoice within 30 days)", 2),
        ("count(payment within 30 days)", 0),
        ("sum(invoice.days_late within 12 months)", 5),
        ("sum(invoice.days_late within 1 days)", 0),
        ("max(invoice.days_late within 2 years)", 40),
        ("min(invoice.days_late within 12 months)", 0),
        ("max(invoice.days_late within 1 days)", None),
        ("count(invoice within 12 months where days_late > 1)", 1),
        ("count(invoice within 12 months where invoice.days_late is missing)", 2),
        ('count(lawsuit within 30 days where court == "Shanghai")', 1),
        ("last(invoice).amount", 7),
        ("last(lawsuit).court", "Shanghai"),
        ("last(payment).amount", None),
        ("days_since(last(lawsuit))", 16),
        ("days_since(last(payment))", None),
    ],
)
def test_event_queries(expression: str, expected: Any, schemas: Any) -> None:
    compiled = dsl.compile_expression(expression, filename="e", events=schemas)
    assert compiled.evaluate({}, as_of=AS_OF, events=INVOICES) == expected
    assert compiled.evaluate(SlowPathOnly(), as_of=AS_OF, events=INVOICES) == expected


def test_money_fields_of_events_are_converted() -> None:
    expression = "sum(invoice.amount within 12 months)"
    compiled = dsl.compile_expression(expression, filename="e", events=EVENTS, base_currency="CNY")
    assert compiled.evaluate({}, as_of=AS_OF, events=INVOICES, fx=lambda c, d: 7) == 957
    assert compiled.evaluate({}, as_of=AS_OF, events=INVOICES) == 257


def test_a_bare_name_in_where_is_the_events_field_then_the_records() -> None:
    expression = "count(invoice within 12 months where days_late > limit)"
    compiled = dsl.compile_expression(expression, filename="e", schema=RECORD_SCHEMA, events=EVENTS)
    assert compiled.evaluate({"limit": 1}, as_of=AS_OF, events=INVOICES) == 1
    # two invoices in the window have no days_late: a comparison with a missing value is false
    assert compiled.evaluate({"limit": -1}, as_of=AS_OF, events=INVOICES) == 2
    # without forms, the payload decides, event by event
    schemaless = dsl.compile_expression(expression, filename="e")
    assert schemaless.evaluate({"limit": -1}, as_of=AS_OF, events=INVOICES) == 2
    assert schemaless.evaluate(SlowPathOnly({"limit": -1}), as_of=AS_OF, events=INVOICES) == 2
    # ... and a field the payload lacks is read from the record
    record = {"limit": -1, "days_late": 3}
    assert schemaless.evaluate(record, as_of=AS_OF, events=INVOICES) == 4


def test_events_after_as_of_are_ignored_everywhere() -> None:
    compiled = dsl.compile_expression("last(invoice).days_late", filename="e")
    assert compiled.evaluate({}, as_of=AS_OF, events=INVOICES) is None  # the 03-31 one has none
    assert compiled.evaluate({}, as_of=date(2025, 4, 1), events=INVOICES) == 999


def _error(expression: str, schema: dsl.Schema | None = RECORD_SCHEMA) -> str:
    with pytest.raises(dsl.RulesError) as caught:
        dsl.compile_expression(expression, filename="g", schema=schema, events=EVENTS)
    return dsl.render_all(caught.value.diagnostics, {"g": expression})


def test_unknown_event_kind_and_field_suggest_the_nearest() -> None:
    assert _error("count(invoices within 30 days) > 1") == (
        "g:1:7: error: unknown event kind 'invoices'; did you mean 'invoice'?\n"
        "    1 | count(invoices within 30 days) > 1\n"
        "      |       ^^^^^^^^"
    )
    assert _error("sum(invoice.amout within 30 days) > 1") == (
        "g:1:13: error: unknown field 'amout' of event kind 'invoice'; did you mean 'amount'?\n"
        "    1 | sum(invoice.amout within 30 days) > 1\n"
        "      |             ^^^^^"
    )


def test_a_name_both_the_event_and_the_record_have_is_an_error() -> None:
    assert _error('count(lawsuit within 30 days where status == "open") > 0') == (
        "g:1:36: error: 'status' is both a field of event kind 'lawsuit' and a field of the "
        "record\n"
        '    1 | count(lawsuit within 30 days where status == "open") > 0\n'
        "      |                                    ^^^^^^\n"
        "      = hint: write 'lawsuit.status' for the event's field, or rename the field of the "
        "record"
    )
    dsl.compile_expression(
        'count(lawsuit within 30 days where lawsuit.status == "open") > 0',
        filename="g",
        schema=RECORD_SCHEMA,
        events=EVENTS,
    )


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            "count(invoice) > 1",
            "'count' needs events and a period, like count(lawsuit within 365 days)",
        ),
        (
            "sum(invoice within 30 days) > 1",
            "'sum' needs an event kind and its field, like sum(invoice.amount within 90 days)",
        ),
        (
            "count(invoice.amount within 30 days) > 1",
            "'count' needs an event kind, like count(lawsuit within 365 days)",
        ),
        (
            "count(invoice within 30) > 1",
            "'within' needs a period of time, like 365 days or 12 months",
        ),
        (
            "sum(lawsuit.court within 30 days) > 1",
            "'sum' needs a number, but 'lawsuit.court' is text",
        ),
        (
            "count(invoice within 30 days where amount) > 1",
            "the condition after 'where' must be true or false, but this is an amount of money",
        ),
    ],
)
def test_event_query_mistakes(expression: str, message: str) -> None:
    assert _error(expression).splitlines()[0].split(": error: ")[1] == message
