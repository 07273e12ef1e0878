"""A form as JSON Schema (draft 2020-12): the shape of the `data` a form accepts. Pure.

A field that is not required may be given as null (it then counts as not given). A required field
with a default is not demanded: `normalise` fills it in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from forms.fields import Field, FieldType

DIALECT = "https://json-schema.org/draft/2020-12/schema"

_JSON_TYPES: dict[FieldType, str] = {
    FieldType.TEXT: "string",
    FieldType.INTEGER: "integer",
    FieldType.DECIMAL: "number",
    FieldType.MONEY: "number",
    FieldType.BOOLEAN: "boolean",
    FieldType.DATE: "string",
    FieldType.CHOICE: "string",
}


def is_demanded(field: Field) -> bool:
    """True when data without this field is refused (required, and no default to fill it in)."""
    return field.required and field.default is None


def field_schema(field: Field) -> dict[str, Any]:
    """The JSON Schema of one field's value."""
    json_type = _JSON_TYPES[field.type]
    schema: dict[str, Any] = {
        "title": field.title(),
        "type": json_type if is_demanded(field) else [json_type, "null"],
    }
    if field.help:
        schema["description"] = field.help.get("en") or next(iter(field.help.values()))
    if field.type is FieldType.DATE:
        schema["format"] = "date"
    if field.options is not None:
        schema["enum"] = [*field.options, *(() if is_demanded(field) else (None,))]
    if field.type is FieldType.TEXT and field.required:
        schema["minLength"] = 1
    if field.max_length is not None:
        schema["maxLength"] = field.max_length
    if field.minimum is not None:
        schema["minimum"] = field.minimum
    if field.maximum is not None:
        schema["maximum"] = field.maximum
    if field.default is not None:
        schema["default"] = field.default
    return schema


def object_schema(
    fields: Sequence[Field], *, title: str | None = None, schema_id: str | None = None
) -> dict[str, Any]:
    """A JSON object holding these fields and nothing else."""
    schema: dict[str, Any] = {"$schema": DIALECT}
    if schema_id:
        schema["$id"] = schema_id
    if title:
        schema["title"] = title
    schema["type"] = "object"
    schema["properties"] = {field.id: field_schema(field) for field in fields}
    schema["required"] = [field.id for field in fields if is_demanded(field)]
    schema["additionalProperties"] = False
    return schema
