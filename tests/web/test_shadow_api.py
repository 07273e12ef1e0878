"""Shadow runs through the API: start beside the published ruleset, see live traffic compared,
stop; refusals as problem+json in both languages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import select

from engine import specs
from engine.db import Database
from engine.models import Case, SpecKind
from tests.web.conftest import TERMS, ApiClient

SHADOW = "/api/v1/rulesets/credit/draft/shadow"
# 15 (overdue 31-90) + 5 (construction) + 15 (95% of the line used) = 35: medium
MEDIUM: dict[str, Any] = {
    "name": "Middling Works",
    "industry": "construction",
    "max_overdue_days": 45,
    "enforcement_records": 0,
    "outstanding_balance": 950_000,
    "has_guarantee": False,
}


def _stricter_draft(database: Database, client: ApiClient) -> None:
    with database.transaction() as session:
        source = specs.find_row(session, SpecKind.RULESET, "credit").source
    stricter = source.replace("high when score >= 60", "high when score >= 30")
    saved = client.put("/api/v1/rulesets/credit/draft", json={"source": stricter})
    assert saved.status_code == 200, saved.text


def test_a_shadow_run_compares_live_upserts_and_stops(
    workspace: Database, admin_api: ApiClient
) -> None:
    _stricter_draft(workspace, admin_api)
    started = admin_api.post(SHADOW, json={"until": "2100-01-01T00:00"})
    assert started.status_code == 201, started.text
    run = started.json()
    assert (run["ruleset_key"], run["draft_version"], run["status"]) == ("credit", 2, "running")
    assert run["until"] == "2100-01-01T00:00:00Z"
    upserted = admin_api.put(
        "/api/v1/customers/C-MID",
        json={"name": "Middling Works", "department": "east", "data": MEDIUM, "terms": TERMS},
    )
    assert upserted.status_code in (200, 201), upserted.text
    assert (upserted.json()["assessment"]["tier"], upserted.json()["open_cases"]) == ("medium", [])
    with workspace.transaction() as session:  # the draft would open a review; nothing opens
        assert session.exec(select(func.count()).select_from(Case)).one() == 0

    compared = admin_api.get(SHADOW)
    assert compared.status_code == 200, compared.text
    body = compared.json()
    assert (body["evaluations"], body["customers"], body["tiers_agree"]) == (1, 1, 0)
    assert body["tiers"] == [{"champion": "medium", "challenger": "high", "count": 1}]
    assert body["cases"] == {"champion": {}, "challenger": {"high_risk_review": 1}}
    (difference,) = body["differences"]
    assert (difference["customer_ref"], difference["differs"]) == ("C-MID", ["tier", "cases"])
    assert body["next_cursor"] is None

    again = admin_api.post(SHADOW, json={"until": "2100-01-01T00:00"})
    assert again.status_code == 409
    stopped = admin_api.delete(SHADOW)
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["status"] == "stopped"
    assert admin_api.delete(SHADOW).status_code == 404
    assert admin_api.get(SHADOW).json()["run"]["status"] == "stopped"


def test_a_past_until_or_a_bad_time_is_a_422_in_the_callers_language(
    workspace: Database, admin_api: ApiClient
) -> None:
    _stricter_draft(workspace, admin_api)
    past = admin_api.post(SHADOW, json={"until": "2020-01-01T00:00"})
    assert past.status_code == 422
    assert past.headers["content-type"].startswith("application/problem+json")
    assert past.json()["detail"].startswith("until must be later than now")
    bad = admin_api.post(SHADOW, json={"until": "next week"}, headers={"Accept-Language": "zh"})
    assert bad.status_code == 422
    assert "next week" in bad.json()["detail"]
    assert not bad.json()["detail"].startswith("until:")  # said in Chinese


def test_without_a_draft_or_a_run_the_answer_is_404(
    workspace: Database, admin_api: ApiClient
) -> None:
    assert admin_api.post(SHADOW, json={"until": "2100-01-01T00:00"}).status_code == 404
    assert admin_api.get(SHADOW).status_code == 404
