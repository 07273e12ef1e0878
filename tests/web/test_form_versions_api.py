"""Form versions through the API: the impact of a customer form draft, the publish's mapping
(422 with paths when missing or wrong), and a 409 with the readings when rulesets still read a
removed field."""

from __future__ import annotations

from engine import specs
from engine.db import Database
from engine.models import SpecKind
from tests.web.conftest import HEALTHY, ApiClient, upsert

FORM = "/api/v1/forms/customer"


def customer_source(database: Database) -> str:
    with database.transaction() as session:
        return specs.find_row(session, SpecKind.FORM, "customer").source


def without(source: str, field_id: str) -> str:
    lines = source.splitlines(keepends=True)
    return "".join(line for line in lines if f"id: {field_id}," not in line)


WEB = "  - {id: homepage, type: url, label: {en: Homepage, zh: 主页}}\n"


def test_the_impact_names_the_customers_and_the_mapping_renames_their_values(
    workspace: Database, admin_api: ApiClient
) -> None:
    upsert(workspace, "C-1", {**HEALTHY, "website": "https://a.cn"})
    upsert(workspace, "C-2", dict(HEALTHY))
    source = without(customer_source(workspace), "website") + WEB
    assert admin_api.put(f"{FORM}/draft", json={"source": source}).status_code == 200
    impact = admin_api.get(f"{FORM}/draft/impact")
    assert impact.status_code == 200, impact.text
    body = impact.json()
    assert (body["version"], body["published_version"], body["added"]) == (2, 1, ["homepage"])
    assert body["needs_mapping"] == ["website"] and body["blocked"] is False
    (website,) = body["fields"]
    assert (website["change"], website["customers"], website["examples"]) == (
        "removed", 1, ["C-1"],
    )  # fmt: skip
    assert website["candidates"] == ["homepage"]
    missing = admin_api.post(f"{FORM}/draft/publish", json={"comment": "homepage"})
    assert missing.status_code == 422, missing.text
    assert [(e["path"], e["code"]) for e in missing.json()["errors"]] == [
        ("mapping.website", "missing-mapping")
    ]
    wrong = admin_api.post(
        f"{FORM}/draft/publish",
        json={"comment": "homepage", "mapping": {"website": {"rename": "name"}, "x": 3}},
    )
    assert wrong.status_code == 422, wrong.text
    assert [(e["path"], e["code"]) for e in wrong.json()["errors"]] == [
        ("mapping.x", "wrong-type")
    ]
    filled = admin_api.post(
        f"{FORM}/draft/publish",
        json={"comment": "homepage", "mapping": {"website": {"rename": "name"}}},
    )
    assert [(e["path"], e["code"]) for e in filled.json()["errors"]] == [
        ("mapping.website.rename", "target-filled")
    ]
    published = admin_api.post(
        f"{FORM}/draft/publish",
        json={"comment": "homepage", "mapping": {"website": {"rename": "homepage"}}},
    )
    assert published.status_code == 200, published.text
    assert published.json()["rescore_id"] is not None
    data = admin_api.get("/api/v1/customers/C-1").json()["data"]
    assert data["homepage"] == "https://a.cn" and "website" not in data


def test_a_ruleset_reading_a_removed_field_blocks_with_its_position(
    workspace: Database, admin_api: ApiClient
) -> None:
    source = without(customer_source(workspace), "avg_days_to_pay")
    admin_api.put(f"{FORM}/draft", json={"source": source})
    impact = admin_api.get(f"{FORM}/draft/impact", params={"lang": "zh"}).json()
    assert impact["blocked"] is True and impact["readers"][0]["line"] == 13
    blocked = admin_api.post(
        f"{FORM}/draft/publish",
        json={"comment": "gone", "mapping": {"avg_days_to_pay": {"drop": True}}},
    )
    assert blocked.status_code == 409, blocked.text
    first = blocked.json()["errors"][0]
    assert (first["code"], first["severity"], first["file"], first["line"], first["column"]) == (
        "breaks-published", "error", "rules/credit.rules", 13, 17,
    )  # fmt: skip
    assert "avg_days_to_pay" in first["message"]


def test_a_form_without_a_draft_has_no_impact(admin_api: ApiClient, workspace: Database) -> None:
    assert admin_api.get(f"{FORM}/draft/impact").status_code == 404



def test_only_a_form_publish_takes_a_mapping(workspace: Database, admin_api: ApiClient) -> None:
    with workspace.transaction() as session:
        source = specs.find_row(session, SpecKind.RULESET, "credit").source
    admin_api.put("/api/v1/rulesets/credit/draft", json={"source": source + "\n"})
    refused = admin_api.post(
        "/api/v1/rulesets/credit/draft/publish",
        json={"comment": "tidy", "mapping": {"website": "drop"}},
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"] == "only a form's publish takes a mapping of its fields"
