"""Whole and partial customer updates (issue 11): what a PUT keeps, what a PATCH merges, masked
sensitive values sent back, and optimistic locking with `expected_version`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from engine import crypto
from engine.customers import CustomerInput, get_customer, upsert_customer
from engine.db import Database
from engine.errors import ConflictError, DataValidationError, NotFoundError
from engine.models import Case, Customer
from engine.views import CustomerUpserted
from tests.engine.conftest import HEALTHY, NOW, RISKY, TERMS, upsert

PHONE = "13812345678"


def write(
    database: Database, ref: str, payload: CustomerInput, *, now: datetime = NOW
) -> CustomerUpserted:
    with database.transaction() as session:
        return upsert_customer(session, ref, payload, actor="api", now=now, tz=UTC)


def stored(database: Database, ref: str) -> tuple[Customer, dict[str, Any]]:
    with database.transaction() as session:
        row = session.exec(select(Customer).where(Customer.external_ref == ref)).one()
        return row, crypto.customer_data(session, row)


def test_an_upsert_that_leaves_out_department_keeps_it(workspace: Database) -> None:
    upsert(workspace, "C1", HEALTHY, terms=TERMS, department="east")
    result = write(workspace, "C1", CustomerInput(data={**HEALTHY, "max_overdue_days": 10}))
    assert result.customer.department == "east"
    assert stored(workspace, "C1")[0].department == "east"


def test_an_upsert_empties_department_and_owner_only_when_asked(workspace: Database) -> None:
    write(workspace, "C1", CustomerInput(department="east", owner="lin", data=HEALTHY))
    kept = write(workspace, "C1", CustomerInput(data=HEALTHY))
    assert (kept.customer.department, kept.customer.owner) == ("east", "lin")
    emptied = write(
        workspace, "C1", CustomerInput(data=HEALTHY, cleared=frozenset({"department", "owner"}))
    )
    assert (emptied.customer.department, emptied.customer.owner) == (None, None)


def test_a_partial_update_changes_only_the_fields_sent(workspace: Database) -> None:
    upsert(workspace, "C1", RISKY, terms=TERMS)
    assert stored(workspace, "C1")[0].tier == "high"
    patch = CustomerInput(data={"max_overdue_days": 0, "enforcement_records": 0}, is_partial=True)
    result = write(workspace, "C1", patch, now=NOW + timedelta(hours=1))
    row, data = stored(workspace, "C1")
    assert data == {**RISKY, "max_overdue_days": 0, "enforcement_records": 0, **_defaults(data)}
    assert (row.name, row.department) == ("Shaky Trading Ltd.", "east")
    # scored as after any upsert
    assert result.customer.tier == row.tier != "high"
    assert result.customer.assessment is not None
    assert result.customer.assessment.created_at == NOW + timedelta(hours=1)


def _defaults(data: dict[str, Any]) -> dict[str, Any]:
    """The form's defaults the normalised record holds besides what was sent."""
    return {k: data[k] for k in ("country", "is_cross_border", "settlement_currency") if k in data}


def test_a_partial_update_sets_name_department_and_owner_when_sent(workspace: Database) -> None:
    upsert(workspace, "C1", HEALTHY, terms=TERMS)
    write(workspace, "C1", CustomerInput(department="west", owner="lin", is_partial=True))
    row, data = stored(workspace, "C1")
    assert (row.name, row.department, row.owner) == ("Hangzhou Bearings Co.", "west", "lin")
    write(workspace, "C1", CustomerInput(data={"name": "Hangzhou Bearings Group"}, is_partial=True))
    row, data = stored(workspace, "C1")
    assert (row.name, data["name"]) == ("Hangzhou Bearings Group", "Hangzhou Bearings Group")


def test_a_partial_update_removes_a_field_sent_as_null(workspace: Database) -> None:
    upsert(workspace, "C1", {**HEALTHY, "lawsuit_count_12m": 1}, terms=TERMS)
    write(workspace, "C1", CustomerInput(data={"lawsuit_count_12m": None}, is_partial=True))
    assert "lawsuit_count_12m" not in stored(workspace, "C1")[1]


def test_a_partial_update_validates_the_whole_record(workspace: Database) -> None:
    upsert(workspace, "C1", HEALTHY, terms=TERMS)
    with pytest.raises(DataValidationError) as raised:
        write(workspace, "C1", CustomerInput(data={"max_overdue_days": -5}, is_partial=True))
    assert [e.path for e in raised.value.errors] == [("data", "max_overdue_days")]
    assert stored(workspace, "C1")[1]["max_overdue_days"] == 0


def test_a_partial_update_of_no_customer_is_not_found(workspace: Database) -> None:
    with pytest.raises(NotFoundError):
        write(workspace, "NOPE", CustomerInput(data=HEALTHY, is_partial=True))


def test_a_partial_update_that_raises_the_tier_opens_a_review(workspace: Database) -> None:
    upsert(workspace, "C1", HEALTHY, terms=TERMS)
    risky = {"max_overdue_days": 120, "enforcement_records": 2}
    result = write(workspace, "C1", CustomerInput(data=risky, is_partial=True))
    assert result.customer.tier == "high"
    assert len(result.cases_opened) == 1
    with workspace.transaction() as session:
        (case,) = session.exec(select(Case)).all()
        assert case.workflow_key == "high_risk_review"


@pytest.mark.parametrize("is_partial", [False, True], ids=["put", "patch"])
def test_a_masked_sensitive_value_sent_back_keeps_the_stored_one(
    workspace: Database, is_partial: bool
) -> None:
    upsert(workspace, "C1", {**HEALTHY, "contact_phone": PHONE}, terms=TERMS)
    with workspace.transaction() as session:
        shown = get_customer(session, "C1").data  # no viewer: masked
    assert shown["contact_phone"] == "138****5678"
    sent = {**shown, "max_overdue_days": 10} if not is_partial else {"contact_phone": "138****5678"}
    write(workspace, "C1", CustomerInput(data=sent, is_partial=is_partial))
    assert stored(workspace, "C1")[1]["contact_phone"] == "+86" + PHONE  # stored as E.164
    # a new number is stored as sent (in E.164, as every phone)
    write(workspace, "C1", CustomerInput(data={"contact_phone": "13900001111"}, is_partial=True))
    assert stored(workspace, "C1")[1]["contact_phone"] == "+8613900001111"


def test_an_update_at_another_version_is_a_conflict_and_changes_nothing(
    workspace: Database,
) -> None:
    first = upsert(workspace, "C1", HEALTHY, terms=TERMS)
    version = first.customer.row_version
    change = {"max_overdue_days": 10}
    with pytest.raises(ConflictError) as raised:
        write(
            workspace,
            "C1",
            CustomerInput(data=change, is_partial=True, expected_version=version - 1),
        )
    assert "changed meanwhile" in raised.value.message
    assert stored(workspace, "C1")[1]["max_overdue_days"] == 0
    done = write(
        workspace, "C1", CustomerInput(data=change, is_partial=True, expected_version=version)
    )
    assert done.customer.data["max_overdue_days"] == 10
    assert done.customer.row_version > version


@pytest.mark.parametrize("data", [{"max_overdue_days": 1}, {"max_overdue_days": -5}])
def test_a_partial_update_outside_the_writers_departments_is_not_found(
    workspace: Database, data: dict[str, Any]
) -> None:
    upsert(workspace, "C1", HEALTHY, terms=TERMS, department="east")
    for ref in ("C1", "NOPE"):  # the same answer whether it exists or not, whatever the data
        with pytest.raises(NotFoundError), workspace.transaction() as session:
            upsert_customer(
                session,
                ref,
                CustomerInput(data=data, is_partial=True),
                actor="west_head",
                now=NOW,
                tz=UTC,
                scope=frozenset({"west"}),
            )
    # within the writer's departments, the department left out is kept (and so in scope)
    with workspace.transaction() as session:
        done = upsert_customer(
            session,
            "C1",
            CustomerInput(data={"max_overdue_days": 1}, is_partial=True),
            actor="east_head",
            now=NOW,
            tz=UTC,
            scope=frozenset({"east"}),
        )
    assert done.customer.department == "east"
