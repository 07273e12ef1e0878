"""A published form's JSON Schema (draft 2020-12), for integrators who check their data before
sending it. Reading needs `customers:read`: a form says which fields exist, not what any
customer holds. A form's drafts have their own routes (web.api.drafts)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from engine.specs import load_form
from web.api.drafts import Key
from web.deps import DbDep, Reader

router = APIRouter(tags=["forms"])

VersionQuery = Annotated[int | None, Query(ge=1, le=2**31 - 1, description="default: published")]


@router.get("/forms/{key}/schema", response_model=dict[str, Any])
def get_form_schema(
    key: Key, user: Reader, database: DbDep, version: VersionQuery = None
) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of form `key`'s data, version `version` (default: the
    published one): what `PUT /api/v1/customers/{ref}` accepts as `data` for the customer form,
    and an event's `payload` for an event form. 404 for an unknown form or version."""
    with database.transaction() as session:
        form = load_form(session, key, version)
    return form.value.json_schema()
