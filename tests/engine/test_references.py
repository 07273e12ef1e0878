"""Reference fields on the engine's customer writes (issue 11): the customer named must exist and
not be the customer itself; rules read the reference as text; the customer page links it."""

from __future__ import annotations

import shutil
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from engine.customer_fields import shown_fields
from engine.customers import CustomerInput, upsert_customer
from engine.db import Database
from engine.errors import DataValidationError
from engine.models import Customer
from engine.templates import import_template
from engine.views import CustomerUpserted
from tests.conftest import MECHANICS_TEMPLATE
from tests.engine.conftest import HEALTHY, NOW, TERMS

FIELD = "  - {id: parent_company, type: reference, label: {en: Parent company, zh: 母公司}}\n"
RULE = """
rule in_group "Belongs to the watched group"
  when parent_company == "G 1"
  then add 11
"""


@pytest.fixture
def referring_form(database: Database, tmp_path: Path) -> Database:
    """The mechanics template with FIELD added to its customer form and RULE to its ruleset."""
    bundle = tmp_path / "references"
    shutil.copytree(MECHANICS_TEMPLATE, bundle)
    form = bundle / "forms" / "customer.yaml"
    form.write_text(form.read_text(encoding="utf-8") + FIELD, encoding="utf-8")
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


def write(database: Database, ref: str, data: dict[str, Any]) -> CustomerUpserted:
    payload = CustomerInput(department="east", data=data, terms=TERMS)
    with database.transaction() as session:
        return upsert_customer(session, ref, payload, actor="api", now=NOW, tz=UTC)


def test_a_reference_to_a_stored_customer_is_kept_read_by_rules_and_linked(
    referring_form: Database,
) -> None:
    write(referring_form, "G 1", HEALTHY)
    child = write(referring_form, "C1", {**HEALTHY, "parent_company": "G 1"}).customer
    assert child.data["parent_company"] == "G 1"
    assert child.assessment is not None
    assert "in_group" in {item["id"] for item in child.assessment.result["fired"]}
    with referring_form.transaction() as session:
        shown = {f.id: f for f in shown_fields(session, child, language="en")}
    assert shown["parent_company"].link == "/customers/G%201"
    assert shown["name"].link is None


def test_a_reference_to_no_customer_is_refused_with_its_path(referring_form: Database) -> None:
    with pytest.raises(DataValidationError) as caught:
        write(referring_form, "C1", {**HEALTHY, "parent_company": "G 9"})
    (error,) = caught.value.errors
    assert (error.path, error.code, error.message) == (
        ("data", "parent_company"),
        "unknown-customer",
        "there is no customer 'G 9' for Parent company",
    )
    with referring_form.transaction() as session:
        assert session.exec(select(Customer)).all() == []


def test_a_customer_cannot_refer_to_itself(referring_form: Database) -> None:
    write(referring_form, "C1", HEALTHY)
    with pytest.raises(DataValidationError) as caught:
        write(referring_form, "C1", {**HEALTHY, "parent_company": "C1"})
    (error,) = caught.value.errors
    assert (error.path, error.code) == (("data", "parent_company"), "self-reference")


def test_an_import_checks_references_against_stored_customers_and_the_rows_before(
    referring_form: Database,
) -> None:
    # the bulk import checks a chunk's references at once: a row may name a customer stored
    # before or one an earlier row of the same file creates, not a later row nor itself
    from engine.imports import import_rows
    from forms import read_table

    write(referring_form, "G 1", HEALTHY)
    content = (
        "external_ref,name,department,industry,parent_company\n"
        "A1,Alpha,east,retail,G 1\n"
        "A2,Beta,east,retail,A1\n"
        "A3,Gamma,east,retail,A4\n"
        "A4,Delta,east,retail,A4\n"
        "A5,Epsilon,east,retail,NOPE\n"
    )
    table = read_table(content.encode(), filename="refs.csv")
    with referring_form.transaction() as session:
        report = import_rows(
            session, "customers", table, mode="valid-rows", actor="cli", now=NOW, tz=UTC
        )
    assert (report.created, report.rejected) == (2, 3)
    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (4, "parent_company", "unknown-customer"),
        (5, "parent_company", "self-reference"),
        (6, "parent_company", "unknown-customer"),
    ]
    with referring_form.transaction() as session:
        stored = {
            c.external_ref: c.data.get("parent_company") for c in session.exec(select(Customer))
        }
    assert stored == {"G 1": None, "A1": "G 1", "A2": "A1"}
