"""`GET /api/v1/dashboard` (issue 12): the dashboard's figures as JSON, in the caller's language,
of the customers in the caller's departments; `customers:read` is needed."""

from __future__ import annotations

from engine.db import Database
from tests.web.conftest import HEALTHY, RISKY, TERMS, ApiClient, upsert


def test_the_figures_of_the_callers_departments_as_json(
    api: ApiClient, workspace: Database
) -> None:
    upsert(workspace, "C-OK", HEALTHY, terms=TERMS)
    upsert(workspace, "C-RISKY", RISKY, terms=TERMS)
    manager = api.as_user("sam", ["sales_manager"])
    response = manager.get("/api/v1/dashboard", params={"lang": "zh"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["base_currency"], body["customers"], body["exposure"]) == ("CNY", 2, 1_000_000)
    assert [(t["tier"], t["customers"], t["exposure"]) for t in body["tiers"]] == [
        ("high", 1, 900_000),
        ("medium", 0, 0),
        ("low", 1, 100_000),
    ]
    assert len(body["migration"]) == 12 and body["unconverted"] == []
    assert [(s["step"], s["open"], s["past_due"]) for s in body["steps"]] == [
        ("sales_review", 1, 0)
    ]
    assert body["steps"][0]["workflow_title"] == "高风险客户复核"
    assert [a["customer_ref"] for a in body["critical_alerts"]] == ["C-RISKY"]
    assert body["critical_active"] == 1 and body["holds"]["orders"] == 0
    assert [c["ref"] for c in body["riskiest"]] == ["C-RISKY", "C-OK"]
    assert body["last_rescore"] is None

    west = api.as_user("wes", ["department_head"], department="west")
    scoped = west.get("/api/v1/dashboard").json()
    assert (scoped["customers"], scoped["riskiest"], scoped["critical_alerts"]) == (0, [], [])
    nobody = api.as_user("nobody").get("/api/v1/dashboard")
    assert nobody.status_code == 403
    assert api.get("/api/v1/dashboard").status_code == 401
