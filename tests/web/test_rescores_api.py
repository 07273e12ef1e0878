"""Rescores through the API: start one (202), the sweep processes it, follow it, list them;
refusals for bad input, unknown ids and a permission held in one department only."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import func, select

from engine import clock
from engine.db import Database
from engine.models import Assessment
from tests.engine.portfolio_seed import publish_stricter_ruleset
from tests.web.conftest import HEALTHY, RISKY, TERMS, ApiClient, upsert


def _customers(database: Database) -> None:
    upsert(database, "C001", HEALTHY, terms=TERMS)
    upsert(database, "C002", RISKY, terms=TERMS)
    # 45 points, medium: overdue 95 days +30, construction +5, negative news +10
    upsert(
        database,
        "C003",
        {**RISKY, "enforcement_records": 0, "max_overdue_days": 95, "negative_news_30d": 3},
    )


def test_a_rescore_after_a_publish_runs_in_the_sweep_and_reports_its_counts(
    workspace: Database, admin_api: ApiClient, tmp_path: Path
) -> None:
    _customers(workspace)
    publish_stricter_ruleset(workspace, tmp_path, now=clock.utcnow())
    cfo = admin_api.as_user("carol", ["cfo"])
    started = cfo.post("/api/v1/rescores", json={"as_of": "2026-12-01", "reason": "policy v2"})
    assert started.status_code == 202, started.text
    body = started.json()
    rescore_id = body["id"]
    assert started.headers["location"] == f"/api/v1/rescores/{rescore_id}"
    assert {k: body[k] for k in ("status", "done", "total", "changed", "as_of", "reason")} == {
        "status": "queued",
        "done": 0,
        "total": 3,
        "changed": 0,
        "as_of": "2026-12-01",
        "reason": "policy v2",
    }
    assert body["created_by"] == "carol"

    swept = admin_api.post("/api/v1/sweep", json={})
    assert swept.status_code == 200 and swept.json()["chunks"] == 1
    done = cfo.get(f"/api/v1/rescores/{rescore_id}").json()
    assert (done["status"], done["done"], done["changed"]) == ("done", 3, 3)
    # C003: 50 points under the stricter ruleset, high from 50: a review opens
    assert done["tier_changes"] == [{"from_tier": "medium", "to_tier": "high", "customers": 1}]
    assert done["cases_opened"] == 1
    assert done["finished_at"] is not None and done["error"] is None
    with workspace.transaction() as session:
        on_new = session.exec(
            select(func.count()).select_from(Assessment).where(Assessment.ruleset_version == 2)
        ).one()
    assert on_new == 3
    customer = admin_api.get("/api/v1/customers/C001").json()["assessment"]
    assert customer["change"]["summary"].endswith("(ruleset version 1 → 2)")


def test_rescores_list_newest_first_a_page_at_a_time(
    workspace: Database, admin_api: ApiClient
) -> None:
    _customers(workspace)
    first = admin_api.post("/api/v1/rescores").json()["id"]
    second = admin_api.post("/api/v1/rescores", json={}).json()["id"]
    page = admin_api.get("/api/v1/rescores", params={"limit": 1}).json()
    assert [item["id"] for item in page["items"]] == [second]
    rest = admin_api.get(
        "/api/v1/rescores", params={"limit": 1, "cursor": page["next_cursor"]}
    ).json()
    assert [item["id"] for item in rest["items"]] == [first] and rest["next_cursor"] is None
    assert page["items"][0]["as_of"] == clock.utcnow().date().isoformat()


def test_bad_rescore_requests_are_refused(workspace: Database, admin_api: ApiClient) -> None:
    bad_date = admin_api.post("/api/v1/rescores", json={"as_of": "yesterday"})
    assert bad_date.status_code == 422
    unknown = admin_api.post("/api/v1/rescores", json={"ruleset": "credit"})
    assert unknown.status_code == 422
    assert admin_api.get("/api/v1/rescores/42").status_code == 404
    assert admin_api.get(f"/api/v1/rescores/{2**40}").status_code == 404
    assert admin_api.get("/api/v1/rescores").json() == {"items": [], "next_cursor": None}


def test_a_permission_held_in_one_department_does_not_rescore_the_portfolio(
    workspace: Database, admin_api: ApiClient
) -> None:
    east_cfo = admin_api.as_user("erin", ["cfo"], department="east")
    refused = east_cfo.post("/api/v1/rescores", json={})
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "rescoring the portfolio needs the permission portfolio:rescore in every department"
    )
    sales = admin_api.as_user("sam", ["sales"])
    assert sales.get("/api/v1/rescores").status_code == 403
