"""Starting a manual workflow over the API (`POST /api/v1/customers/{ref}/cases`), on each
backend: 201 with the case and its reason, 409 while one is open, 404 for a workflow that is not
manual, 422 when its condition fails, 403 without cases:start."""

from __future__ import annotations

from engine.db import Database
from tests.engine.test_triggers import MANUAL, publish_workflow
from tests.web.conftest import HEALTHY, RISKY, TERMS, ApiClient, upsert


def test_a_manual_review_starts_once_and_says_why(api: ApiClient, workspace: Database) -> None:
    publish_workflow(workspace, MANUAL)
    upsert(workspace, "C-EAST", HEALTHY, terms=TERMS)
    manager = api.as_user("mia", ["sales_manager"], department="east")
    sales = api.as_user("sam", ["sales"], department="east")
    body = {"workflow": "manual_review", "comment": "news of a lawsuit"}

    assert sales.post("/api/v1/customers/C-EAST/cases", json=body).status_code == 403
    started = manager.post("/api/v1/customers/C-EAST/cases", json=body)
    assert started.status_code == 201, started.text
    case = started.json()
    assert (case["workflow"], case["step"], case["status"]) == (
        "manual_review",
        "look",
        "open",
    )
    again = manager.post("/api/v1/customers/C-EAST/cases", json=body)
    assert again.status_code == 409 and str(case["id"]) in again.json()["detail"]
    not_manual = manager.post(
        "/api/v1/customers/C-EAST/cases", json={"workflow": "high_risk_review"}
    )
    assert not_manual.status_code == 404


def test_a_manual_review_whose_condition_fails_is_422(api: ApiClient, workspace: Database) -> None:
    publish_workflow(workspace, MANUAL)
    upsert(workspace, "C-WEAK", RISKY)  # no credit limit: `credit_limit > 0` fails
    manager = api.as_user("mia", ["sales_manager"], department="east")

    refused = manager.post("/api/v1/customers/C-WEAK/cases", json={"workflow": "manual_review"})

    assert refused.status_code == 422, refused.text
