"""A customer's data as the customer page lists it: each field with its label in the page's
language, its value as the viewer may see it, and when and from which source it last changed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sqlmodel import Session

import forms
from engine import specs
from engine.errors import NotConfiguredError
from engine.freshness import FieldFreshness
from engine.views import CustomerView


@dataclass(frozen=True, slots=True)
class FieldShown:
    id: str
    label: str
    value: Any  # as the view holds it (sensitive values masked for this viewer)
    freshness: FieldFreshness | None  # None: of unknown age
    type: str = "text"  # the field's type (forms.FieldType), how the page writes the value
    options: Mapping[str, str] | None = None  # a choice's option → its label in the language
    link: str | None = None  # a reference field's: the page of the customer it names
    # a group's sub-fields as (id, label in the language); a list of groups is shown as a table
    columns: tuple[tuple[str, str], ...] | None = None
    section: str | None = None  # the title of the form's section it is in (None: none)


def shown_fields(
    session: Session, customer: CustomerView, *, language: str
) -> tuple[FieldShown, ...]:
    """The fields of `customer.data` as the published form shows them, by section (those
    without one first, each section's in form order; then any the form no longer has, by id),
    labelled in `language`."""
    try:
        by_section = specs.customer_form(session).value.fields_by_section()
    except NotConfiguredError:
        by_section = ()
    fields = [f for _section, inside in by_section for f in inside]
    sections = {
        f.id: section.title(language) if section is not None else None
        for section, inside in by_section
        for f in inside
    }
    labels: Mapping[str, str] = {f.id: f.title(language) for f in fields}
    by_id = {f.id: f for f in fields}
    order = [f.id for f in fields if f.id in customer.data]
    order += sorted(set(customer.data) - set(order))
    return tuple(
        FieldShown(
            id=field_id,
            label=labels.get(field_id, field_id),
            value=customer.data[field_id],
            freshness=customer.freshness.get(field_id),
            type=str(by_id[field_id].type) if field_id in by_id else "text",
            options=_option_titles(by_id[field_id], language) if field_id in by_id else None,
            link=_link(by_id.get(field_id), customer.data[field_id]),
            columns=_columns(by_id.get(field_id), language),
            section=sections.get(field_id),
        )
        for field_id in order
    )


def _option_titles(field: forms.Field, language: str) -> Mapping[str, str] | None:
    """A choice or multi_choice field's options with their labels in `language`."""
    if not field.options:
        return None
    return {option: field.option_title(option, language) for option in field.options}


def _link(field: forms.Field | None, value: Any) -> str | None:
    """The customer page a reference field's value names; None for other fields and for a
    sensitive one (its value may be a mask)."""
    if field is None or field.type is not forms.FieldType.REFERENCE or field.sensitive:
        return None
    if not isinstance(value, str) or not value:
        return None
    return f"/customers/{quote(value, safe='')}"


def _columns(field: forms.Field | None, language: str) -> tuple[tuple[str, str], ...] | None:
    """A group's sub-fields with their labels in `language`; None for other fields."""
    if field is None or not field.fields:
        return None
    return tuple((sub.id, sub.title(language)) for sub in field.fields)
