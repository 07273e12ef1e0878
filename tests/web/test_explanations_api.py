"""Explained assessments through the API: `explanation` and `change` on the customer, the history
endpoint, and Chinese texts through `?lang=zh` or Accept-Language."""

from __future__ import annotations

from typing import Any

import httpx

from engine.db import Database
from tests.web.conftest import HEALTHY, RISKY, TERMS, ApiClient


def put_customer(client: ApiClient, ref: str, data: dict[str, Any], **extra: Any) -> httpx.Response:
    return client.put(
        f"/api/v1/customers/{ref}", json={"department": "east", "data": data, **extra}
    )


def healthy_then_risky(admin: ApiClient) -> str:
    """Customer C001 assessed healthy, then risky; returns the first assessment's as_of."""
    created = put_customer(admin, "C001", HEALTHY, terms=TERMS)
    assert created.status_code == 201, created.text
    updated = put_customer(admin, "C001", RISKY)
    assert updated.status_code == 200, updated.text
    return str(created.json()["assessment"]["as_of"])


def test_customer_assessment_carries_explanation_and_change(
    workspace: Database, admin_api: ApiClient
) -> None:
    created = put_customer(admin_api, "C001", HEALTHY, terms=TERMS).json()["assessment"]
    assert created["explanation"][0] == {
        "kind": "rule",
        "id": "guarantee",
        "points": -10,
        "text": "-10 Guarantee or collateral in place (has_guarantee = true)",
    }
    assert created["change"]["from_tier"] is None
    assert created["change"]["summary"] == (
        "first assessment, tier low: -10 Guarantee or collateral in place (has_guarantee = true)"
    )
    since = created["as_of"]

    assessment = put_customer(admin_api, "C001", RISKY).json()["assessment"]
    lines = {line["id"]: line for line in assessment["explanation"] if line["kind"] == "rule"}
    assert lines["severe_overdue"]["text"] == (
        "+30 Overdue more than 90 days (max_overdue_days = 120)"
    )
    assert assessment["explanation"][-1] == {
        "kind": "tier",
        "id": "high",
        "points": None,
        "text": "tier high: score 60 ≥ 60 (row 1)",
    }
    change = assessment["change"]
    assert (change["from_tier"], change["to_tier"], change["since"]) == ("low", "high", since)
    assert change["items"][0] == {
        "kind": "started",
        "id": "severe_overdue",
        "points": 30,
        "text": "+30 Overdue more than 90 days (max_overdue_days = 120)",
        "from_row": None,
        "to_row": None,
    }
    assert change["summary"] == (
        f"low → high since {since}: +30 Overdue more than 90 days (max_overdue_days = 120), "
        "+25 Court enforcement on record (enforcement_records = 2), "
        "+10 Guarantee or collateral in place no longer applies (was has_guarantee = true), "
        "+5 Volatile industry (industry = construction)"
    )
    fetched = admin_api.get("/api/v1/customers/C001").json()["assessment"]
    assert fetched["change"] == change and fetched["explanation"] == assessment["explanation"]


def test_a_score_change_within_the_tier_is_explained(
    workspace: Database, admin_api: ApiClient
) -> None:
    put_customer(admin_api, "C001", HEALTHY, terms=TERMS)
    assessment = put_customer(admin_api, "C001", {**HEALTHY, "has_guarantee": False}).json()[
        "assessment"
    ]
    assert assessment["tier"] == "low"
    change = assessment["change"]
    assert (change["from_score"], change["to_score"], change["inputs"]) == (-10, 0, [])
    assert change["summary"].startswith("low → low since ")
    assert change["summary"].endswith(
        ": +10 Guarantee or collateral in place no longer applies (was has_guarantee = true)"
    )
    assert assessment["explanation"][-1]["text"] == ("tier low: score 0, no row above held (row 3)")


def test_chinese_through_lang_or_accept_language(workspace: Database, admin_api: ApiClient) -> None:
    since = healthy_then_risky(admin_api)
    expected = (
        f"等级 低 → 高，自 {since} 起：+30 Overdue more than 90 days (最长逾期天数 = 120)；"
        "+25 Court enforcement on record (被执行记录数 = 2)；"
        "+10 Guarantee or collateral in place 不再适用 (原为 有担保或抵押 = 是)；"
        "+5 Volatile industry (行业 = construction)"
    )
    by_query = admin_api.get("/api/v1/customers/C001", params={"lang": "zh"}).json()
    assert by_query["assessment"]["change"]["summary"] == expected
    assert by_query["assessment"]["explanation"][-1]["text"] == "等级 高：得分 60 ≥ 60 (第 1 行)"
    by_header = admin_api.get(
        "/api/v1/customers/C001", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
    ).json()
    assert by_header["assessment"]["change"]["summary"] == expected
    english_first = admin_api.get(
        "/api/v1/customers/C001", headers={"Accept-Language": "en-GB,zh;q=0.5"}
    ).json()
    assert english_first["assessment"]["change"]["summary"].startswith("low → high since ")
    query_wins = admin_api.get(
        "/api/v1/customers/C001", params={"lang": "en"}, headers={"Accept-Language": "zh"}
    ).json()
    assert query_wins["assessment"]["change"]["summary"].startswith("low → high since ")


def test_an_unknown_language_is_422(workspace: Database, admin_api: ApiClient) -> None:
    put_customer(admin_api, "C001", HEALTHY, terms=TERMS)
    response = admin_api.get("/api/v1/customers/C001", params={"lang": "fr"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


def test_history_lists_assessments_newest_first_with_change_summaries(
    workspace: Database, admin_api: ApiClient
) -> None:
    since = healthy_then_risky(admin_api)
    history = admin_api.get("/api/v1/customers/C001/assessments")
    assert history.status_code == 200, history.text
    body = history.json()
    assert body["next_cursor"] is None
    assert [(a["tier"], a["score"], a["previous_tier"]) for a in body["items"]] == [
        ("high", 60, "low"),
        ("low", -10, None),
    ]
    newest, oldest = body["items"]
    assert set(newest) == {
        "id",
        "as_of",
        "score",
        "tier",
        "previous_tier",
        "ruleset_key",
        "ruleset_version",
        "assessed_at",
        "change_summary",
    }
    assert newest["change_summary"].startswith(f"low → high since {since}: +30 Overdue")
    assert oldest["change_summary"].startswith("first assessment, tier low: ")

    first = admin_api.get("/api/v1/customers/C001/assessments", params={"limit": 1}).json()
    assert [a["id"] for a in first["items"]] == [newest["id"]]
    rest = admin_api.get(
        "/api/v1/customers/C001/assessments", params={"limit": 1, "cursor": first["next_cursor"]}
    ).json()
    assert [a["id"] for a in rest["items"]] == [oldest["id"]] and rest["next_cursor"] is None

    zh = admin_api.get("/api/v1/customers/C001/assessments", params={"lang": "zh"}).json()
    assert zh["items"][0]["change_summary"].startswith(f"等级 低 → 高，自 {since} 起：")


def test_history_of_an_unknown_customer_is_404(workspace: Database, admin_api: ApiClient) -> None:
    response = admin_api.get("/api/v1/customers/NOPE/assessments")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_history_is_in_the_openapi_document(api: ApiClient) -> None:
    spec = api.get("/api/v1/openapi.json").json()
    assert "/api/v1/customers/{ref}/assessments" in spec["paths"]
    assert {"AssessmentPage", "ChangePublic", "ExplanationLinePublic"} <= set(
        spec["components"]["schemas"]
    )
