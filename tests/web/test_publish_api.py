"""Publishing drafts through the API: at once, scheduled, refused; forms and workflows alike."""

from __future__ import annotations

from engine import specs
from engine.db import Database
from engine.models import Job, SpecKind
from tests.web.conftest import ApiClient

NEW_RULE = (
    '\nrule big_balance "Balance above 50,000 CNY"\n'
    "  when outstanding_balance > 50_000\n"
    "  then add 40\n"
)


def published_source(
    database: Database, kind: SpecKind = SpecKind.RULESET, key: str = "credit"
) -> str:
    with database.transaction() as session:
        return specs.find_row(session, kind, key).source


def test_a_draft_publishes_and_the_rescore_is_queued(
    workspace: Database, admin_api: ApiClient
) -> None:
    source = published_source(workspace).replace("\ntiers\n", NEW_RULE + "\ntiers\n")
    saved = admin_api.put("/api/v1/rulesets/credit/draft", json={"source": source}).json()
    published = admin_api.post(
        "/api/v1/rulesets/credit/draft/publish",
        json={"comment": "balances weigh more", "expected_checksum": saved["checksum"]},
    )
    assert published.status_code == 200, published.text
    body = published.json()
    assert (body["version"], body["status"], body["case_id"]) == (2, "published", None)
    with workspace.transaction() as session:
        job = session.get(Job, body["rescore_id"])
        assert job is not None and job.params == {"as_of": None, "reason": "publish"}
    versions = admin_api.get("/api/v1/rulesets/credit/versions").json()
    assert [(v["version"], v["status"]) for v in versions] == [(1, "retired"), (2, "published")]
    # nothing left to publish
    again = admin_api.post("/api/v1/rulesets/credit/draft/publish", json={"comment": "again"})
    assert again.status_code == 404


def test_a_publish_at_a_later_time_is_scheduled(workspace: Database, admin_api: ApiClient) -> None:
    admin_api.put("/api/v1/rulesets/credit/draft", json={"source": published_source(workspace)})
    # a naive time is read in the workspace's time zone (UTC in the tests)
    scheduled = admin_api.post(
        "/api/v1/rulesets/credit/draft/publish",
        json={"comment": "from January", "effective_at": "2027-01-01T00:00:00"},
    )
    assert scheduled.status_code == 200, scheduled.text
    body = scheduled.json()
    assert (body["status"], body["effective_at"]) == ("scheduled", "2027-01-01T00:00:00Z")
    assert body["rescore_id"] is None
    versions = admin_api.get("/api/v1/rulesets/credit/versions").json()
    assert [v["status"] for v in versions] == ["published", "scheduled"]


def test_a_draft_with_errors_is_refused_in_the_callers_language(
    workspace: Database, admin_api: ApiClient
) -> None:
    bad = published_source(workspace).replace("max_overdue_days > 90", "nope > 90")
    admin_api.put("/api/v1/rulesets/credit/draft", json={"source": bad})
    refused = admin_api.post("/api/v1/rulesets/credit/draft/publish", json={"comment": "x"})
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"] == (
        "the draft of ruleset 'credit' has 1 error(s): correct them before publishing"
    )
    zh = admin_api.post("/api/v1/rulesets/credit/draft/publish?lang=zh", json={"comment": "x"})
    assert zh.status_code == 422 and zh.json()["detail"] != refused.json()["detail"]
    empty = admin_api.post("/api/v1/rulesets/credit/draft/publish", json={"comment": ""})
    assert empty.status_code == 422


def test_an_editor_without_publish_permission_is_refused(
    workspace: Database, api: ApiClient
) -> None:
    analyst = api.as_user("rita", roles=("risk_analyst",))
    analyst.put("/api/v1/rulesets/credit/draft", json={"source": published_source(workspace)})
    refused = analyst.post("/api/v1/rulesets/credit/draft/publish", json={"comment": "mine"})
    assert refused.status_code == 403, refused.text


def test_form_and_workflow_drafts_have_the_same_routes(
    workspace: Database, admin_api: ApiClient
) -> None:
    form = published_source(workspace, SpecKind.FORM, "customer")
    saved = admin_api.put("/api/v1/forms/customer/draft", json={"source": form + "\n"})
    assert saved.status_code == 200 and saved.json()["diagnostics"] == []
    diff = admin_api.get("/api/v1/forms/customer/versions/2/diff", params={"format": "text"})
    assert diff.status_code == 200 and diff.text.startswith("--- customer v1\n+++ customer v2\n")
    published = admin_api.post("/api/v1/forms/customer/draft/publish", json={"comment": "tidy"})
    assert published.json()["status"] == "published"
    flow = published_source(workspace, SpecKind.WORKFLOW, "high_risk_review")
    bad = admin_api.put(
        "/api/v1/workflows/high_risk_review/draft",
        json={"source": flow.replace("workflow: high_risk_review", "workflow: other")},
    ).json()
    assert [d["code"] for d in bad["diagnostics"]] == ["workflow-key-mismatch"]
    assert admin_api.get("/api/v1/workflows/high_risk_review/draft").status_code == 200
