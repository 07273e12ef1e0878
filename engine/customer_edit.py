"""The customer edit form of the pages: the published customer form's fields by section, filled
with the customer's values as the editor may see them, the text a page posts read back into
values by each field's type, a check of it without storing (the live check as one types) and
the save, a partial update stamped `page` (engine.freshness).

A posted field is a text (`data.FIELD`), a multi_choice a checkbox per option
(`data.FIELD.OPTION`), a group's sub-field `data.GROUP.SUB` and an item's of a list of groups
`data.GROUP.INDEX.SUB`, with `data.GROUP` (empty) saying the group was posted at all; a text
reads as its field's value as an import cell does (forms.coerce_cell: `30%`, `1,200,000`,
`是`), and what does not read is a field error with the text kept for the page. An emptied
field removes the value; a sensitive field left at the mask the editor was shown keeps the
stored value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo
from typing import Any, Final

from sqlmodel import Session

import forms
from engine import crypto, specs, unique_values
from engine.customers import (
    CustomerInput,
    Viewer,
    find_customer,
    incoming_data,
    reveals_sensitive,
    upsert_customer,
)
from engine.errors import DataValidationError
from engine.freshness import Source
from engine.models import Customer
from engine.scoping import Scope
from engine.terms import terms_record
from engine.views import CustomerUpserted

# a posted form field `data.FIELD` (and `data.FIELD.OPTION` for a multi_choice's checkbox)
DATA_PREFIX: Final = "data."
# the most characters of one posted value read (a long_text's max_length is checked after)
MAX_VALUE_LENGTH: Final = 10_000


@dataclass(frozen=True, slots=True)
class EditField:
    """One input of the edit form: the field as the page offers it, with the text to show in
    it (`value`: what was posted, else the stored value) and its errors in the page's
    language."""

    id: str
    label: str
    type: str  # a forms.FieldType value
    required: bool
    value: Any  # the stored JSON value, or the posted text when it did not read
    options: tuple[str, ...] | None
    option_titles: tuple[str, ...] | None
    minimum: int | float | None
    maximum: int | float | None
    max_length: int | None
    help: str | None
    is_masked: bool  # a sensitive value shown masked: left as it is, it keeps the stored one
    errors: tuple[str, ...] = ()
    # its `visible_when` holds for the record as filled in (a hidden field is sent empty)
    is_visible: bool = True
    is_computed: bool = False  # read-only: the engine computes it on save
    # a group's objects, each its sub-fields' inputs (ids `GROUP.SUB`, or `GROUP.INDEX.SUB` in a
    # list); a single group has one; `max_items` bounds a list (None: a single group)
    items: tuple[tuple[EditField, ...], ...] = ()
    max_items: int | None = None

    @property
    def error_count(self) -> int:
        return len(self.errors) + sum(len(sub.errors) for item in self.items for sub in item)

    @property
    def can_add(self) -> bool:
        return self.max_items is not None and len(self.items) < self.max_items


@dataclass(frozen=True, slots=True)
class EditSection:
    id: str | None  # None: the fields outside any section
    title: str | None
    fields: tuple[EditField, ...]


@dataclass(frozen=True, slots=True)
class CustomerEdit:
    ref: str
    name: str
    department: str | None
    row_version: int
    sections: tuple[EditSection, ...]

    @property
    def error_count(self) -> int:
        return sum(f.error_count for s in self.sections for f in s.fields)


@dataclass(frozen=True, slots=True)
class Posted:
    """What a page posted, read: `data` the values (None: emptied), `texts` what was typed per
    field (shown again), `errors` the texts that did not read as their field's values."""

    data: dict[str, Any]
    texts: dict[str, Any]
    errors: tuple[forms.DataError, ...]


def posted_fields(raw: Mapping[str, Any]) -> dict[str, str]:
    """The `data.` entries of a posted form, prefix removed, each value bounded."""
    return {
        key.removeprefix(DATA_PREFIX): value[:MAX_VALUE_LENGTH]
        for key, value in raw.items()
        if key.startswith(DATA_PREFIX) and isinstance(value, str)
    }


def read_posted(
    form: forms.Form, raw: Mapping[str, str], *, masks: Mapping[str, str | None]
) -> Posted:
    """The posted texts `raw` (field id → text) as values of `form`'s fields. A field whose
    text equals its mask in `masks` is left out (the stored value stays)."""
    data: dict[str, Any] = {}
    texts: dict[str, Any] = {}
    errors: list[forms.DataError] = []
    for field in form.fields:
        if field.computed is not None:
            continue  # read-only: the engine computes it
        if field.type is forms.FieldType.MULTI_CHOICE:
            chosen = [o for o in field.options or () if raw.get(f"{field.id}.{o}") == "true"]
            data[field.id] = chosen or None
            texts[field.id] = chosen
            continue
        if field.type is forms.FieldType.GROUP:
            if field.id in raw:  # posted (its marker), possibly with no item left
                value, typed_group, problems = _read_group(field, raw)
                data[field.id], texts[field.id] = value, typed_group
                errors.extend(problems)
            continue
        if field.id not in raw:
            continue
        typed = raw[field.id]
        mask = masks.get(field.id)
        if mask is not None and typed == mask:
            texts[field.id] = mask
            continue
        texts[field.id] = typed
        try:
            data[field.id] = forms.coerce_cell(field, typed)
        except forms.CellError as exc:
            errors.append(forms.DataError.of((field.id,), exc.code, exc.wording))
    return Posted(data, texts, tuple(errors))


def _read_group(
    field: forms.Field, raw: Mapping[str, str]
) -> tuple[Any, Any, list[forms.DataError]]:
    """A group's posted texts as its value (None: nothing typed), the texts per item (shown
    again) and what did not read. An item of a list with nothing typed is left out of the
    value (a row added and left empty)."""
    errors: list[forms.DataError] = []

    def item(prefix: str, path: tuple[str | int, ...]) -> tuple[dict[str, Any], dict[str, str]]:
        values: dict[str, Any] = {}
        typed: dict[str, str] = {}
        for sub in field.fields:
            text = raw.get(f"{prefix}.{sub.id}")
            if text is None:
                continue
            typed[sub.id] = text
            try:
                value = forms.coerce_cell(sub, text)
            except forms.CellError as exc:
                errors.append(forms.DataError.of((*path, sub.id), exc.code, exc.wording))
                continue
            if value is not None:
                values[sub.id] = value
        return values, typed

    if not field.multiple:
        values, typed = item(field.id, (field.id,))
        return values or None, typed, errors
    indices = group_indices(field.id, raw)[: field.max_items or None]
    read = [item(f"{field.id}.{index}", (field.id, at)) for at, index in enumerate(indices)]
    return [values for values, _ in read if values] or None, [t for _, t in read], errors


def group_indices(group_id: str, raw: Mapping[str, str]) -> list[int]:
    """The item indices posted for list group `group_id` (`GROUP.INDEX.SUB`), in order."""
    found = set()
    prefix = group_id + "."
    for key in raw:
        if key.startswith(prefix):
            index, dot, _ = key[len(prefix) :].partition(".")
            if dot and index.isdigit() and len(index) < 4:
                found.add(int(index))
    return sorted(found)


def with_group_action(form: forms.Form, raw: Mapping[str, str], action: str) -> dict[str, str]:
    """The posted texts after a list group's button: `add:GROUP` adds an empty item (up to its
    `max_items`), `remove:GROUP:N` removes the Nth; the items are numbered 0, 1, … again."""
    kind, _, rest = action.partition(":")
    group_id, _, number = rest.partition(":")
    field = form.field(group_id)
    if field is None or not field.is_group_list:
        return dict(raw)
    indices = group_indices(group_id, raw)
    if kind == "remove" and number.isdigit() and int(number) < len(indices):
        del indices[int(number)]
    prefix = group_id + "."
    result = {k: v for k, v in raw.items() if not k.startswith(prefix)}
    result[group_id] = ""
    for at, index in enumerate(indices):
        for sub in field.fields:
            result[f"{prefix}{at}.{sub.id}"] = raw.get(f"{prefix}{index}.{sub.id}", "")
    if kind == "add" and len(indices) < (field.max_items or 0):
        for sub in field.fields:
            result[f"{prefix}{len(indices)}.{sub.id}"] = ""
    return result


def _masks(
    form: forms.Form, customer: Customer, stored: Mapping[str, Any], *, shown: bool
) -> dict[str, str | None]:
    """Field id → the mask the editor is shown of its stored value (none: they see it)."""
    if shown:
        return {}
    hidden = forms.sensitive_ids(form, crypto.sealed_fields(customer.data))
    # a group's masked sub-values are kept by engine.customers.incoming_data, item by item
    return {
        i: forms.mask_value(form.field(i), stored.get(i))
        for i in hidden
        if i in stored and not _is_group(form.field(i))
    }


def _is_group(field: forms.Field | None) -> bool:
    return field is not None and field.type is forms.FieldType.GROUP


def edit_form(
    session: Session,
    ref: str,
    *,
    viewer: Viewer | None,
    scope: Scope,
    language: str,
    raw: Mapping[str, str] | None = None,
    errors: Mapping[str, tuple[str, ...]] | None = None,
    as_of: date | None = None,
    action: str | None = None,
) -> CustomerEdit:
    """Customer `ref`'s edit form in `language`: its stored values (sensitive ones masked
    unless `viewer` may see them), or the texts `raw` posted, with `errors` (field id → the
    messages in `language`) beside their fields.

    `as_of` is the date the fields' conditions read as today; `action` a list group's button
    pressed (`add:GROUP`, `remove:GROUP:N`, `with_group_action`), applied to `raw`.

    Raises NotFoundError (no customer `ref` in `scope`), NotConfiguredError (no template)."""
    form = specs.customer_form(session).value
    customer = find_customer(session, ref, scope=scope)
    stored = crypto.customer_data(session, customer)
    shown = reveals_sensitive(viewer, customer.department)
    masks = _masks(form, customer, stored, shown=shown)
    values: dict[str, Any] = {k: masks.get(k, v) for k, v in stored.items()}
    if not shown:  # a group's sensitive sub-values, masked in every item
        hidden = forms.sensitive_ids(form, crypto.sealed_fields(customer.data))
        values.update(
            (f.id, forms.mask_field(f, stored[f.id]))
            for f in form.fields
            if f.id in hidden and f.id in stored and _is_group(f)
        )
    record = dict(stored)
    if raw is not None:
        if action:
            raw = with_group_action(form, raw, action)
        posted = read_posted(form, raw, masks=masks)
        values.update(posted.texts)
        unread = {e.path[0] for e in posted.errors}
        record.update({k: v for k, v in posted.data.items() if k not in unread})
        for f in form.fields:  # a group posted with values the viewer was shown masked
            if _is_group(f) and f.id in posted.data and f.id in stored and not shown:
                record[f.id] = forms.unmask_group(f, posted.data[f.id], stored[f.id])
    # which fields the record as filled in shows and requires, and what it computes
    states = forms.field_states(
        form, {k: v for k, v in record.items() if v is not None},
        terms=terms_record(customer), as_of=as_of,
    )  # fmt: skip
    values.update(states.computed)
    sections = []
    for section, fields in form.fields_by_section():
        sections.append(
            EditSection(
                id=section.id if section else None,
                title=section.title(language) if section else None,
                fields=tuple(
                    edit_field(
                        f,
                        values.get(f.id),
                        language=language,
                        is_masked=f.id in masks,
                        errors=_own_errors(f, errors or {}),
                        states=states,
                        all_errors=errors,
                    )
                    for f in fields
                ),
            )
        )
    return CustomerEdit(
        ref=customer.external_ref,
        name=customer.name,
        department=customer.department,
        row_version=customer.row_version,
        sections=tuple(sections),
    )


def _own_errors(field: forms.Field, errors: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The messages shown beside `field`'s input: at its id, and for a field that is not a
    group at any path inside its value too (a money value's `FIELD.currency`); a group's
    sub-fields show theirs beside their own inputs."""
    if field.type is forms.FieldType.GROUP:
        return errors.get(field.id, ())
    prefix = field.id + "."
    return tuple(
        message
        for key, messages in errors.items()
        if key == field.id or key.startswith(prefix)
        for message in messages
    )


def edit_field(
    field: forms.Field,
    value: Any,
    *,
    language: str,
    is_masked: bool = False,
    errors: tuple[str, ...] = (),
    states: forms.FieldStates | None = None,
    all_errors: Mapping[str, tuple[str, ...]] | None = None,
) -> EditField:
    """The input of `field` showing `value`, labelled in `language` (also the form builder's
    preview); `states` the form's fields shown and required for the record (None: as
    declared, every field shown); `all_errors` the messages by input id (a group's
    sub-fields' `GROUP.SUB`, `GROUP.INDEX.SUB`)."""
    items: tuple[tuple[EditField, ...], ...] = ()
    if field.type is forms.FieldType.GROUP:
        items = _group_items(field, value, language=language, errors=all_errors or {})
    return EditField(
        id=field.id,
        label=field.title(language),
        type=str(field.type),
        required=states.is_required(field.id) if states is not None else field.required,
        value=value,
        options=field.options,
        option_titles=tuple(field.option_title(o, language) for o in field.options)
        if field.options
        else None,
        minimum=field.minimum,
        maximum=field.maximum,
        max_length=field.max_length,
        help=(field.help.get(language) or field.help.get("en")) if field.help else None,
        is_masked=is_masked,
        errors=errors,
        is_visible=states.is_visible(field.id) if states is not None else True,
        is_computed=field.computed is not None,
        items=items,
        max_items=field.max_items if field.multiple else None,
    )


def _group_items(
    field: forms.Field, value: Any, *, language: str, errors: Mapping[str, tuple[str, ...]]
) -> tuple[tuple[EditField, ...], ...]:
    """The inputs of a group's objects: its one object (a single group), or one row per item
    of the list (stored values, or the texts posted)."""
    if field.multiple:
        objects = [v if isinstance(v, Mapping) else {} for v in value or ()]
        prefixes = [f"{field.id}.{index}" for index in range(len(objects))]
    else:
        objects = [value if isinstance(value, Mapping) else {}]
        prefixes = [field.id]
    return tuple(
        tuple(
            replace(
                edit_field(sub, item.get(sub.id), language=language),
                id=f"{prefix}.{sub.id}",
                errors=errors.get(f"{prefix}.{sub.id}", ()),
            )
            for sub in field.fields
        )
        for prefix, item in zip(prefixes, objects, strict=True)
    )


def _posted_for(
    session: Session,
    ref: str,
    raw: Mapping[str, str],
    *,
    viewer: Viewer | None,
    scope: Scope,
    as_of: date | None,
) -> tuple[Posted, tuple[forms.DataError, ...]]:
    """The posted texts read, and every problem they have: the texts that do not read, then
    the form's checks on the record the others make with the stored data."""
    form = specs.customer_form(session).value
    customer = find_customer(session, ref, scope=scope)
    stored = crypto.customer_data(session, customer)
    masks = _masks(form, customer, stored, shown=reveals_sensitive(viewer, customer.department))
    posted = read_posted(form, raw, masks=masks)
    unread = {e.path[0] for e in posted.errors}
    payload = CustomerInput(
        data={k: v for k, v in posted.data.items() if k not in unread}, is_partial=True
    )
    record = incoming_data(form, payload, stored, customer)
    checked = forms.validate(form, record, terms=terms_record(customer), as_of=as_of)
    found = [e for e in checked if e.path[:1] and e.path[0] not in unread]
    wrong = unread | {e.path[0] for e in found}
    taken = unique_values.taken(session, form, record, customer_id=customer.id, scope=scope)
    found += [replace(e, path=e.path[1:]) for e in taken if e.path[1] not in wrong]
    return posted, (*posted.errors, *found)


def check_edit(
    session: Session,
    ref: str,
    raw: Mapping[str, str],
    *,
    viewer: Viewer | None,
    scope: Scope,
    as_of: date | None = None,
) -> tuple[forms.DataError, ...]:
    """Every problem the posted texts `raw` would have, saved on customer `ref` (paths under
    the form's data; `as_of` the date conditions read as today). Stores nothing.

    A value for a field its condition now hides is no problem here: the form the check redraws
    sends that field empty, so saving it clears the value (a save without the check refuses
    it, `not-visible`, and says so beside the field)."""
    found = _posted_for(session, ref, raw, viewer=viewer, scope=scope, as_of=as_of)[1]
    return tuple(e for e in found if e.code != "not-visible")


def save_edit(
    session: Session,
    ref: str,
    raw: Mapping[str, str],
    *,
    actor: str,
    viewer: Viewer | None,
    scope: Scope,
    expected_version: int | None,
    now: datetime,
    tz: tzinfo,
) -> CustomerUpserted:
    """Save the posted texts `raw` on customer `ref` (the fields posted; an emptied one
    removed), stamped `page`, scored and starting workflows as any update.

    Raises DataValidationError (every field error, paths under `data`, nothing stored),
    ConflictError (the customer is no longer at `expected_version`), NotFoundError."""
    posted, problems = _posted_for(
        session, ref, raw, viewer=viewer, scope=scope, as_of=now.astimezone(tz).date()
    )
    if posted.errors:  # with the others found meanwhile: every error at once
        raise DataValidationError(replace(e, path=("data", *e.path)) for e in problems)
    payload = CustomerInput(
        data=posted.data, is_partial=True, source=Source.PAGE, expected_version=expected_version
    )
    return upsert_customer(
        session, ref, payload, actor=actor, now=now, tz=tz, viewer=viewer, scope=scope
    )
