"""A form as JSON Schema (draft 2020-12): the shape of the `data` a form accepts. Pure.

A field that is not required may be given as null (it then counts as not given). A required field
with a default is not demanded: `normalise` fills it in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from forms.field_types import FieldType
from forms.fields import Field
from forms.patterns import schema_pattern

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def is_demanded(field: Field) -> bool:
    """True when data without this field is always refused (required, no default to fill it in,
    and no `visible_when` that may hide it); `required_when` is checked by validation only."""
    return field.required and field.default is None and field.visible_when is None


# Annotations (draft 2020-12 keeps unknown keywords as annotations): the rules-language text of
# a field's conditions, which JSON Schema cannot evaluate; validation does (forms.conditions).
CONDITION_ANNOTATIONS = {
    "visible_when": "x-riskdesk-visible-when",
    "required_when": "x-riskdesk-required-when",
    "computed": "x-riskdesk-computed",
}


def field_schema(field: Field) -> dict[str, Any]:
    """The JSON Schema of one field's value: its type's entry of `forms.field_types.TYPES`
    (type, format, enum, pattern) and the field's own options."""
    if field.type is FieldType.GROUP:
        return group_schema(field)
    spec = field.type.spec
    alternative = dict(spec.alternative(field)) if spec.alternative is not None else {}
    types = [spec.json_type, *([alternative.pop("type")] if alternative else ())]
    if not is_demanded(field):
        types.append("null")
    schema: dict[str, Any] = {
        "title": field.title(),
        "type": types[0] if len(types) == 1 else types,
    }
    # the keywords of the other shape apply to its JSON type only (money's object)
    schema.update(alternative)
    if field.help:
        schema["description"] = field.help.get("en") or next(iter(field.help.values()))
    if spec.format is not None:
        schema["format"] = spec.format
    if field.type is FieldType.MULTI_CHOICE:
        schema["items"] = {"type": "string", "enum": list(field.options or ())}
        schema["uniqueItems"] = True
        if field.required and field.visible_when is None:
            schema["minItems"] = 1
    elif field.options is not None:
        schema["enum"] = [*field.options, *(() if is_demanded(field) else (None,))]
    elif spec.enum is not None:
        schema["enum"] = [*spec.enum, *(() if is_demanded(field) else (None,))]
    if spec.pattern is not None:
        schema["pattern"] = spec.pattern
    if field.pattern is not None:
        schema["pattern"] = schema_pattern(field.pattern)
    # a field that may be hidden is checked for emptiness by validation (forms.conditions)
    if spec.is_text and field.required and field.visible_when is None:
        schema["minLength"] = 1
    if spec.json_type == "string" and spec.enum is None and field.options is None:
        max_length = field.max_length or spec.max_length
        if max_length is not None:
            schema["maxLength"] = max_length
    if field.minimum is not None:
        schema["minimum"] = field.minimum
    if field.maximum is not None:
        schema["maximum"] = field.maximum
    if field.default is not None:
        default = field.default
        schema["default"] = list(default) if isinstance(default, tuple) else default
    for key, annotation in CONDITION_ANNOTATIONS.items():
        written = getattr(field, key)
        if written is not None:
            schema[annotation] = written.source
    if field.computed is not None:
        schema["readOnly"] = True  # the engine computes it; a value sent is refused
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


def group_schema(field: Field) -> dict[str, Any]:
    """A group's schema: an object of its sub-fields and nothing else; with `multiple`, an array
    of such objects of at most `max_items` (at least one when the group is required)."""
    item: dict[str, Any] = {
        "type": "object",
        "properties": {sub.id: field_schema(sub) for sub in field.fields},
        "required": [sub.id for sub in field.fields if is_demanded(sub)],
        "additionalProperties": False,
    }
    json_type = "array" if field.multiple else "object"
    schema: dict[str, Any] = {
        "title": field.title(),
        "type": json_type if is_demanded(field) else [json_type, "null"],
    }
    if field.help:
        schema["description"] = field.help.get("en") or next(iter(field.help.values()))
    if field.multiple:
        schema["items"] = item
        if field.max_items is not None:
            schema["maxItems"] = field.max_items
        if field.required and field.visible_when is None:
            schema["minItems"] = 1
    else:
        schema.update((key, value) for key, value in item.items() if key != "type")
    for key, annotation in CONDITION_ANNOTATIONS.items():
        written = getattr(field, key)
        if written is not None:
            schema[annotation] = written.source
    return schema
