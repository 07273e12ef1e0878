"""Unique values (docs/forms.md, "Unique values"): the comparison key of a value of a field marked
`unique: true`, by which the engine tells whether two customers hold the same value. Pure.

Each field type says how its values compare (`TypeSpec.unique_key`, forms.field_types); the
value is first put in its stored shape (`TypeSpec.normalise`: a phone number as E.164), so two
ways of writing one value give one key. JSON Schema has no keyword for a value unique across
documents: the engine checks it (engine.unique_values).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from forms.fields import Field
from forms.form import Form


def comparison_key(field: Field, value: Any) -> str | None:
    """The key two values of `field` are compared by; None for no value (none, or empty text),
    which never conflicts. `value` is a valid value of the field (as validation accepts it)."""
    if value is None or value == "":
        return None
    spec = field.type.spec
    if spec.unique_key is None:
        return None
    if spec.normalise is not None:
        value = spec.normalise(value)
    return spec.unique_key(value)


def unique_fields(form: Form) -> tuple[Field, ...]:
    """The fields of `form` marked `unique`, in the form's order."""
    return tuple(f for f in form.fields if f.unique)


def unique_keys(form: Form, data: Mapping[str, Any]) -> dict[str, str]:
    """The comparison key of each unique field of `form` that `data` (clear values) holds a value
    of, by field id."""
    keys = {}
    for field in unique_fields(form):
        key = comparison_key(field, data.get(field.id))
        if key is not None:
            keys[field.id] = key
    return keys
