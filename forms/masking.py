"""Masks for sensitive field values: what a user without `view_sensitive` sees instead. Pure.

A mask is always text and never depends on more of the value than it shows: a phone or an
identity number keeps its first three and last four digits (`138****5678`), an e-mail address
the first letter of its mailbox and its domain (`l****@example.com`), other text its first
character (`张****`); numbers, dates, booleans and choices become `****`. The masks hide the
length of what they hide.

`mask_result` masks the sensitive values inside a stored evaluation result (a
`dsl.Result.to_dict()`): the inputs of fired rules, the lets' values and the alert messages.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from forms.fields import Field
from forms.form import Form

MASK = "****"
# A phone number or an identity number: digits with separators, an optional leading + and an
# optional check letter X at the end (a Chinese resident identity number).
_NUMBER_LIKE = re.compile(r"\+?[\d\s().\-]*\d[\dXx]?", re.ASCII)
_SEPARATORS = re.compile(r"[\s().\-+]", re.ASCII)
MIN_NUMBER_DIGITS = 7
# A clear value shorter than this is not searched for inside texts (it would match by chance).
MIN_SEARCHED_LENGTH = 4


def mask_value(field: Field | None, value: Any) -> str | None:
    """The mask of `value`, a value of `field` (None: a field the form no longer has, masked by
    the value's shape). A missing value (None) stays None: that it is missing is no secret."""
    if value is None:
        return None
    if isinstance(value, str) and (field is None or field.type.spec.is_text):
        return mask_text(value)
    return MASK


def mask_text(text: str) -> str:
    """The mask of a text: by its shape, a phone or identity number, an e-mail address, or any."""
    stripped = text.strip()
    if _NUMBER_LIKE.fullmatch(stripped):
        core = _SEPARATORS.sub("", stripped)
        if len(core) >= MIN_NUMBER_DIGITS:
            if stripped.startswith("+") and len(core) > 11:
                core = core[-11:]  # a country code in front of an 11-digit number
            if len(core) >= 11:
                return core[:3] + MASK + core[-4:]
            return MASK + core[-4:] if len(core) >= 8 else MASK + core[-2:]
    mailbox, at, domain = stripped.rpartition("@")
    if at and mailbox and domain:
        return mailbox[0] + MASK + "@" + domain
    if len(stripped) <= 1:
        return MASK
    return stripped[0] + MASK


def sensitive_ids(form: Form | None, also: Collection[str] = ()) -> frozenset[str]:
    """The ids of the fields of `form` marked sensitive (a group: when one of its sub-fields
    is; the group is sealed as a whole), plus `also` (fields stored sealed)."""
    marked = {f.id for f in form.fields if is_sensitive(f)} if form is not None else set()
    return frozenset(marked | set(also))


def is_sensitive(field: Field) -> bool:
    """A field marked sensitive, or a group with a sub-field marked sensitive."""
    return field.sensitive or any(sub.sensitive for sub in field.fields)


def mask_field(field: Field | None, value: Any) -> Any:
    """The mask of a sensitive field's value: a group keeps its shape, with the value of each
    sensitive sub-field masked in every item (all of them when none is marked: a group stored
    sealed by an older version of the form); any other field as `mask_value`."""
    if field is None or not field.fields:
        return mask_value(field, value)
    marked = {sub.id for sub in field.fields if sub.sensitive}

    def one(item: Any) -> Any:
        if not isinstance(item, Mapping):
            return mask_value(None, item)
        return {
            key: mask_value(field.sub_field(key), sub) if not marked or key in marked else sub
            for key, sub in item.items()
        }

    if isinstance(value, list | tuple):
        return [one(item) for item in value]
    return None if value is None else one(value)


def unmask_group(field: Field, sent: Any, stored: Any) -> Any:
    """A group's value as sent, with each sensitive sub-value sent back as the mask of the one
    stored taken as stored: the value at the same place (item index, sub-field), else in a list
    the one stored item whose mask it is (an item removed before it moved it up)."""
    if isinstance(sent, list) and isinstance(stored, list | tuple):
        return [
            _unmasked(field, item, stored[index] if index < len(stored) else None, stored)
            for index, item in enumerate(sent)
        ]
    return _unmasked(field, sent, stored, ())


def _unmasked(field: Field, sent: Any, stored: Any, others: Any) -> Any:
    if not isinstance(sent, Mapping):
        return sent
    masked = mask_field(field, stored) if isinstance(stored, Mapping) else {}
    candidates = [(item, mask_field(field, item)) for item in others if isinstance(item, Mapping)]
    result = {}
    for key, value in sent.items():
        if isinstance(stored, Mapping) and stored.get(key) is not None and value == masked.get(key):
            result[key] = stored[key]
            continue
        if isinstance(value, str) and MASK in value:
            found = [
                item[key]
                for item, mask in candidates
                if item.get(key) is not None and mask.get(key) == value
            ]
            if len(found) == 1:
                result[key] = found[0]
                continue
        result[key] = value
    return result


def mask_data(
    form: Form | None, data: Mapping[str, Any], *, also: Collection[str] = ()
) -> dict[str, Any]:
    """`data` with the value of every sensitive field (of `form`, and those in `also`) masked."""
    hidden = sensitive_ids(form, also)
    return {
        key: mask_field(form.field(key) if form is not None else None, value)
        if key in hidden
        else value
        for key, value in data.items()
    }


def mask_result(
    result: Mapping[str, Any],
    clear: Mapping[str, Any],
    *,
    sensitive: Collection[str],
    form: Form | None = None,
) -> dict[str, Any]:
    """A stored evaluation result with the customer's sensitive values masked.

    `clear` is the record the result was evaluated on and `sensitive` the ids of its sensitive
    fields (masked by their type in `form`, else by their shape). A fired rule's input named
    after a sensitive field is masked; any text (inputs, lets' values, alert messages) that
    contains a sensitive value, as a whole or in part, has it replaced by its mask. Everything
    else is copied as is.
    """
    hidden = frozenset(sensitive)

    def field(field_id: str) -> Field | None:
        return form.field(field_id) if form is not None else None

    replacements = _replacements({k: (field(k), clear.get(k)) for k in hidden})
    whole = dict(replacements)

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            for secret, mask in replacements:
                value = value.replace(secret, mask)
            return value
        if isinstance(value, Mapping):
            return {k: scrub(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [scrub(v) for v in value]
        if value is not None and not isinstance(value, bool) and str(value) in whole:
            return whole[str(value)]  # a sensitive number, read through a let
        return value

    masked = dict(result)
    masked["fired"] = [
        {
            **fired,
            "inputs": {
                name: mask_field(field(name), value) if name in hidden else scrub(value)
                for name, value in (fired.get("inputs") or {}).items()
            },
        }
        for fired in result.get("fired") or ()
    ]
    masked["values"] = {k: scrub(v) for k, v in (result.get("values") or {}).items()}
    masked["alerts"] = [
        {**alert, "message": scrub(alert.get("message"))} for alert in result.get("alerts") or ()
    ]
    return masked


def _replacements(values: Mapping[str, tuple[Field | None, Any]]) -> list[tuple[str, str]]:
    """(clear text, mask) for each sensitive value long enough to be searched, longest first
    (so a value that contains another is replaced whole)."""
    found: dict[str, str] = {}
    for field, value in values.values():
        if field is not None and field.fields:  # a group: each of its masked sub-values
            _group_replacements(field, value, found)
            continue
        if value is None or isinstance(value, bool):
            continue
        text = str(value)
        mask = mask_value(field, value) or MASK
        for variant in (text, text.strip()):
            if len(variant) >= MIN_SEARCHED_LENGTH:
                found[variant] = mask
    return sorted(found.items(), key=lambda item: -len(item[0]))


def _group_replacements(field: Field, value: Any, found: dict[str, str]) -> None:
    masked = mask_field(field, value)
    pairs = (
        zip(value, masked, strict=False) if isinstance(value, list | tuple) else [(value, masked)]
    )
    for clear, mask in pairs:
        if not isinstance(clear, Mapping) or not isinstance(mask, Mapping):
            continue
        for key, sub in clear.items():
            if sub is None or isinstance(sub, bool) or mask.get(key) == sub:
                continue
            for variant in (str(sub), str(sub).strip()):
                if len(variant) >= MIN_SEARCHED_LENGTH:
                    found[variant] = str(mask.get(key) or MASK)
