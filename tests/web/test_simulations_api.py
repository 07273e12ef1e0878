"""Simulations through the API: start (202), progress and result, movers a page at a time,
refusals (no draft, errors, a caller scoped to a department, unknown ids)."""

from __future__ import annotations

from typing import Any

from engine.db import Database
from tests.web.conftest import ApiClient
from tests.web.test_rulesets_api import published_source

STRICTER = ("when max_overdue_days between 31 and 90\n  then add 15", "X")
CUSTOMERS: dict[str, dict[str, Any]] = {
    "C-1": {"name": "Calm Bearings", "industry": "manufacturing", "max_overdue_days": 0},
    "C-2": {
        "name": "Slow Builders",
        "industry": "construction",
        "max_overdue_days": 45,
        "outstanding_balance": 200_000,
    },
    "C-3": {
        "name": "Late Payers",
        "industry": "construction",
        "max_overdue_days": 60,
        "overdue_invoice_count": 5,
        "outstanding_balance": 300_000,
    },
}


def stricter(source: str) -> str:
    return source.replace(
        "when max_overdue_days between 31 and 90\n  then add 15",
        "when max_overdue_days between 31 and 90\n  then add 30",
    ).replace("high when score >= 60", "high when score >= 40")


def prepared(api: ApiClient, database: Database) -> None:
    for ref, data in CUSTOMERS.items():
        department = "east" if ref != "C-3" else "west"
        saved = api.put(f"/api/v1/customers/{ref}", json={"department": department, "data": data})
        assert saved.status_code in (200, 201), saved.text
    draft = api.put(
        "/api/v1/rulesets/credit/draft", json={"source": stricter(published_source(database))}
    )
    assert draft.status_code == 200, draft.text


def run(api: ApiClient, simulation_id: int) -> dict[str, Any]:
    for _ in range(5):
        body = api.get(f"/api/v1/simulations/{simulation_id}").json()
        if body["status"] == "done":
            return dict(body)
        assert api.post("/api/v1/sweep", json={}).status_code == 200
    raise AssertionError(f"simulation {simulation_id} did not finish: {body}")


def test_a_simulation_starts_at_once_then_reports_its_result_and_movers(
    workspace: Database, admin_api: ApiClient
) -> None:
    prepared(admin_api, workspace)
    started = admin_api.post("/api/v1/rulesets/credit/draft/simulate", json={})
    assert started.status_code == 202, started.text
    simulation_id = started.json()["id"]
    queued = admin_api.get(f"/api/v1/simulations/{simulation_id}").json()
    assert (queued["status"], queued["progress"], queued["result"]) == (
        "queued",
        {"done": 0, "total": 3},
        None,
    )
    assert (queued["ruleset"], queued["draft_version"], queued["created_by"]) == (
        "credit",
        2,
        "ada",
    )
    done = run(admin_api, simulation_id)
    assert done["progress"] == {"done": 3, "total": 3}
    result = done["result"]
    assert result["matrix"] == [
        {"from_tier": "medium", "to_tier": "high", "customers": 1, "exposure": 300_000},
        {"from_tier": "low", "to_tier": "medium", "customers": 1, "exposure": 200_000},
        {"from_tier": "low", "to_tier": "low", "customers": 1, "exposure": 0},
    ]
    assert result["exposure_missing"] == 1  # C-1 has no balance
    assert result["cases"] == [
        {"workflow": "high_risk_review", "label": "High-risk credit review", "cases": 1}
    ]
    assert {"never_fired", "monotonicity", "monotonicity_tested"} <= set(result["checks"])
    page = admin_api.get(f"/api/v1/simulations/{simulation_id}/movers?limit=1").json()
    assert [m["customer_ref"] for m in page["items"]] == ["C-2"]
    assert page["items"][0]["points_changed"][0]["id"] == "moderate_overdue"
    rest = admin_api.get(
        f"/api/v1/simulations/{simulation_id}/movers", params={"cursor": page["next_cursor"]}
    ).json()
    assert ([m["customer_ref"] for m in rest["items"]], rest["next_cursor"]) == (["C-3"], None)
    to_high = admin_api.get(
        f"/api/v1/simulations/{simulation_id}/movers", params={"to_tier": "high"}
    ).json()
    assert [(m["customer_ref"], m["from_tier"]) for m in to_high["items"]] == [("C-3", "medium")]


def test_as_of_is_kept_and_a_bad_date_is_refused_with_its_path(
    workspace: Database, admin_api: ApiClient
) -> None:
    prepared(admin_api, workspace)
    started = admin_api.post("/api/v1/rulesets/credit/draft/simulate", json={"as_of": "2026-06-30"})
    assert started.status_code == 202, started.text
    body = admin_api.get(f"/api/v1/simulations/{started.json()['id']}").json()
    assert body["as_of"] == "2026-06-30"
    bad = admin_api.post("/api/v1/rulesets/credit/draft/simulate", json={"as_of": "June"})
    assert bad.status_code == 422, bad.text
    unknown = admin_api.post("/api/v1/rulesets/credit/draft/simulate", json={"asof": "x"})
    assert unknown.status_code == 422, unknown.text


def test_no_draft_a_draft_with_errors_and_unknown_ids_are_refused(
    workspace: Database, admin_api: ApiClient
) -> None:
    assert admin_api.post("/api/v1/rulesets/credit/draft/simulate").status_code == 404
    bad = published_source(workspace).replace("max_overdue_days > 90", "max_overdue_dayz > 90")
    admin_api.put("/api/v1/rulesets/credit/draft", json={"source": bad})
    refused = admin_api.post("/api/v1/rulesets/credit/draft/simulate", json={})
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"] == (
        "the draft of ruleset 'credit' has 1 error(s): correct them first"
    )
    zh = admin_api.post("/api/v1/rulesets/credit/draft/simulate?lang=zh", json={})
    assert zh.status_code == 422 and zh.json()["detail"] != refused.json()["detail"]
    for url in ("/api/v1/simulations/999999", "/api/v1/simulations/99999999999999999999"):
        assert admin_api.get(url).status_code == 404
    assert admin_api.get("/api/v1/simulations/999999/movers").status_code == 404


def test_a_caller_scoped_to_a_department_is_refused(
    workspace: Database, admin_api: ApiClient
) -> None:
    prepared(admin_api, workspace)
    simulation_id = admin_api.post("/api/v1/rulesets/credit/draft/simulate", json={}).json()["id"]
    east = admin_api.as_user("erin", ["risk_analyst"], department="east")
    refused = east.post("/api/v1/rulesets/credit/draft/simulate", json={})
    assert refused.status_code == 403, refused.text
    assert "whole portfolio" in refused.json()["detail"]
    assert east.get(f"/api/v1/simulations/{simulation_id}").status_code == 403
    assert east.get(f"/api/v1/simulations/{simulation_id}/movers").status_code == 403
    analyst = admin_api.as_user("rita", ["risk_analyst"])
    assert analyst.get(f"/api/v1/simulations/{simulation_id}").status_code == 200
