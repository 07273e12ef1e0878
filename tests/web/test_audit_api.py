"""The audit API: rows (filtered, department-scoped, paged), CSV export, and verify."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from engine import audit
from engine.db import Database
from tests.audit_triggers import tampering
from tests.web.conftest import ApiClient

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def trail(database: Database) -> Database:
    rows = [
        ("ann", "customer.created", "east", "C1", {"name": '=HYPERLINK("x")'}),
        ("bob", "customer.created", "west", "C2", {"name": "West Co."}),
        ("bob", "case.opened", "west", "C2", {"step": "review"}),
        ("cy", "fx_rate.set", None, None, {"currency": "USD"}),
    ]
    with database.transaction() as session:
        for i, (actor, action, department, ref, detail) in enumerate(rows):
            audit.record(
                session,
                actor=actor,
                action=action,
                entity_kind="customer" if ref else "fx_rate",
                entity_id=ref or "USD",
                detail=detail,
                department=department,
                customer_ref=ref,
                now=T0 + timedelta(hours=i),
            )
    return database


def _actions(response_json: dict[str, object]) -> list[str]:
    items = response_json["items"]
    assert isinstance(items, list)
    return [item["action"] for item in items]


def test_rows_newest_first_with_filters(trail: Database, admin_api: ApiClient) -> None:
    # the admin's own token creation is audited too (actor ada), newest of all
    body = admin_api.get("/api/v1/audit", params={"actor": "bob"}).json()
    assert _actions(body) == ["case.opened", "customer.created"]
    first = body["items"][-1]
    assert first == {
        "id": 2,
        "at": "2026-11-01T10:00:00Z",
        "actor": "bob",
        "action": "customer.created",
        "entity": "customer:C2",
        "entity_kind": "customer",
        "entity_id": "C2",
        "department": "west",
        "customer_ref": "C2",
        "detail": {"name": "West Co."},
    }
    assert _actions(admin_api.get("/api/v1/audit", params={"customer": "C1"}).json()) == [
        "customer.created"
    ]
    since = admin_api.get(
        "/api/v1/audit",
        params={"action": "c", "since": "2026-11-01T10:00:00Z", "until": "2026-11-01T11:00:00Z"},
    ).json()
    assert _actions(since) == ["customer.created"]


def test_pages_follow_the_cursor(trail: Database, admin_api: ApiClient) -> None:
    first = admin_api.get("/api/v1/audit", params={"limit": 2, "actor": "bob"}).json()
    assert len(first["items"]) == 2 and first["next_cursor"] is None
    page = admin_api.get("/api/v1/audit", params={"limit": 1, "actor": "bob"}).json()
    rest = admin_api.get(
        "/api/v1/audit", params={"limit": 1, "actor": "bob", "cursor": page["next_cursor"]}
    ).json()
    assert [page["items"][0]["id"], rest["items"][0]["id"]] == [3, 2]


def test_scoped_reader_sees_only_their_departments_rows(trail: Database, api: ApiClient) -> None:
    west_cfo = api.as_user("wendy", ["cfo"], department="west")
    body = west_cfo.get("/api/v1/audit").json()
    assert [(i["action"], i["department"]) for i in body["items"]] == [
        ("case.opened", "west"),
        ("customer.created", "west"),
    ]
    assert west_cfo.get("/api/v1/audit", params={"customer": "C1"}).json()["items"] == []
    lines = list(csv.reader(io.StringIO(west_cfo.get("/api/v1/audit.csv").text)))
    assert [line[3] for line in lines[1:]] == ["case.opened", "customer.created"]
    # verifying walks every department's rows
    refused = west_cfo.get("/api/v1/audit/verify")
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")


def test_csv_export_streams_the_filtered_rows(trail: Database, admin_api: ApiClient) -> None:
    response = admin_api.get("/api/v1/audit.csv", params={"action": "customer."})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(response.text)))
    assert lines[0] == [
        "id",
        "at",
        "actor",
        "action",
        "entity",
        "department",
        "customer_ref",
        "detail",
    ]
    assert lines[1] == [
        "2",
        "2026-11-01T10:00:00+00:00",
        "bob",
        "customer.created",
        "customer:C2",
        "west",
        "C2",
        '{"name": "West Co."}',
    ]
    # a detail a spreadsheet would run as a formula stays text
    assert lines[2][7] == '{"name": "=HYPERLINK(\\"x\\")"}'
    assert len(lines) == 3


def test_bad_filters_are_422_not_500(trail: Database, admin_api: ApiClient) -> None:
    for params in (
        {"since": "2026-11-01T10:00:00"},  # no offset
        {"until": "9999-12-31T23:59:59-12:00"},
        {"cursor": "nonsense"},
        {"limit": "0"},
    ):
        response = admin_api.get("/api/v1/audit", params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert admin_api.get("/api/v1/audit.csv", params={"since": "2026-11-01"}).status_code == 422


def test_verify_reports_an_intact_chain(trail: Database, admin_api: ApiClient) -> None:
    body = admin_api.get("/api/v1/audit/verify").json()
    rows = body["rows"]
    assert rows >= 4  # the four rows, and the audited creation of the admin's user and token
    assert body["is_intact"] is True
    assert body["summary"] == f"{rows} rows, chain intact"
    assert body["problem"] is None and body["last_id"] == rows


def test_verify_reports_an_edited_row(trail: Database, admin_api: ApiClient) -> None:
    with tampering(trail) as connection:
        connection.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE id = 2"))
    body = admin_api.get("/api/v1/audit/verify").json()
    assert body["is_intact"] is False
    assert body["problem"] == {
        "kind": "changed",
        "row_id": 2,
        "message": "row 2 changed: its hash does not match its content",
    }
    assert body["rows"] == 1


def test_verify_reports_a_deleted_tail(trail: Database, admin_api: ApiClient) -> None:
    last = admin_api.get("/api/v1/audit/verify").json()["last_id"]
    with tampering(trail) as connection:
        connection.execute(text("DELETE FROM audit_log WHERE id >= :id"), {"id": last - 1})
    problem = admin_api.get("/api/v1/audit/verify").json()["problem"]
    assert (problem["kind"], problem["row_id"]) == ("removed", last - 1)


def test_audit_routes_need_audit_read(trail: Database, api: ApiClient) -> None:
    sales = api.as_user("sam", ["sales"])
    for path in ("/api/v1/audit", "/api/v1/audit.csv", "/api/v1/audit/verify"):
        assert sales.get(path).status_code == 403
        assert api.get(path).status_code == 401
