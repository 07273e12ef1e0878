"""The REST API against a real server: every route, auth, problem+json, 403/409/422, idempotency,
pagination."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select

from engine.db import Database
from engine.models import Event
from tests.conftest import EXAMPLE_TEMPLATE
from tests.web.conftest import HEALTHY, RISKY, TERMS, ApiClient

PROBLEM_JSON = "application/problem+json"
DIAGNOSTIC_KEYS = {
    "code",
    "severity",
    "message",
    "file",
    "line",
    "column",
    "end_line",
    "end_column",
    "hint",
}


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:riskdesk:problem:")
    assert body["title"] and body["detail"]
    return body  # type: ignore[no-any-return]


def put_customer(client: ApiClient, ref: str, data: dict[str, Any], **extra: Any) -> httpx.Response:
    return client.put(
        f"/api/v1/customers/{ref}", json={"department": "east", "data": data, **extra}
    )


def zipped(folder: Path, *, top: str | None = "manufacturing_credit") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                name = path.relative_to(folder).as_posix()
                archive.write(path, f"{top}/{name}" if top else name)
    return buffer.getvalue()


def open_case(admin: ApiClient, ref: str = "C002") -> int:
    response = put_customer(admin, ref, RISKY, terms=TERMS)
    assert response.status_code == 201, response.text
    (case,) = response.json()["open_cases"]
    return int(case["id"])


# --- system ------------------------------------------------------------------------------------


def test_health_needs_no_token(api: ApiClient) -> None:
    response = api.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_openapi_lists_every_route(api: ApiClient) -> None:
    spec = api.get("/api/v1/openapi.json").json()
    assert set(spec["paths"]) >= {
        "/api/v1/health",
        "/api/v1/templates",
        "/api/v1/customers",
        "/api/v1/customers/{ref}",
        "/api/v1/customers/{ref}/events",
        "/api/v1/cases",
        "/api/v1/cases/{case_id}",
        "/api/v1/cases/{case_id}/actions/{action}",
        "/api/v1/sweep",
    }
    assert "CustomerUpsert" in spec["components"]["schemas"]
    assert not any(path.startswith("/customers") for path in spec["paths"])


def test_missing_token_is_401_problem(api: ApiClient) -> None:
    body = assert_problem(api.get("/api/v1/customers"), 401)
    assert "Bearer" in body["detail"]
    assert api.get("/api/v1/customers").headers["www-authenticate"] == "Bearer"


def test_unknown_or_malformed_token_is_401(api: ApiClient) -> None:
    assert_problem(api.get("/api/v1/cases", headers={"Authorization": "Bearer rd_nope"}), 401)
    assert_problem(api.get("/api/v1/cases", headers={"Authorization": "Basic eDp5"}), 401)


def test_unknown_route_is_404_problem(admin_api: ApiClient) -> None:
    assert_problem(admin_api.get("/api/v1/nothing-here"), 404)


def test_sweep_is_for_admins(api: ApiClient) -> None:
    sales = api.as_user("sue", ["sales"])
    body = assert_problem(sales.post("/api/v1/sweep", json={}), 403)
    assert "system:sweep" in body["detail"]


def test_sweep_refuses_a_time_it_cannot_read(admin_api: ApiClient) -> None:
    body = assert_problem(admin_api.post("/api/v1/sweep", json={"now": "next tuesday"}), 422)
    assert "next tuesday" in body["detail"]


def test_sweep_escalates_an_overdue_case(workspace: Database, admin_api: ApiClient) -> None:
    case_id = open_case(admin_api)
    response = admin_api.post("/api/v1/sweep", json={"now": "2100-01-01T09:00"})
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["now"].startswith("2100-01-01T09:00:00")
    assert report["fired"] >= 1 and report["failed"] == 0
    case = admin_api.get(f"/api/v1/cases/{case_id}").json()
    assert case["escalation_level"] >= 1
    assert case["assigned_role"] != "sales_manager"


# --- templates ---------------------------------------------------------------------------------


def test_template_upload_in_a_top_folder_imports_and_versions(
    database: Database, admin_api: ApiClient
) -> None:
    files = {"file": ("bundle.zip", zipped(EXAMPLE_TEMPLATE), "application/zip")}
    first = admin_api.post("/api/v1/templates", files=files)
    assert first.status_code == 201, first.text
    assert first.json()["key"] == "manufacturing_credit"
    assert first.json()["version"] == 1
    assert {s["kind"] for s in first.json()["specs"]} >= {"form", "ruleset", "workflow"}
    files = {"file": ("bundle.zip", zipped(EXAMPLE_TEMPLATE, top=None), "application/zip")}
    second = admin_api.post("/api/v1/templates", files=files)
    assert second.status_code == 201, second.text
    assert second.json()["version"] == 2


def test_broken_template_is_422_with_every_diagnostic(
    database: Database, admin_api: ApiClient, tmp_path: Path
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(EXAMPLE_TEMPLATE, broken)
    rules = next(broken.rglob("*.rules"))
    rules.write_text(
        rules.read_text(encoding="utf-8").replace("max_overdue_days", "max_overdue_dayz"),
        encoding="utf-8",
    )
    files = {"file": ("bundle.zip", zipped(broken), "application/zip")}
    body = assert_problem(admin_api.post("/api/v1/templates", files=files), 422)
    assert body["errors"]
    for diagnostic in body["errors"]:
        assert set(diagnostic) == DIAGNOSTIC_KEYS
    first = body["errors"][0]
    assert first["severity"] == "error"
    assert first["file"].endswith(".rules") and first["line"] >= 1
    # nothing was imported
    assert_problem(put_customer(admin_api, "C1", HEALTHY), 409)


def test_a_file_that_is_no_zip_is_422(database: Database, admin_api: ApiClient) -> None:
    files = {"file": ("bundle.zip", b"not a zip at all", "application/zip")}
    body = assert_problem(admin_api.post("/api/v1/templates", files=files), 422)
    assert body["errors"]


def test_template_import_is_for_admins(database: Database, api: ApiClient) -> None:
    legal = api.as_user("lee", ["legal"])
    files = {"file": ("bundle.zip", zipped(EXAMPLE_TEMPLATE), "application/zip")}
    assert_problem(legal.post("/api/v1/templates", files=files), 403)


def test_template_upload_without_a_file_is_422_with_its_path(admin_api: ApiClient) -> None:
    body = assert_problem(admin_api.post("/api/v1/templates"), 422)
    assert [e["path"] for e in body["errors"]] == ["file"]


# --- customers ---------------------------------------------------------------------------------


def test_put_creates_then_updates_a_customer(workspace: Database, admin_api: ApiClient) -> None:
    created = put_customer(admin_api, "C001", HEALTHY, terms=TERMS)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["ref"] == "C001"
    assert body["name"] == "Hangzhou Bearings Co."
    assert body["department"] == "east"
    assessment = body["assessment"]
    assert isinstance(assessment["score"], int | float)
    assert assessment["tier"] == "low"
    assert isinstance(assessment["fired"], list)
    assert all(isinstance(f["points"], int | float) for f in assessment["fired"])
    assert isinstance(assessment["alerts"], list) and isinstance(assessment["flags"], list)
    assert body["terms"]["credit_limit"] == 1_000_000
    assert body["terms"]["payment_terms_days"] == 60
    assert body["terms"]["currency"] == "CNY"
    assert body["open_cases"] == []

    updated = put_customer(admin_api, "C001", {**HEALTHY, "outstanding_balance": 200_000})
    assert updated.status_code == 200, updated.text
    assert updated.json()["data"]["outstanding_balance"] == 200_000
    assert updated.json()["terms"]["credit_limit"] == 1_000_000


def test_changed_terms_on_update_are_409(workspace: Database, admin_api: ApiClient) -> None:
    put_customer(admin_api, "C001", HEALTHY, terms=TERMS)
    same = put_customer(admin_api, "C001", HEALTHY, terms=TERMS)
    assert same.status_code == 200
    body = assert_problem(put_customer(admin_api, "C001", HEALTHY, terms={"credit_limit": 5}), 409)
    assert "terms change only through workflows" in body["detail"]


def test_invalid_customer_data_is_422_with_field_paths(
    workspace: Database, admin_api: ApiClient
) -> None:
    bad = {**HEALTHY, "max_overdue_days": -5, "industry": "piracy"}
    body = assert_problem(put_customer(admin_api, "C001", bad), 422)
    paths = {e["path"] for e in body["errors"]}
    assert paths >= {"data.max_overdue_days", "data.industry"}
    assert all(e["message"] for e in body["errors"])
    assert_problem(admin_api.get("/api/v1/customers/C001"), 404)


def test_malformed_body_is_422_with_request_paths(
    workspace: Database, admin_api: ApiClient
) -> None:
    response = admin_api.put(
        "/api/v1/customers/C001",
        json={"data": "not an object", "terms": {"credit_limit": "lots"}, "colour": "red"},
    )
    body = assert_problem(response, 422)
    paths = {e["path"] for e in body["errors"]}
    assert {"data", "colour"} <= paths
    assert any(p.startswith("terms.credit_limit") for p in paths)


def test_customer_before_any_template_is_409(database: Database, admin_api: ApiClient) -> None:
    body = assert_problem(put_customer(admin_api, "C001", HEALTHY), 409)
    assert "template" in body["detail"]


def test_only_admins_write_customers(workspace: Database, api: ApiClient) -> None:
    sales = api.as_user("sue", ["sales"])
    assert_problem(put_customer(sales, "C001", HEALTHY), 403)


def test_get_customer_with_assessment_terms_and_open_cases(
    workspace: Database, admin_api: ApiClient
) -> None:
    case_id = open_case(admin_api)
    reader = admin_api.as_user("rita", ["legal"])
    response = reader.get("/api/v1/customers/C002")
    assert response.status_code == 200
    body = response.json()
    assert {"ref", "name", "department", "data", "assessment", "terms", "open_cases"} <= set(body)
    assert body["assessment"]["tier"] == "high"
    assert body["assessment"]["fired"]
    assert [c["id"] for c in body["open_cases"]] == [case_id]
    assert body["open_cases"][0]["workflow"] == "high_risk_review"
    assert_problem(reader.get("/api/v1/customers/NOPE"), 404)


def test_customer_list_paginates_and_filters(workspace: Database, admin_api: ApiClient) -> None:
    for ref, data in [("A1", HEALTHY), ("A2", RISKY), ("A3", HEALTHY), ("A4", HEALTHY)]:
        assert put_customer(admin_api, ref, data).status_code == 201
    first = admin_api.get("/api/v1/customers", params={"limit": 2}).json()
    assert [c["ref"] for c in first["items"]] == ["A1", "A2"]
    assert first["next_cursor"]
    second = admin_api.get(
        "/api/v1/customers", params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert [c["ref"] for c in second["items"]] == ["A3", "A4"]
    assert second["next_cursor"] is None
    high = admin_api.get("/api/v1/customers", params={"tier": "high"}).json()
    assert [c["ref"] for c in high["items"]] == ["A2"]
    assert isinstance(high["items"][0]["score"], int | float)
    found = admin_api.get("/api/v1/customers", params={"search": "shaky"}).json()
    assert [c["ref"] for c in found["items"]] == ["A2"]
    assert_problem(admin_api.get("/api/v1/customers", params={"cursor": "garbage!"}), 422)
    body = assert_problem(admin_api.get("/api/v1/customers", params={"limit": 0}), 422)
    assert [e["path"] for e in body["errors"]] == ["query.limit"]


# --- events ------------------------------------------------------------------------------------


def test_event_idempotency_key_replays_the_original(
    workspace: Database, admin_api: ApiClient
) -> None:
    put_customer(admin_api, "C001", HEALTHY)
    event = {"kind": "payment", "occurred_at": "2026-11-20T10:00", "payload": {"amount": 100}}
    headers = {"Idempotency-Key": "evt-1"}
    first = admin_api.post("/api/v1/customers/C001/events", json=event, headers=headers)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["event"]["kind"] == "payment"
    assert body["event"]["occurred_at"].startswith("2026-11-20T10:00:00")
    assert body["customer"]["ref"] == "C001"
    replay = admin_api.post("/api/v1/customers/C001/events", json=event, headers=headers)
    assert replay.status_code == 200
    assert replay.json()["event"]["id"] == body["event"]["id"]
    other = {**event, "payload": {"amount": 200}}
    conflict = admin_api.post("/api/v1/customers/C001/events", json=other, headers=headers)
    assert_problem(conflict, 409)
    fresh = admin_api.post("/api/v1/customers/C001/events", json=event)
    assert fresh.status_code == 201
    assert fresh.json()["event"]["id"] != body["event"]["id"]


def test_event_errors(workspace: Database, admin_api: ApiClient) -> None:
    put_customer(admin_api, "C001", HEALTHY)
    event = {"kind": "payment", "occurred_at": "2026-11-20", "payload": {"amount": 100}}
    assert_problem(admin_api.post("/api/v1/customers/NOPE/events", json=event), 404)
    bad_time = {**event, "occurred_at": "yesterday-ish"}
    assert_problem(admin_api.post("/api/v1/customers/C001/events", json=bad_time), 422)
    body = assert_problem(
        admin_api.post("/api/v1/customers/C001/events", json={"payload": {}}), 422
    )
    assert {e["path"] for e in body["errors"]} == {"kind", "occurred_at"}
    reader = admin_api.as_user("rita", ["cfo"])  # cfo holds no events:write
    assert_problem(reader.post("/api/v1/customers/C001/events", json=event), 403)


# --- cases -------------------------------------------------------------------------------------


def test_inbox_lists_cases_assigned_to_my_roles(workspace: Database, admin_api: ApiClient) -> None:
    case_id = open_case(admin_api)
    manager = admin_api.as_user("sam", ["sales_manager"])
    sales = admin_api.as_user("sue", ["sales"])
    mine = manager.get("/api/v1/cases", params={"status": "open", "assigned": "me"}).json()
    assert [c["id"] for c in mine["items"]] == [case_id]
    item = mine["items"][0]
    assert item["customer_ref"] == "C002"
    assert item["workflow"] == "high_risk_review"
    assert item["step"] == "sales_review"
    assert item["assigned_role"] == "sales_manager"
    assert item["due_at"]
    assert mine["next_cursor"] is None
    theirs = sales.get("/api/v1/cases", params={"status": "open", "assigned": "me"}).json()
    assert theirs["items"] == []
    everything = sales.get("/api/v1/cases").json()
    assert [c["id"] for c in everything["items"]] == [case_id]
    assert_problem(sales.get("/api/v1/cases", params={"status": "pending"}), 422)


def test_cases_paginate(workspace: Database, admin_api: ApiClient) -> None:
    ids = [open_case(admin_api, f"R{i}") for i in range(3)]
    first = admin_api.get("/api/v1/cases", params={"limit": 2}).json()
    assert [c["id"] for c in first["items"]] == ids[:2]
    rest = admin_api.get("/api/v1/cases", params={"cursor": first["next_cursor"]}).json()
    assert [c["id"] for c in rest["items"]] == ids[2:]
    assert rest["next_cursor"] is None


def test_case_shows_history_and_the_actions_i_may_take(
    workspace: Database, admin_api: ApiClient
) -> None:
    case_id = open_case(admin_api)
    manager = admin_api.as_user("sam", ["sales_manager"])
    case = manager.get(f"/api/v1/cases/{case_id}").json()
    assert set(case["available_actions"]) == {"propose_terms", "no_change"}
    assert [(h["from_step"], h["to_step"]) for h in case["history"]] == [(None, "sales_review")]
    assert case["row_version"] == 1
    legal = admin_api.as_user("lee", ["legal"])
    assert legal.get(f"/api/v1/cases/{case_id}").json()["available_actions"] == []
    assert_problem(legal.get("/api/v1/cases/999999"), 404)


def test_case_action_refusals(workspace: Database, admin_api: ApiClient) -> None:
    case_id = open_case(admin_api)
    url = f"/api/v1/cases/{case_id}/actions"
    sales = admin_api.as_user("sue", ["sales"])
    manager = admin_api.as_user("sam", ["sales_manager"])
    assert_problem(sales.post(f"{url}/propose_terms", json={}), 403)
    assert_problem(manager.post(f"{url}/approve", json={}), 422)
    body = assert_problem(manager.post(f"{url}/no_change"), 422)
    assert "comment" in body["detail"]
    assert_problem(manager.post(f"{url}/propose_terms", json={"expected_version": 7}), 409)


def test_propose_then_approve_changes_terms_and_closes(
    workspace: Database, admin_api: ApiClient
) -> None:
    case_id = open_case(admin_api)
    url = f"/api/v1/cases/{case_id}/actions"
    manager = admin_api.as_user("sam", ["sales_manager"])
    finance = admin_api.as_user("fay", ["finance_head"])
    proposed = manager.post(
        f"{url}/propose_terms", json={"comment": "halve the line", "expected_version": 1}
    )
    assert proposed.status_code == 200, proposed.text
    state = proposed.json()
    assert (state["step"], state["assigned_role"]) == ("finance_approval", "finance_head")
    assert state["available_actions"] == []
    done = finance.post(f"{url}/approve", json={"expected_version": state["row_version"]})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "closed"
    assert done.json()["history"][1]["comment"] == "halve the line"
    customer = finance.get("/api/v1/customers/C002").json()
    assert customer["terms"]["credit_limit"] == 500_000
    assert customer["terms"]["prepayment_pct"] == 0.3
    assert customer["open_cases"] == []
    # the case moved on: a late click is a conflict
    assert_problem(finance.post(f"{url}/approve", json={}), 409)


# JSON has no NaN or Infinity; Python's parser takes the bare words, which must not reach the
# store (PostgreSQL refuses them in json columns, SQLite would keep text no reader accepts).
@pytest.mark.parametrize("word", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_422_with_their_paths_and_nothing_is_stored(
    workspace: Database, admin_api: ApiClient, word: str
) -> None:
    data = json.dumps({**HEALTHY, "outstanding_balance": 0.5}).replace("0.5", word)
    body = '{"department": "east", "terms": {"credit_limit": 1000}, "data": ' + data + "}"
    headers = {"content-type": "application/json"}
    response = admin_api.put("/api/v1/customers/C001", content=body, headers=headers)
    problem = assert_problem(response, 422)
    assert [e["path"] for e in problem["errors"]] == ["data.outstanding_balance"]
    assert "finite number" in problem["errors"][0]["message"]
    assert_problem(admin_api.get("/api/v1/customers/C001"), 404)

    put_customer(admin_api, "C001", HEALTHY)
    event = '{"kind": "note", "occurred_at": "2026-11-20", "payload": {"amounts": [1, %s]}}'
    response = admin_api.post(
        "/api/v1/customers/C001/events", content=event % word, headers=headers
    )
    problem = assert_problem(response, 422)
    assert [e["path"] for e in problem["errors"]] == ["payload.amounts[1]"]
    with workspace.transaction() as session:
        assert session.exec(select(Event)).all() == []
