"""Approved publishing through the API and the case page: 202 with a case, four eyes, the change
shown on the case page, visible only to those who may publish."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine import specs
from engine.db import Database
from engine.models import SpecKind
from engine.templates import import_template
from tests.conftest import EXAMPLE_TEMPLATE
from tests.web.conftest import NOW, ApiClient, PageClient
from web.i18n import LANGUAGE_COOKIE


@pytest.fixture
def governed(database: Database, tmp_path: Path) -> Database:
    bundle = tmp_path / "bundle"
    shutil.copytree(EXAMPLE_TEMPLATE, bundle)
    template = bundle / "template.yaml"
    text = template.read_text(encoding="utf-8")
    template.write_text(
        text.replace("\nroles:", "\ngovernance: {publish_requires_approval: true}\nroles:", 1),
        encoding="utf-8",
    )
    with database.transaction() as session:
        import_template(session, bundle, actor="admin", now=NOW, base_currency="CNY")
    return database


def request_change(database: Database, author: ApiClient) -> int:
    with database.transaction() as session:
        source = specs.find_row(session, SpecKind.RULESET, "credit").source
    author.put("/api/v1/rulesets/credit/draft", json={"source": source + "\n# reviewed\n"})
    asked = author.post(
        "/api/v1/rulesets/credit/draft/publish", json={"comment": "a note for reviewers"}
    )
    assert asked.status_code == 202, asked.text
    body = asked.json()
    assert (body["status"], body["version"]) == ("pending_approval", 2)
    return int(body["case_id"])


def test_a_governed_publish_waits_for_someone_else_to_approve(
    governed: Database, api: ApiClient
) -> None:
    author = api.as_user("ada", ["admin"])
    cfo = api.as_user("carl", ["cfo"])
    sales = api.as_user("sam", ["sales"])
    case_id = request_change(governed, author)
    refused = author.post(f"/api/v1/cases/{case_id}/actions/approve", json={"comment": "mine"})
    assert refused.status_code == 403, refused.text
    # only those who may publish see the case; it is assigned to them
    assert [c["id"] for c in cfo.get("/api/v1/cases?assigned=me").json()["items"]] == [case_id]
    assert sales.get("/api/v1/cases").json()["items"] == []
    assert sales.get(f"/api/v1/cases/{case_id}").status_code == 404
    seen = cfo.get(f"/api/v1/cases/{case_id}").json()
    assert (seen["customer_ref"], seen["available_actions"]) == (None, ["approve", "reject"])
    assert seen["spec_change"]["comment"] == "a note for reviewers"
    approved = cfo.post(f"/api/v1/cases/{case_id}/actions/approve", json={})
    assert approved.status_code == 200, approved.text
    assert approved.json()["outcome"] == "approved"
    versions = author.get("/api/v1/rulesets/credit/versions").json()
    assert [(v["version"], v["status"]) for v in versions] == [(1, "retired"), (2, "published")]


def test_a_rejection_needs_a_comment(governed: Database, api: ApiClient) -> None:
    case_id = request_change(governed, api.as_user("ada", ["admin"]))
    cfo = api.as_user("carl", ["cfo"])
    assert cfo.post(f"/api/v1/cases/{case_id}/actions/reject", json={}).status_code == 422
    rejected = cfo.post(f"/api/v1/cases/{case_id}/actions/reject", json={"comment": "not yet"})
    assert rejected.json()["outcome"] == "rejected"
    draft = api.as_user("rita", ["risk_analyst"]).get("/api/v1/rulesets/credit/draft")
    assert draft.json()["status"] == "draft"


def test_the_case_page_shows_the_change(
    governed: Database, api: ApiClient, pages: PageClient
) -> None:
    case_id = request_change(governed, api.as_user("ada", ["admin"]))
    pages.login("carl", ["cfo"])
    page = pages.get(f"/cases/{case_id}")
    assert page.status_code == 200 and page.template.name == "case.html"
    change = page.context["change"]
    assert (change.key, change.version, change.author, change.comment) == (
        "credit",
        2,
        "ada",
        "a note for reviewers",
    )
    assert "+# reviewed" in change.diff
    assert "a note for reviewers" in page.text and "+# reviewed" in page.text
    inbox = pages.get("/inbox")
    assert [c.id for c in inbox.context["cases"]] == [case_id]


def test_the_case_page_of_a_change_is_in_chinese(
    governed: Database, api: ApiClient, pages: PageClient
) -> None:
    case_id = request_change(governed, api.as_user("ada", ["admin"]))
    pages.login("carl", ["cfo"])
    pages.cookies.set(LANGUAGE_COOKIE, "zh")
    page = pages.get(f"/cases/{case_id}")
    assert page.status_code == 200
    for english in ("The change", "Difference from the published version", "Requested by"):
        assert english not in page.text
    assert "变更内容" in page.text and "与已发布版本的差异" in page.text
