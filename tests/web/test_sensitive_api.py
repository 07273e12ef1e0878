"""Sensitive fields over HTTP: the API and the customer page show them masked to users without
`view_sensitive` (for the customer's department) and in clear to those with it."""

from __future__ import annotations

from typing import Any

from engine.db import Database
from tests.web.conftest import HEALTHY, TERMS, ApiClient, PageClient

PHONE = "+8613912345678"  # a phone field stores E.164 (docs/forms.md, "Phone numbers")
MASKED = "139****5678"


def put(client: ApiClient, ref: str, data: dict[str, Any], **extra: Any) -> dict[str, Any]:
    response = client.put(
        f"/api/v1/customers/{ref}",
        json={"department": "east", "data": data, "terms": TERMS, **extra},
    )
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


def phone_of(client: ApiClient, ref: str) -> Any:
    response = client.get(f"/api/v1/customers/{ref}")
    assert response.status_code == 200, response.text
    return response.json()["data"]["contact_phone"]


def test_the_api_masks_a_sensitive_field_for_users_without_view_sensitive(
    workspace: Database, admin_api: ApiClient
) -> None:
    created = put(admin_api, "C1", {**HEALTHY, "contact_phone": PHONE})
    assert created["data"]["contact_phone"] == PHONE  # admin holds every permission
    assert phone_of(admin_api.as_user("sam", ["sales"]), "C1") == MASKED
    assert phone_of(admin_api.as_user("lee", ["legal"]), "C1") == MASKED
    assert phone_of(admin_api.as_user("fay", ["finance_head"]), "C1") == PHONE
    east = admin_api.as_user("dan", ["department_head"], department="east")
    assert phone_of(east, "C1") == PHONE


def test_a_masked_response_holds_the_value_nowhere(
    workspace: Database, admin_api: ApiClient
) -> None:
    put(admin_api, "C1", {**HEALTHY, "contact_phone": PHONE})
    sales = admin_api.as_user("sam", ["sales"])
    for path in ("/api/v1/customers/C1", "/api/v1/customers/C1/assessments"):
        response = sales.get(path)
        assert response.status_code == 200 and PHONE not in response.text, path


def test_the_customer_page_masks_a_sensitive_field(
    workspace: Database, admin_api: ApiClient, pages: PageClient
) -> None:
    put(admin_api, "C1", {**HEALTHY, "contact_phone": PHONE})
    pages.login("sam", ["sales"])
    response = pages.get("/customers/C1")
    assert response.status_code == 200
    assert response.template.name == "customer.html"
    assert response.context["customer"].data["contact_phone"] == MASKED
    assert MASKED in response.text and PHONE not in response.text


def test_the_customer_page_shows_the_value_to_a_user_with_view_sensitive(
    workspace: Database, admin_api: ApiClient, pages: PageClient
) -> None:
    put(admin_api, "C1", {**HEALTHY, "contact_phone": PHONE})
    pages.login("fay", ["finance_head"])
    response = pages.get("/customers/C1")
    assert response.status_code == 200
    assert PHONE in response.text


def test_a_lost_data_key_is_a_503_for_the_operator_not_a_500(
    workspace: Database, admin_api: ApiClient
) -> None:
    from fastapi.testclient import TestClient

    from engine.keys import generate_keys
    from tests.web.conftest import settings_for
    from web.app import create_app

    put(admin_api, "C1", {**HEALTHY, "contact_phone": PHONE})
    token = admin_api.headers["Authorization"]
    # the same database served with other keys: the data key that sealed the phone is gone
    elsewhere = Database(workspace.url, keys=generate_keys())
    try:
        app = create_app(settings_for(workspace.url), database=elsewhere)
        with TestClient(app, raise_server_exceptions=False) as client:
            response = client.get("/api/v1/customers/C1", headers={"Authorization": token})
    finally:
        elsewhere.dispose()
    # the token is checked first: with other keys the stored token still authenticates
    assert response.status_code == 503, response.text
    assert "keys file" in response.json()["detail"]
