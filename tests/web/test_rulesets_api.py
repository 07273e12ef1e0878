"""Ruleset drafts through the API: save (with diagnostics), read, versions, diff, try."""

from __future__ import annotations

from typing import Any

from engine import specs
from engine.db import Database
from engine.models import SpecKind
from tests.web.conftest import HEALTHY, ApiClient

NEW_RULE = (
    '\nrule big_balance "Balance above 50,000 CNY"\n'
    "  when outstanding_balance > 50_000\n"
    "  then add 40\n"
)


def published_source(database: Database) -> str:
    with database.transaction() as session:
        return specs.find_row(session, SpecKind.RULESET, "credit").source


def with_new_rule(source: str) -> str:
    return source.replace("\ntiers\n", NEW_RULE + "\ntiers\n")


def put_draft(client: ApiClient, source: str, **extra: Any) -> Any:
    return client.put("/api/v1/rulesets/credit/draft", json={"source": source, **extra})


def test_a_bad_draft_is_saved_with_positioned_diagnostics_and_cannot_be_tried(
    workspace: Database, admin_api: ApiClient
) -> None:
    bad = published_source(workspace).replace("max_overdue_days > 90", "max_overdue_dayz > 90")
    line = bad.splitlines().index("  when max_overdue_dayz > 90") + 1
    saved = put_draft(admin_api, bad)
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert (body["version"], body["status"]) == (2, "draft")
    (found,) = [d for d in body["diagnostics"] if d["severity"] == "error"]
    assert (found["code"], found["line"], found["column"]) == ("unknown-field", line, 8)
    assert found["file"] == "rules/credit.rules"
    # in the request's language
    zh = admin_api.get("/api/v1/rulesets/credit/draft?lang=zh").json()
    (found_zh,) = [d for d in zh["diagnostics"] if d["severity"] == "error"]
    assert found_zh["message"] != found["message"] and found_zh["line"] == line
    admin_api.put("/api/v1/customers/C-1", json={"department": "east", "data": HEALTHY})
    refused = admin_api.post("/api/v1/rulesets/credit/draft/try", json={"customer_ref": "C-1"})
    assert refused.status_code == 422, refused.text
    assert "error" in refused.json()["detail"]


def test_saving_twice_keeps_one_draft_and_versions_list_it(
    workspace: Database, admin_api: ApiClient
) -> None:
    assert admin_api.get("/api/v1/rulesets/credit/draft").status_code == 404
    source = published_source(workspace)
    first = put_draft(admin_api, source + "\n").json()
    second = put_draft(admin_api, with_new_rule(source), expected_checksum=first["checksum"])
    assert second.status_code == 200, second.text
    assert second.json()["diagnostics"] == []
    stale = put_draft(admin_api, source, expected_checksum=first["checksum"])
    assert stale.status_code == 409, stale.text
    versions = admin_api.get("/api/v1/rulesets/credit/versions").json()
    assert [(v["version"], v["status"]) for v in versions] == [(1, "published"), (2, "draft")]
    assert versions[1]["checksum"] == second.json()["checksum"]


def test_diff_against_published_shows_the_changed_lines(
    workspace: Database, admin_api: ApiClient
) -> None:
    put_draft(admin_api, with_new_rule(published_source(workspace)))
    diff = admin_api.get("/api/v1/rulesets/credit/versions/2/diff?against=published").json()
    assert diff["diff"].startswith("--- credit v1\n+++ credit v2\n")
    assert '+rule big_balance "Balance above 50,000 CNY"\n' in diff["diff"]
    text = admin_api.get("/api/v1/rulesets/credit/versions/2/diff?format=text")
    assert text.headers["content-type"].startswith("text/plain")
    assert text.text == diff["diff"]
    assert admin_api.get("/api/v1/rulesets/credit/versions/9/diff").status_code == 404


def test_try_shows_a_rule_that_starts_firing_and_the_tier_change(
    workspace: Database, admin_api: ApiClient
) -> None:
    created = admin_api.put("/api/v1/customers/C-1", json={"department": "east", "data": HEALTHY})
    assert created.status_code == 201, created.text
    put_draft(admin_api, with_new_rule(published_source(workspace)))
    tried = admin_api.post(
        "/api/v1/rulesets/credit/draft/try", json={"customer_ref": "C-1", "as_of": "2026-11-28"}
    )
    assert tried.status_code == 200, tried.text
    body = tried.json()
    assert body["started_firing"] == [
        {"id": "big_balance", "label": "Balance above 50,000 CNY", "points": 40}
    ]
    assert body["stopped_firing"] == []
    assert (body["score_before"], body["tier_before"]) == (-10, "low")
    assert (body["score_after"], body["tier_after"]) == (30, "medium")
    assert body["published"]["version"] == 1 and body["draft"]["version"] == 2
    assert any(line["id"] == "big_balance" for line in body["draft"]["explanation"])
    # nothing was written: the customer's assessment is unchanged
    customer = admin_api.get("/api/v1/customers/C-1").json()
    assert customer["assessment"]["tier"] == "low"


def test_try_on_a_customer_outside_the_callers_departments_is_not_found(
    workspace: Database, admin_api: ApiClient
) -> None:
    admin_api.put("/api/v1/customers/C-1", json={"department": "east", "data": HEALTHY})
    put_draft(admin_api, published_source(workspace))
    west = admin_api.as_user("wes", ["admin"], department="west")
    missing = west.post("/api/v1/rulesets/credit/draft/try", json={"customer_ref": "C-1"})
    assert missing.status_code == 404, missing.text


def test_a_bad_key_is_refused(workspace: Database, admin_api: ApiClient) -> None:
    assert put_draft(admin_api, "x").status_code == 200
    bad = admin_api.put("/api/v1/rulesets/Bad-Key/draft", json={"source": "x"})
    assert bad.status_code == 422
