"""Input the engine refuses before storing anything (issue #8, items 8-11): unknown event kinds,
payloads too deep or too large, numbers beyond what their type stores, text holding NUL or
control characters, times at the calendar's edges. Each refusal names its path."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import select

import forms
from engine import clock
from engine.customers import CustomerInput, get_customer, upsert_customer
from engine.db import Database
from engine.errors import DataValidationError, InvalidRequestError, NotFoundError
from engine.events import MAX_PAYLOAD_DEPTH, EventInput, record_event
from engine.models import Customer, Event
from engine.types import MoneyType
from forms.validation import AMOUNT_DIGITS
from tests.engine.conftest import HEALTHY, NOW, upsert


def _record(database: Database, event: EventInput, *, ref: str = "C001") -> None:
    with database.transaction() as session:
        record_event(session, ref, event, actor="api", now=NOW, tz=UTC)


def _upsert(database: Database, ref: str, payload: CustomerInput) -> None:
    with database.transaction() as session:
        upsert_customer(session, ref, payload, actor="api", now=NOW, tz=UTC)


def _paths(raised: pytest.ExceptionInfo[DataValidationError]) -> dict[str, str]:
    return {forms.path_text(e.path): e.code for e in raised.value.errors}


def _events(database: Database) -> list[Event]:
    with database.transaction() as session:
        return list(session.exec(select(Event)).all())


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth - 1):
        value = {"x": value}
    return value


# --- item 8: events ------------------------------------------------------------------------------


def test_a_10mb_payload_of_an_undeclared_kind_is_not_stored(workspace: Database) -> None:
    upsert(workspace, "C001", HEALTHY)
    huge = {"blob": "x" * (10 * 1024 * 1024)}
    with pytest.raises(DataValidationError) as raised:
        _record(workspace, EventInput(kind="site_visit", occurred_at="2026-11-20", payload=huge))
    assert _paths(raised) == {"payload": "too-large"}
    with pytest.raises(DataValidationError) as raised:
        _record(workspace, EventInput(kind="site_visit", occurred_at="2026-11-20", payload={}))
    assert _paths(raised) == {"kind": "unknown-kind"}
    message = raised.value.errors[0].message
    assert message.startswith("unknown event kind 'site_visit'; the event kinds are lawsuit,")
    assert _events(workspace) == []


def test_the_customer_form_is_not_an_event_kind(workspace: Database) -> None:
    upsert(workspace, "C001", HEALTHY)
    with pytest.raises(DataValidationError) as raised:
        _record(workspace, EventInput(kind="customer", occurred_at="2026-11-20", payload=HEALTHY))
    assert _paths(raised) == {"kind": "unknown-kind"}
    assert _events(workspace) == []


def test_a_payload_nested_300_deep_is_refused_before_storing(workspace: Database) -> None:
    upsert(workspace, "C001", HEALTHY)
    deep = EventInput(kind="lawsuit", occurred_at="2026-11-20", payload=_nested(300))
    with pytest.raises(DataValidationError) as raised:
        _record(workspace, deep)
    assert _paths(raised) == {"payload": "too-deep"}
    assert f"deeper than {MAX_PAYLOAD_DEPTH} levels" in raised.value.errors[0].message
    assert _events(workspace) == []


def test_nul_and_control_characters_in_an_event_are_refused_with_paths(
    workspace: Database,
) -> None:
    upsert(workspace, "C001", HEALTHY)
    event = EventInput(
        kind="law\x00suit",
        occurred_at="2026-11-20",
        payload={"court": "Hangzhou\x00", "note": "a\ud800b", "bell\x07": 1, "ok": "two\nlines"},
        source="crm\x1b",
    )
    with pytest.raises(DataValidationError) as raised:
        _record(workspace, event)
    assert _paths(raised) == {
        "kind": "control-character",
        "source": "control-character",
        "payload.court": "control-character",
        "payload.note": "control-character",
        "payload.bell\x07": "control-character",
    }
    assert _events(workspace) == []


def test_an_event_time_at_the_calendar_edge_is_refused(workspace: Database) -> None:
    upsert(workspace, "C001", HEALTHY)
    for moment in (
        "9999-12-31T23:59:59-12:00",
        "0001-01-01T00:00:00+01:00",
        "2999-12-31T23:00-02:00",
    ):
        with pytest.raises(InvalidRequestError, match="outside the supported times"):
            _record(workspace, EventInput(kind="lawsuit", occurred_at=moment, payload={}))
    with pytest.raises(InvalidRequestError, match="outside the supported times"):
        _record(
            workspace,
            EventInput(kind="lawsuit", occurred_at=datetime(9999, 12, 31, tzinfo=UTC), payload={}),
        )
    assert _events(workspace) == []


def test_parse_time_names_text_that_is_no_time_and_times_out_of_range() -> None:
    with pytest.raises(ValueError, match=r"^'soon' is not an ISO 8601 time$"):
        clock.parse_time("soon", tz=UTC)
    with pytest.raises(ValueError, match=r"^'9999-12-31T23:59:59-12:00' is outside the supported"):
        clock.parse_time("9999-12-31T23:59:59-12:00", tz=UTC)
    assert clock.parse_time("2999-12-31T23:59", tz=UTC).year == 2999
    assert clock.parse_time("1900-01-01", tz=UTC) == clock.EARLIEST


# --- item 9: numbers beyond their type ---------------------------------------------------------


def test_money_of_10_to_the_400_is_refused_and_nothing_stored(workspace: Database) -> None:
    data = {**HEALTHY, "outstanding_balance": 10**400, "max_overdue_days": 2**63}
    with pytest.raises(DataValidationError) as raised:
        _upsert(workspace, "C001", CustomerInput(data=data))
    assert _paths(raised) == {
        "data.outstanding_balance": "out-of-range",
        "data.max_overdue_days": "out-of-range",
    }
    messages = {forms.path_text(e.path): e.message for e in raised.value.errors}
    assert "at most 16 digits before the point" in messages["data.outstanding_balance"]
    with workspace.transaction() as session:
        assert session.exec(select(Customer)).all() == []


def test_the_largest_amounts_and_integers_are_stored_and_read_back(workspace: Database) -> None:
    data = {**HEALTHY, "outstanding_balance": 10**16 - 1, "enforcement_records": 2**63 - 1}
    _upsert(workspace, "C001", CustomerInput(data=data))
    with workspace.transaction() as session:
        view = get_customer(session, "C001")
    assert view.data["outstanding_balance"] == 10**16 - 1
    assert view.data["enforcement_records"] == 2**63 - 1


def test_a_credit_limit_beyond_the_money_column_is_refused(workspace: Database) -> None:
    terms = {"credit_limit": 10**17}
    with pytest.raises(DataValidationError) as raised:
        _upsert(workspace, "C001", CustomerInput(data=HEALTHY, terms=terms))
    assert _paths(raised) == {"terms.credit_limit": "out-of-range"}


def test_the_amount_limit_is_what_the_money_column_holds() -> None:
    assert MoneyType.precision is not None and MoneyType.scale is not None
    assert MoneyType.precision - MoneyType.scale == AMOUNT_DIGITS


# --- item 10: text that cannot be stored ------------------------------------------------------


def test_nul_and_control_characters_in_a_customer_are_refused_with_paths(
    workspace: Database,
) -> None:
    payload = CustomerInput(
        name="Acme\x00", department="east\x7f", data={**HEALTHY, "name": "Acme\ud83d"}
    )
    with pytest.raises(DataValidationError) as raised:
        _upsert(workspace, "C\x01", payload)
    assert _paths(raised) == {
        "ref": "control-character",
        "name": "control-character",
        "department": "control-character",
    }
    with pytest.raises(DataValidationError) as raised:
        _upsert(workspace, "C001", CustomerInput(data={**HEALTHY, "name": "Acme\ud83d"}))
    assert _paths(raised) == {"data.name": "control-character"}
    with workspace.transaction() as session:
        assert session.exec(select(Customer)).all() == []


def test_line_breaks_in_form_text_are_kept(workspace: Database) -> None:
    _upsert(workspace, "C001", CustomerInput(data={**HEALTHY, "name": "Acme\tEast\nBranch"}))
    with workspace.transaction() as session:
        assert get_customer(session, "C001").data["name"] == "Acme\tEast\nBranch"


def test_a_reference_holding_nul_is_not_found(workspace: Database) -> None:
    with workspace.transaction() as session, pytest.raises(NotFoundError):
        get_customer(session, "C\x00")
