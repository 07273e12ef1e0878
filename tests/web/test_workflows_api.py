"""Published workflows through the API: the list, one version, and the diagrams (SVG) of a
version, of a case's current step and of the draft; each refused where it must be."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from engine import specs
from engine.db import Database
from engine.models import SpecKind
from tests.web.conftest import RISKY, ApiClient, upsert

SVG = "{http://www.w3.org/2000/svg}"
BASE = "/api/v1/workflows/high_risk_review"


def source(database: Database) -> str:
    with database.transaction() as session:
        return specs.find_row(session, SpecKind.WORKFLOW, "high_risk_review").source


def current_steps(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return [g.get("data-step", "") for g in root.iter(f"{SVG}g") if g.get("aria-current")]


def test_the_list_names_each_published_workflow(workspace: Database, admin_api: ApiClient) -> None:
    listed = admin_api.get("/api/v1/workflows")
    assert listed.status_code == 200, listed.text
    rows = {w["key"]: w for w in listed.json()}
    review = rows["high_risk_review"]
    assert (review["version"], review["trigger"], review["draft_version"]) == (
        1,
        "tier_changed",
        None,
    )
    assert review["label"] == {"en": "High-risk credit review", "zh": "高风险客户复核"}
    assert review["is_built_in"] is False


def test_one_version_comes_with_its_source(workspace: Database, admin_api: ApiClient) -> None:
    body = admin_api.get(BASE).json()
    assert (body["version"], body["status"], body["trigger"]) == (1, "published", "tier_changed")
    assert body["source"] == source(workspace)
    assert body["diagnostics"] == []
    assert admin_api.get(f"{BASE}?version=1").json()["version"] == 1
    for missing in (f"{BASE}?version=9", "/api/v1/workflows/nothing_here"):
        refused = admin_api.get(missing)
        assert refused.status_code == 404
        assert refused.headers["content-type"].startswith("application/problem+json")


def test_the_diagram_is_svg(workspace: Database, admin_api: ApiClient) -> None:
    drawn = admin_api.get(f"{BASE}/diagram.svg")
    assert drawn.status_code == 200
    assert drawn.headers["content-type"] == "image/svg+xml"
    root = ET.fromstring(drawn.text)
    steps = {g.get("data-step") for g in root.iter(f"{SVG}g") if g.get("data-step")}
    assert steps == {"sales_review", "finance_approval", "apply", "closed"}
    assert current_steps(drawn.text) == []
    assert admin_api.get(f"{BASE}/diagram.svg?version=1").status_code == 200
    assert admin_api.get(f"{BASE}/diagram.svg?version=7").status_code == 404
    assert admin_api.get("/api/v1/workflows/nope/diagram.svg").status_code == 404


def test_a_case_highlights_its_current_step(workspace: Database, admin_api: ApiClient) -> None:
    (case_id,) = upsert(workspace, "C-1", RISKY).cases_opened
    drawn = admin_api.get(f"{BASE}/diagram.svg?case={case_id}")
    assert drawn.status_code == 200, drawn.text
    assert current_steps(drawn.text) == ["sales_review"]
    sam = admin_api.as_user("sam", ["sales_manager"])
    moved = sam.post(f"/api/v1/cases/{case_id}/actions/propose_terms", json={})
    assert moved.status_code == 200, moved.text
    assert current_steps(admin_api.get(f"{BASE}/diagram.svg?case={case_id}").text) == [
        "finance_approval"
    ]
    # an unknown case, a case of another version: 404
    assert admin_api.get(f"{BASE}/diagram.svg?case=999999").status_code == 404
    assert admin_api.get(f"{BASE}/diagram.svg?case={case_id}&version=2").status_code == 404


def test_a_case_outside_the_callers_departments_is_not_found(
    workspace: Database, admin_api: ApiClient
) -> None:
    (case_id,) = upsert(workspace, "C-1", RISKY).cases_opened  # department east
    west = admin_api.as_user("wes", ["risk_analyst"], department="west")
    east = admin_api.as_user("eve", ["risk_analyst"], department="east")
    refused = west.get(f"{BASE}/diagram.svg?case={case_id}")
    assert refused.status_code == 404
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert west.get(f"{BASE}/diagram.svg").status_code == 200  # the definition itself: yes
    assert current_steps(east.get(f"{BASE}/diagram.svg?case={case_id}").text) == ["sales_review"]


def test_reading_definitions_needs_specs_edit(workspace: Database, admin_api: ApiClient) -> None:
    sales = admin_api.as_user("sam", ["sales_manager"])
    for path in ("/api/v1/workflows", BASE, f"{BASE}/diagram.svg", f"{BASE}/draft/diagram.svg"):
        assert sales.get(path).status_code == 403, path
        assert admin_api.get(path, headers={"Authorization": ""}).status_code == 401, path


def test_the_draft_diagram_follows_the_saved_draft(
    workspace: Database, admin_api: ApiClient
) -> None:
    assert admin_api.get(f"{BASE}/draft/diagram.svg").status_code == 404  # no draft yet
    text = source(workspace).replace(
        "      approve: {to: apply}\n",
        "      approve: {to: apply}\n      ask_legal: {to: legal_review}\n",
    ) + (
        "  legal_review:\n    assignee: {role: legal}\n    actions:\n"
        "      cleared: {to: finance_approval}\n"
    )
    saved = admin_api.put(f"{BASE}/draft", json={"source": text})
    assert saved.status_code == 200 and saved.json()["diagnostics"] == [], saved.text
    drawn = admin_api.get(f"{BASE}/draft/diagram.svg")
    assert drawn.status_code == 200 and drawn.headers["content-type"] == "image/svg+xml"
    root = ET.fromstring(drawn.text)
    assert "legal_review" in {g.get("data-step") for g in root.iter(f"{SVG}g")}
    # a draft with errors has no diagram until they are fixed
    admin_api.put(f"{BASE}/draft", json={"source": text.replace("role: legal", "role: lawyer")})
    refused = admin_api.get(f"{BASE}/draft/diagram.svg")
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    # the published version's diagram is unchanged meanwhile
    published = ET.fromstring(admin_api.get(f"{BASE}/diagram.svg").text)
    assert "legal_review" not in {g.get("data-step") for g in published.iter(f"{SVG}g")}
