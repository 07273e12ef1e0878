"""Unique values and group fields over HTTP (docs/forms.md, "Unique values" and "Groups"): a
taken value is a 422 at its path, a draft making a field unique over stored duplicates shows
them in its impact and its publish is a 409 until they are corrected, and a bad contact in a
group is refused at its item's path with nothing stored."""

from __future__ import annotations

from engine.db import Database
from tests.engine.test_unique_values import _unique
from tests.group_forms import with_contacts
from tests.web.conftest import HEALTHY, ApiClient, upsert
from tests.web.test_form_versions_api import FORM, customer_source

CUSTOMERS = "/api/v1/customers"


def test_a_shared_value_blocks_the_publish_until_corrected_then_a_taken_one_is_a_422(
    workspace: Database, admin_api: ApiClient
) -> None:
    upsert(workspace, "C-1", {**HEALTHY, "contact_email": "same@a.cn"})
    upsert(workspace, "C-2", {**HEALTHY, "contact_email": "SAME@a.cn"})
    upsert(workspace, "C-3", {**HEALTHY, "contact_email": "other@a.cn"})
    source = _unique(customer_source(workspace), "contact_email")
    assert admin_api.put(f"{FORM}/draft", json={"source": source}).status_code == 200

    impact = admin_api.get(f"{FORM}/draft/impact").json()
    assert impact["blocked"] is True and impact["readers"] == []
    assert impact["duplicates"] == [
        {
            "field": "contact_email",
            "label": {"en": "Contact e-mail", "zh": "联系邮箱"},
            "customers": 2,
            "examples": ["C-1", "C-2"],
        }
    ]
    refused = admin_api.post(f"{FORM}/draft/publish", json={"comment": "unique e-mails"})
    assert refused.status_code == 409, refused.text
    assert "contact_email: 2 (C-1, C-2)" in refused.json()["detail"]
    versions = admin_api.get(f"{FORM}/versions").json()
    assert [(v["version"], v["status"]) for v in versions] == [(1, "published"), (2, "draft")]

    # one of the two corrected: the impact is clean and the publish goes through
    fixed = admin_api.patch(f"{CUSTOMERS}/C-2", json={"data": {"contact_email": "c2@a.cn"}})
    assert fixed.status_code == 200, fixed.text
    impact = admin_api.get(f"{FORM}/draft/impact").json()
    assert (impact["blocked"], impact["duplicates"]) == (False, [])
    published = admin_api.post(f"{FORM}/draft/publish", json={"comment": "unique e-mails"})
    assert published.status_code == 200, published.text

    # a new customer with a taken value (compared without case): 422 at its path, not stored
    taken = admin_api.put(
        f"{CUSTOMERS}/C-4",
        json={"department": "east", "data": {**HEALTHY, "contact_email": "C2@a.cn"}},
    )
    assert taken.status_code == 422, taken.text
    assert [(e["path"], e["code"]) for e in taken.json()["errors"]] == [
        ("data.contact_email", "not-unique")
    ]
    assert "C-2" in taken.json()["errors"][0]["message"]
    assert admin_api.get(f"{CUSTOMERS}/C-4").status_code == 404
    # in Chinese
    taken = admin_api.patch(
        f"{CUSTOMERS}/C-3", json={"data": {"contact_email": "same@a.cn"}},
        headers={"Accept-Language": "zh"},
    )  # fmt: skip
    assert taken.status_code == 422, taken.text
    assert "唯一" in taken.json()["errors"][0]["message"]
    assert admin_api.get(f"{CUSTOMERS}/C-3").json()["data"]["contact_email"] == "other@a.cn"


def test_bad_contacts_are_refused_at_their_item_paths_and_nothing_is_stored(
    workspace: Database, admin_api: ApiClient
) -> None:
    with_contacts(workspace)
    good = [{"name": "Li Na", "role": "finance", "phone": "13812345678"}]
    created = admin_api.put(
        f"{CUSTOMERS}/C-1", json={"department": "east", "data": {**HEALTHY, "contacts": good}}
    )
    assert created.status_code in (200, 201), created.text
    bad = [*good, {"phone": "123", "role": "boss"}, {"name": "Wang", "fax": "1"}]
    refused = admin_api.patch(f"{CUSTOMERS}/C-1", json={"data": {"contacts": bad}})
    assert refused.status_code == 422, refused.text
    assert [(e["path"], e["code"]) for e in refused.json()["errors"]] == [
        ("data.contacts[1].name", "required"),
        ("data.contacts[1].role", "not-an-option"),
        ("data.contacts[1].phone", "bad-phone"),
        ("data.contacts[2].fax", "unknown-field"),
    ]
    four = admin_api.patch(f"{CUSTOMERS}/C-1", json={"data": {"contacts": good * 4}})
    assert four.status_code == 422, four.text
    assert [(e["path"], e["code"]) for e in four.json()["errors"]] == [
        ("data.contacts", "too-many-items")
    ]
    # the stored list is unchanged
    contacts = admin_api.get(f"{CUSTOMERS}/C-1").json()["data"]["contacts"]
    assert [c["name"] for c in contacts] == ["Li Na"]
