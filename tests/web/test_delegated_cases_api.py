"""A delegate on the API, on each backend: the case tells them whom they would act for, they
act through the usual action route, and the history records for whom (engine.case_actors)."""

from __future__ import annotations

from datetime import timedelta

from engine import clock
from engine.db import Database
from tests.web.conftest import RISKY, TERMS, ApiClient, upsert


def test_a_delegate_acts_for_the_delegator_through_the_api(
    api: ApiClient, workspace: Database
) -> None:
    case_id = upsert(workspace, "C-EAST", RISKY, terms=TERMS).cases_opened[0]
    mia = api.as_user("mia", ["sales_manager"])
    dan = api.as_user("dan", ["sales"])
    now = clock.utcnow()
    period = {
        "delegate": "dan",
        "starts_at": (now - timedelta(minutes=1)).isoformat(),
        "ends_at": (now + timedelta(days=3)).isoformat(),
    }
    assert dan.post(f"/api/v1/cases/{case_id}/actions/propose_terms").status_code == 403
    assert dan.get("/api/v1/cases?assigned=me").json()["items"] == []
    assert mia.post("/api/v1/me/delegations", json=period).status_code == 201
    mine = [c["id"] for c in dan.get("/api/v1/cases?assigned=me").json()["items"]]
    assert mine == [case_id]  # mia's case, in dan's inbox while he stands in

    seen = dan.get(f"/api/v1/cases/{case_id}").json()
    acted = dan.post(f"/api/v1/cases/{case_id}/actions/propose_terms", json={"comment": "for mia"})

    assert (seen["acting_for"], seen["available_actions"]) == (
        "mia",
        ["propose_terms", "no_change"],
    )
    assert acted.status_code == 200, acted.text
    last = acted.json()["history"][-1]
    assert (last["action"], last["actor"], last["on_behalf_of"]) == ("propose_terms", "dan", "mia")
