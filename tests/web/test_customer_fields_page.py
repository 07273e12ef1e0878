"""The customer page lists the customer's data, each field with when and from which source it last
changed (issue 11, freshness), in English and Chinese."""

from __future__ import annotations

from datetime import UTC, datetime

from engine.customers import CustomerInput, upsert_customer
from engine.db import Database
from engine.freshness import FieldFreshness, Source
from tests.web.conftest import HEALTHY, TERMS, PageClient

IMPORTED = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)


def _imported(database: Database) -> None:
    payload = CustomerInput(department="east", data=HEALTHY, terms=TERMS, source=Source.IMPORT)
    with database.transaction() as session:
        upsert_customer(session, "C001", payload, actor="import", now=IMPORTED, tz=UTC)


def test_customer_page_shows_when_and_whence_each_field_changed(
    workspace: Database, pages: PageClient
) -> None:
    _imported(workspace)
    pages.login("rita", ["legal"])
    response = pages.get("/customers/C001", headers={"Accept-Language": "en"})
    assert response.template.name == "customer.html"
    fields = {f.id: f for f in response.context["fields"]}
    assert fields["max_overdue_days"].label == "Worst current overdue (days)"
    assert fields["max_overdue_days"].value == 0
    assert fields["max_overdue_days"].freshness == FieldFreshness(IMPORTED, "import")
    assert "updated 2026-11-03 · import" in response.text


def test_customer_page_shows_freshness_in_chinese(workspace: Database, pages: PageClient) -> None:
    _imported(workspace)
    pages.login("rita", ["legal"])
    response = pages.get("/customers/C001", headers={"Accept-Language": "zh"})
    fields = {f.id: f for f in response.context["fields"]}
    assert fields["max_overdue_days"].label == "最长逾期天数"
    assert "更新于 2026-11-03 · 导入" in response.text


def test_customer_page_writes_values_by_their_type_and_options_by_their_labels(
    workspace: Database, pages: PageClient
) -> None:
    _imported(workspace)  # manufacturing, an outstanding balance of 100,000
    pages.login("rita", ["legal"])
    response = pages.get("/customers/C001", headers={"Accept-Language": "zh"})
    fields = {f.id: f for f in response.context["fields"]}
    assert (fields["industry"].type, fields["outstanding_balance"].type) == ("choice", "money")
    html = response.text
    industry = html.split('data-field="industry">')[1].split("<")[0]
    balance = html.split('data-field="outstanding_balance">')[1].split("<")[0]
    assert (industry.strip(), balance.strip()) == ("制造业", "100,000 CNY")
