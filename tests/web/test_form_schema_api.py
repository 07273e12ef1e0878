"""A published form's JSON Schema over the API, on each backend: a valid 2020-12 schema that
accepts what the customer upsert accepts and refuses what it refuses; 404 for an unknown form."""

from __future__ import annotations

from jsonschema import Draft202012Validator

from engine.db import Database
from tests.web.conftest import HEALTHY, ApiClient


def test_the_customer_forms_schema_is_draft_2020_12_and_agrees_with_the_upsert(
    api: ApiClient, workspace: Database
) -> None:
    reader = api.as_user("rita", ["sales"])

    response = reader.get("/api/v1/forms/customer/schema")

    assert response.status_code == 200, response.text
    schema = response.json()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    validator = Draft202012Validator(schema)
    assert validator.is_valid(HEALTHY)
    assert not validator.is_valid({**HEALTHY, "max_overdue_days": "many"})
    writer = api.as_user("wes", ["sales_manager"])
    refused = writer.put(
        "/api/v1/customers/C-1", json={"data": {**HEALTHY, "max_overdue_days": "many"}}
    )
    assert refused.status_code == 422  # the API refuses what the schema refuses


def test_an_unknown_form_or_version_is_404(api: ApiClient, workspace: Database) -> None:
    reader = api.as_user("rita", ["sales"])
    assert reader.get("/api/v1/forms/nosuch/schema").status_code == 404
    assert reader.get("/api/v1/forms/customer/schema?version=99").status_code == 404
    assert api.get("/api/v1/forms/customer/schema").status_code == 401
