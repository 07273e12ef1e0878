"""`PUT` and `PATCH /api/v1/customers/{ref}` (issue 11): the whole record or only the fields sent,
what a PUT keeps, masked values sent back, `expected_version`, and each field's freshness."""

from __future__ import annotations

from typing import Any

import httpx

from engine.db import Database
from tests.web.conftest import HEALTHY, TERMS, ApiClient
from tests.web.test_api import assert_problem, put_customer

PHONE = "13912345678"
MASKED = "139****5678"


def patch(client: ApiClient, ref: str, body: dict[str, Any]) -> httpx.Response:
    return client.patch(f"/api/v1/customers/{ref}", json=body)


def test_a_put_that_leaves_out_department_keeps_it(
    workspace: Database, admin_api: ApiClient
) -> None:
    put_customer(admin_api, "C001", HEALTHY, terms=TERMS)
    response = admin_api.put("/api/v1/customers/C001", json={"data": HEALTHY})
    assert response.status_code == 200, response.text
    assert response.json()["department"] == "east"
    emptied = admin_api.put("/api/v1/customers/C001", json={"data": HEALTHY, "department": None})
    assert emptied.json()["department"] is None


def test_a_patch_changes_only_the_fields_sent_and_rescores(
    workspace: Database, admin_api: ApiClient
) -> None:
    created = put_customer(admin_api, "C001", HEALTHY, terms=TERMS).json()
    response = patch(
        admin_api,
        "C001",
        {"data": {"max_overdue_days": 120, "enforcement_records": 2}, "owner": "lin"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] == {
        **created["data"],
        "max_overdue_days": 120,
        "enforcement_records": 2,
    }
    assert (body["name"], body["department"], body["owner"]) == (created["name"], "east", "lin")
    assert body["assessment"]["tier"] == "high"
    assert len(body["open_cases"]) == 1  # the tier change started the review, as a PUT would


def test_a_patch_is_refused_for_no_customer_bad_data_or_another_version(
    workspace: Database, admin_api: ApiClient
) -> None:
    assert_problem(patch(admin_api, "NOPE", {"data": {"max_overdue_days": 1}}), 404)
    created = put_customer(admin_api, "C001", HEALTHY, terms=TERMS).json()
    body = assert_problem(patch(admin_api, "C001", {"data": {"max_overdue_days": -5}}), 422)
    assert [e["path"] for e in body["errors"]] == ["data.max_overdue_days"]
    stale = {"data": {"max_overdue_days": 1}, "expected_version": created["row_version"] - 1}
    body = assert_problem(patch(admin_api, "C001", stale), 409)
    assert "changed meanwhile" in body["detail"]
    assert_problem(patch(admin_api, "C001", {"data": {}, "terms": {"credit_limit": 1}}), 422)
    assert_problem(patch(admin_api, "C001", {"data": {}, "source": "page"}), 422)
    current = {"data": {"max_overdue_days": 1}, "expected_version": created["row_version"]}
    assert patch(admin_api, "C001", current).status_code == 200


def test_a_masked_value_sent_back_keeps_the_stored_one(
    workspace: Database, admin_api: ApiClient
) -> None:
    put_customer(admin_api, "C001", {**HEALTHY, "contact_phone": PHONE}, terms=TERMS)
    manager = admin_api.as_user("sam", ["sales_manager"])
    shown = manager.get("/api/v1/customers/C001").json()
    assert shown["data"]["contact_phone"] == MASKED
    # the whole record as read, one field changed, sent back
    changed = {**shown["data"], "max_overdue_days": 10}
    response = manager.put("/api/v1/customers/C001", json={"data": changed})
    assert response.status_code == 200, response.text
    assert patch(manager, "C001", {"data": {"contact_phone": MASKED}}).status_code == 200
    kept = admin_api.get("/api/v1/customers/C001").json()["data"]["contact_phone"]
    assert kept == "+86" + PHONE  # the number as stored: E.164


def test_each_field_says_when_it_changed_and_from_which_source(
    workspace: Database, admin_api: ApiClient
) -> None:
    body = put_customer(admin_api, "C001", HEALTHY, terms=TERMS, source="import").json()
    assert body["freshness"]["max_overdue_days"]["source"] == "import"
    first = body["freshness"]["max_overdue_days"]["updated_at"]
    again = patch(admin_api, "C001", {"data": {"industry": "retail"}}).json()
    assert again["freshness"]["max_overdue_days"] == {"updated_at": first, "source": "import"}
    assert again["freshness"]["industry"]["source"] == "api"
    connector = patch(
        admin_api, "C001", {"data": {"max_overdue_days": 3}, "source": "connector"}
    ).json()
    assert connector["freshness"]["max_overdue_days"]["source"] == "connector"
    read = admin_api.get("/api/v1/customers/C001").json()
    assert read["freshness"] == connector["freshness"]


def test_an_amount_in_a_currency_is_taken_and_each_bad_part_named_by_its_path(
    workspace: Database, admin_api: ApiClient
) -> None:
    put_customer(admin_api, "C001", HEALTHY, terms=TERMS)
    usd = {"amount": 150_000, "currency": "USD"}
    response = patch(admin_api, "C001", {"data": {"outstanding_balance": usd}})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["outstanding_balance"] == usd
    assert admin_api.get("/api/v1/customers/C001").json()["data"]["outstanding_balance"] == usd

    body = assert_problem(
        patch(
            admin_api,
            "C001",
            {"data": {"outstanding_balance": {"amount": "150,000", "currency": "usd"}}},
        ),
        422,
    )
    assert sorted((e["path"], e["code"]) for e in body["errors"]) == [
        ("data.outstanding_balance.amount", "wrong-type"),
        ("data.outstanding_balance.currency", "bad-currency"),
    ]
    body = assert_problem(
        patch(admin_api, "C001", {"data": {"outstanding_balance": {"amount": 1}}}), 422
    )
    assert [(e["path"], e["code"]) for e in body["errors"]] == [
        ("data.outstanding_balance", "bad-money")
    ]
    schema = admin_api.get("/api/v1/forms/customer/schema").json()
    assert schema["properties"]["outstanding_balance"]["type"] == ["number", "object", "null"]
