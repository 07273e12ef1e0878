"""Computed fields and conditions on the engine's customer writes (issue 11): a computed value is
computed on every write, stored in the data and read by rules like any field, stamped when it
changes; a value sent for it, or for a field hidden by its condition, is refused with its path."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from engine.customer_data import set_fields
from engine.customers import CustomerInput, upsert_customer
from engine.db import Database
from engine.errors import DataValidationError
from engine.freshness import FieldFreshness, Source, freshness_view
from engine.imports import import_rows
from engine.models import Customer
from engine.templates import import_template
from engine.views import CustomerUpserted
from forms import read_table
from tests.conftest import MECHANICS_TEMPLATE
from tests.engine.conftest import NOW, RISKY, TERMS

LATER = NOW + timedelta(days=3)

FIELDS = """\
  - id: usage_ratio
    type: decimal
    computed: "if credit_limit > 0 then outstanding_balance / credit_limit else 0"
  - {id: export_licence, type: text, visible_when: "is_cross_border", required: true}
"""
RULE = """
rule high_usage "Most of the credit limit is used"
  when usage_ratio > 0.5
  then add 7
"""


@pytest.fixture
def computed_form(database: Database, tmp_path: Path) -> Database:
    """The mechanics template with FIELDS added to its customer form and RULE to its ruleset."""
    bundle = tmp_path / "computed"
    shutil.copytree(MECHANICS_TEMPLATE, bundle)
    form = bundle / "forms" / "customer.yaml"
    form.write_text(form.read_text(encoding="utf-8") + FIELDS, encoding="utf-8")
    rules = bundle / "rules" / "credit.rules"
    text = rules.read_text(encoding="utf-8")
    rules.write_text(text.replace("\ntiers\n", RULE + "\ntiers\n"), encoding="utf-8")
    manifest = bundle / "template.yaml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace("tests: [tests/cases.yaml]\n", ""),
        encoding="utf-8",
    )
    shutil.rmtree(bundle / "tests")
    with database.transaction() as session:
        import_template(session, bundle, actor="admin", now=NOW, base_currency="CNY")
    return database


def write(
    database: Database,
    ref: str,
    data: dict[str, Any],
    *,
    now: datetime = NOW,
    is_partial: bool = False,
) -> CustomerUpserted:
    payload = CustomerInput(
        department="east",
        data=data,
        terms=None if is_partial else TERMS,
        source=Source.API,
        is_partial=is_partial,
    )
    with database.transaction() as session:
        return upsert_customer(session, ref, payload, actor="api", now=now, tz=UTC)


def fired(upserted: CustomerUpserted) -> set[str]:
    assert upserted.customer.assessment is not None
    return {item["id"] for item in upserted.customer.assessment.result["fired"]}


def test_a_computed_value_is_stored_stamped_and_read_by_the_rules(computed_form: Database) -> None:
    created = write(computed_form, "C1", RISKY)  # 900,000 of a 1,000,000 limit
    assert created.customer.data["usage_ratio"] == 0.9
    assert created.customer.freshness["usage_ratio"] == FieldFreshness(NOW, "api")
    assert "high_usage" in fired(created)


def test_a_computed_value_is_recomputed_on_every_write_and_stamped_only_when_it_changes(
    computed_form: Database,
) -> None:
    write(computed_form, "C1", RISKY)
    same = write(computed_form, "C1", {"negative_news_30d": 1}, now=LATER, is_partial=True)
    assert same.customer.freshness["usage_ratio"] == FieldFreshness(NOW, "api")
    lower = write(computed_form, "C1", {"outstanding_balance": 100_000}, now=LATER, is_partial=True)
    assert lower.customer.data["usage_ratio"] == 0.1
    assert lower.customer.freshness["usage_ratio"] == FieldFreshness(LATER, "api")
    assert "high_usage" not in fired(lower)


def test_a_value_sent_for_a_computed_field_is_refused_with_its_path(
    computed_form: Database,
) -> None:
    with pytest.raises(DataValidationError) as caught:
        write(computed_form, "C1", {**RISKY, "usage_ratio": 0.1})
    (error,) = caught.value.errors
    assert (error.path, error.code) == (("data", "usage_ratio"), "computed-field")


def test_a_hidden_field_refuses_a_value_and_a_shown_required_one_needs_one(
    computed_form: Database,
) -> None:
    with pytest.raises(DataValidationError) as caught:
        write(computed_form, "C1", {**RISKY, "export_licence": "EL-1"})
    (error,) = caught.value.errors
    assert (error.path, error.code) == (("data", "export_licence"), "not-visible")
    with pytest.raises(DataValidationError) as caught:
        write(computed_form, "C1", {**RISKY, "is_cross_border": True})
    (error,) = caught.value.errors
    assert (error.path, error.code) == (("data", "export_licence"), "required")
    stored = write(computed_form, "C1", {**RISKY, "is_cross_border": True, "export_licence": "EL"})
    assert stored.customer.data["export_licence"] == "EL"


IMPORT_HEADER = (
    "external_ref,name,department,industry,max_overdue_days,enforcement_records,"
    "outstanding_balance,has_guarantee,credit_limit"
)


def test_an_import_computes_the_field_and_the_same_file_twice_is_unchanged(
    computed_form: Database,
) -> None:
    table = read_table(
        f"{IMPORT_HEADER}\nC1,Shaky,east,construction,120,2,900000,N,1000000\n".encode(),
        filename="customers.csv",
    )
    with computed_form.transaction() as session:
        first = import_rows(
            session, "customers", table, mode="valid-rows", actor="cli", now=NOW, tz=UTC
        )
    assert (first.created, first.rejected) == (1, 0)
    with computed_form.transaction() as session:
        stored = session.exec(select(Customer)).one()
        assert stored.data["usage_ratio"] == 0.9
    with computed_form.transaction() as session:
        again = import_rows(
            session, "customers", table, mode="valid-rows", actor="cli", now=LATER, tz=UTC
        )
    assert (again.unchanged, again.updated, again.rejected) == (1, 0, 0), again.errors


def test_an_import_column_for_a_computed_field_is_a_row_error(computed_form: Database) -> None:
    table = read_table(
        f"{IMPORT_HEADER},usage_ratio\nC1,Shaky,east,construction,120,2,900000,N,1000000,0.1\n".encode(),
        filename="customers.csv",
    )
    with computed_form.transaction() as session:
        report = import_rows(
            session, "customers", table, mode="valid-rows", actor="cli", now=NOW, tz=UTC
        )
    assert report.rejected == 1
    assert [(e.column, e.code) for e in report.errors] == [("usage_ratio", "computed-field")]


def test_a_workflow_setting_a_field_recomputes_the_computed_one(computed_form: Database) -> None:
    write(computed_form, "C1", RISKY)
    with computed_form.transaction() as session:
        customer = session.exec(select(Customer)).one()
        changed = set_fields(
            session,
            customer,
            {"outstanding_balance": 200_000},
            case_id=None,
            actor="workflow",
            now=LATER,
        )
        assert changed == ["outstanding_balance", "usage_ratio"]
        assert customer.data["usage_ratio"] == 0.2
        assert freshness_view(customer.freshness)["usage_ratio"] == FieldFreshness(
            LATER, "workflow"
        )


def test_a_partial_update_hiding_a_field_with_a_value_must_clear_it(
    computed_form: Database,
) -> None:
    write(computed_form, "C1", {**RISKY, "is_cross_border": True, "export_licence": "EL"})
    with pytest.raises(DataValidationError) as caught:
        write(computed_form, "C1", {"is_cross_border": False}, now=LATER, is_partial=True)
    assert [(e.path, e.code) for e in caught.value.errors] == [
        (("data", "export_licence"), "not-visible")
    ]
    cleared = write(
        computed_form,
        "C1",
        {"is_cross_border": False, "export_licence": None},
        now=LATER,
        is_partial=True,
    )
    assert "export_licence" not in cleared.customer.data
