"""Over HTTP: a case action racing `POST /sweep` on the same case is a 200 or a 409, never a 500.

The API half of issue 8 item 7 (tests/engine/test_case_races.py races the engine calls): two
clients on the live server, released together by a barrier, on each backend.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import httpx

from engine import clock
from engine.audit_verify import verify_chain
from engine.db import Database
from tests.web.conftest import ApiClient, upsert

ROUNDS = 8
RISKY = {
    "name": "Shaky Trading Ltd.",
    "industry": "construction",
    "max_overdue_days": 120,
    "enforcement_records": 2,
    "outstanding_balance": 900_000,
    "has_guarantee": False,
}


def _race(
    first: Callable[[], httpx.Response], second: Callable[[], httpx.Response]
) -> list[httpx.Response]:
    barrier = threading.Barrier(2)
    responses: list[httpx.Response | None] = [None, None]

    def run(index: int, call: Callable[[], httpx.Response]) -> None:
        barrier.wait()
        responses[index] = call()

    threads = [
        threading.Thread(target=run, args=(index, call))
        for index, call in enumerate((first, second))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(response is not None for response in responses)
    return [response for response in responses if response is not None]


def test_an_action_racing_the_sweep_answers_200_or_409(
    workspace: Database, admin_api: ApiClient
) -> None:
    manager = admin_api.as_user("sam", ["sales_manager", "department_head"])
    due = (clock.utcnow() + timedelta(hours=25)).isoformat()
    for round_ in range(ROUNDS):
        case_id = upsert(workspace, f"H{round_:03}", RISKY).cases_opened[0]
        version = admin_api.get(f"/api/v1/cases/{case_id}").json()["row_version"]

        def act(case_id: int = case_id, version: int = version) -> httpx.Response:
            return manager.post(
                f"/api/v1/cases/{case_id}/actions/propose_terms",
                json={"expected_version": version},
            )

        def sweep() -> httpx.Response:
            return admin_api.post("/api/v1/sweep", json={"now": due})

        acted, swept = _race(act, sweep)
        assert acted.status_code in (200, 409), acted.text
        assert swept.status_code == 200, swept.text
        report = swept.json()
        assert report["failed"] == 0
        case = admin_api.get(f"/api/v1/cases/{case_id}").json()
        if acted.status_code == 200:
            assert (case["step"], report["fired"]) == ("finance_approval", 0)
        else:
            assert acted.headers["content-type"].startswith("application/problem+json")
            assert (case["step"], case["escalation_level"], report["fired"]) == (
                "sales_review",
                1,
                1,
            )
    with workspace.transaction() as session:
        assert verify_chain(session) is None
