"""The customer edit form of the pages: the published customer form's fields by section, filled
with the customer's values as the editor may see them, the text a page posts read back into
values by each field's type, a check of it without storing (the live check as one types) and
the save, a partial update stamped `page` (engine.freshness).

A posted field is a text (`data.FIELD`), a multi_choice a checkbox per option
(`data.FIELD.OPTION`); a text reads as its field's value as an import cell does
(forms.coerce_cell: `30%`, `1,200,000`, `是`), and what does not read is a field error with the
text kept for the page. An emptied field removes the value; a sensitive field left at the mask
the editor was shown keeps the stored value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo
from typing import Any, Final

from sqlmodel import Session

import forms
from engine import crypto, specs
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
        return sum(len(f.errors) for s in self.sections for f in s.fields)


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


def _masks(
    form: forms.Form, customer: Customer, stored: Mapping[str, Any], *, shown: bool
) -> dict[str, str | None]:
    """Field id → the mask the editor is shown of its stored value (none: they see it)."""
    if shown:
        return {}
    hidden = forms.sensitive_ids(form, crypto.sealed_fields(customer.data))
    return {i: forms.mask_value(form.field(i), stored.get(i)) for i in hidden if i in stored}


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
) -> CustomerEdit:
    """Customer `ref`'s edit form in `language`: its stored values (sensitive ones masked
    unless `viewer` may see them), or the texts `raw` posted, with `errors` (field id → the
    messages in `language`) beside their fields.

    `as_of` is the date the fields' conditions read as today.

    Raises NotFoundError (no customer `ref` in `scope`), NotConfiguredError (no template)."""
    form = specs.customer_form(session).value
    customer = find_customer(session, ref, scope=scope)
    stored = crypto.customer_data(session, customer)
    shown = reveals_sensitive(viewer, customer.department)
    masks = _masks(form, customer, stored, shown=shown)
    values: dict[str, Any] = {k: masks.get(k, v) for k, v in stored.items()}
    record = dict(stored)
    if raw is not None:
        posted = read_posted(form, raw, masks=masks)
        values.update(posted.texts)
        unread = {e.path[0] for e in posted.errors}
        record.update({k: v for k, v in posted.data.items() if k not in unread})
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
                        errors=(errors or {}).get(f.id, ()),
                        states=states,
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


def edit_field(
    field: forms.Field,
    value: Any,
    *,
    language: str,
    is_masked: bool = False,
    errors: tuple[str, ...] = (),
    states: forms.FieldStates | None = None,
) -> EditField:
    """The input of `field` showing `value`, labelled in `language` (also the form builder's
    preview); `states` the form's fields shown and required for the record (None: as
    declared, every field shown)."""
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
