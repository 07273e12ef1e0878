"""Order credit checks over the API: check (201, replay 200, conflict 409), read, close, and
problem+json refusals; on each backend, against the real server."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from engine.db import Database
from tests.web.conftest import ApiClient, upsert

PROBLEM_JSON = "application/problem+json"
HEALTHY: dict[str, Any] = {
    "name": "Hangzhou Bearings Co.",
    "industry": "manufacturing",
    "max_overdue_days": 0,
    "enforcement_records": 0,
    "outstanding_balance": 100_000,
    "has_guarantee": True,
}


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body  # type: ignore[no-any-return]


@pytest.fixture
def sales(workspace: Database, api: ApiClient) -> ApiClient:
    upsert(workspace, "C1", HEALTHY, terms={"credit_limit": 1_000_000})  # department east
    return api.as_user("sue", ["sales"])


def test_an_order_is_checked_then_replayed_unchanged(sales: ApiClient) -> None:
    order = {"order_ref": "SO-1", "amount": 820_000, "currency": "CNY"}
    created = sales.post(
        "/api/v1/customers/C1/credit-checks", json=order, headers={"Idempotency-Key": "k-1"}
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert {
        k: body[k] for k in ("decision", "status", "exposure", "credit_limit", "available")
    } == {
        "decision": "warn",
        "status": "open",
        "exposure": {
            "outstanding": 100_000,
            "open_orders": 0,
            "this_order": 820_000,
            "total": 920_000,
        },
        "credit_limit": 1_000_000,
        "available": 900_000,
    }
    assert body["reasons"] == [
        {
            "code": "near_limit",
            "kind": "warn",
            "text": {
                "en": "The order takes the customer above 90% of its credit limit",
                "zh": "该订单使客户占用超过信用额度的 90%",
            },
        }
    ]
    assert (body["customer_ref"], body["order_ref"], body["created_by"]) == ("C1", "SO-1", "sue")
    again = sales.post("/api/v1/customers/C1/credit-checks", json={**order, "amount": "820000.00"})
    assert (again.status_code, again.json()) == (200, body)
    assert sales.get(f"/api/v1/credit-checks/{body['id']}").json() == body


def test_the_same_order_with_another_amount_is_a_409(sales: ApiClient) -> None:
    order = {"order_ref": "SO-1", "amount": 10, "currency": "CNY"}
    assert sales.post("/api/v1/customers/C1/credit-checks", json=order).status_code == 201
    conflict = _problem(
        sales.post("/api/v1/customers/C1/credit-checks", json={**order, "amount": 11}), 409
    )
    assert conflict["detail"] == (
        "the order 'SO-1' was already checked with another customer, amount or currency; "
        "use a new order reference"
    )


def test_a_held_order_cannot_be_closed_an_open_one_can(sales: ApiClient) -> None:
    held = sales.post(
        "/api/v1/customers/C1/credit-checks",
        json={"order_ref": "SO-BIG", "amount": 2_000_000, "currency": "CNY"},
    ).json()
    assert (held["decision"], held["status"]) == ("hold", "held")
    assert [r["code"] for r in held["reasons"]] == ["over_limit", "near_limit"]
    refused = _problem(
        sales.post(f"/api/v1/credit-checks/{held['id']}/close", json={"reason": "cancelled"}),
        409,
    )
    assert refused["detail"] == "the order 'SO-BIG' is held: only an open order can be closed"

    small = sales.post(
        "/api/v1/customers/C1/credit-checks",
        json={"order_ref": "SO-2", "amount": 1_000, "currency": "CNY"},
    ).json()
    closed = sales.post(f"/api/v1/credit-checks/{small['id']}/close", json={"reason": "invoiced"})
    assert closed.status_code == 200, closed.text
    assert (closed.json()["status"], closed.json()["closed_reason"]) == ("closed", "invoiced")
    _problem(sales.post(f"/api/v1/credit-checks/{small['id']}/close", json={"reason": "x"}), 422)
    next_one = sales.post(
        "/api/v1/customers/C1/credit-checks",
        json={"order_ref": "SO-3", "amount": 1, "currency": "CNY"},
    ).json()
    assert next_one["exposure"]["open_orders"] == 0


def test_other_currencies_need_a_rate(sales: ApiClient, admin_api: ApiClient) -> None:
    order = {"order_ref": "SO-USD", "amount": "100.5", "currency": "USD"}
    missing = _problem(sales.post("/api/v1/customers/C1/credit-checks", json=order), 422)
    assert missing["detail"].startswith("there is no USD exchange rate on ")
    put = admin_api.put("/api/v1/fx-rates/USD", json={"rate": "7.1", "valid_from": "2026-01-01"})
    assert put.status_code == 201
    checked = sales.post("/api/v1/customers/C1/credit-checks", json=order).json()
    assert (checked["amount"], checked["currency"], checked["amount_base"]) == (
        100.5,
        "USD",
        713.55,
    )


@pytest.mark.parametrize(
    "body",
    [
        {"order_ref": "SO", "amount": -1, "currency": "CNY"},
        {"order_ref": "SO", "amount": "lots", "currency": "CNY"},
        {"order_ref": "", "amount": 1, "currency": "CNY"},
        {"order_ref": "SO", "amount": 1, "currency": "CNY", "extra": True},
        {"order_ref": "SO", "amount": 1},
        {"order_ref": "SO", "amount": "1.000001", "currency": "CNY"},
    ],
)
def test_a_bad_body_is_a_422_and_stores_nothing(sales: ApiClient, body: dict[str, Any]) -> None:
    _problem(sales.post("/api/v1/customers/C1/credit-checks", json=body), 422)
    fine = sales.post(
        "/api/v1/customers/C1/credit-checks",
        json={"order_ref": "SO", "amount": 1, "currency": "CNY"},
    )
    assert fine.status_code == 201


def test_errors_are_told_in_chinese(sales: ApiClient) -> None:
    problem = _problem(
        sales.post(
            "/api/v1/customers/C1/credit-checks?lang=zh",
            json={"order_ref": "SO", "amount": 1, "currency": "EUR"},
        ),
        422,
    )
    assert problem["detail"].endswith("没有 EUR 的汇率：请先设置")


def test_who_may_check_read_and_close(workspace: Database, sales: ApiClient) -> None:
    checked = sales.post(
        "/api/v1/customers/C1/credit-checks",
        json={"order_ref": "SO-1", "amount": 1, "currency": "CNY"},
    ).json()
    url = f"/api/v1/credit-checks/{checked['id']}"
    legal = sales.as_user("lee", ["legal"])  # a case actor: reads, does not check
    assert legal.get(url).status_code == 200
    _problem(
        legal.post(
            "/api/v1/customers/C1/credit-checks",
            json={"order_ref": "SO-2", "amount": 1, "currency": "CNY"},
        ),
        403,
    )
    _problem(legal.post(f"{url}/close", json={"reason": "invoiced"}), 403)
    west = sales.as_user("wes", ["sales"], department="west")
    _problem(west.get(url), 404)
    _problem(west.post(f"{url}/close", json={"reason": "invoiced"}), 404)
    _problem(
        west.post(
            "/api/v1/customers/C1/credit-checks",
            json={"order_ref": "SO-3", "amount": 1, "currency": "CNY"},
        ),
        404,
    )
    east = sales.as_user("eve", ["sales"], department="east")
    assert east.get(url).status_code == 200
    auditor = sales.as_user("aud", ["auditor"])
    _problem(auditor.get(url), 403)
    _problem(sales.get("/api/v1/credit-checks/999999"), 404)
