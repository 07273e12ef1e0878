"""A customer's form data: validated against the customer form, stored with sensitive values
sealed, and changed field by field by a workflow's `set_field` (audited).

Kept apart from engine.customers (which scores after every write) so that a case's effects can
set fields without importing the evaluation pipeline; the caller re-scores.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

import forms
from engine import audit, crypto, freshness, specs, unique_values
from engine.db import session_keys
from engine.errors import N_, DataValidationError
from engine.exposure import exposure_columns
from engine.models import Customer
from engine.rows import update_versioned
from engine.terms import terms_record

_CUSTOMER_ID_BY_REF = select(Customer.id).where(col(Customer.external_ref) == bindparam("ref"))


def validated_data(
    form: forms.Form,
    data: Mapping[str, Any],
    *,
    terms: Mapping[str, Any] | None = None,
    as_of: date | None = None,
) -> dict[str, Any]:
    """`data` checked against `form` and normalised, its computed fields computed; raises
    DataValidationError with every error, its path under `data`. `terms` (the customer's credit
    terms, as rules read them) and `as_of` are what the fields' conditions and computed
    expressions read."""
    errors = forms.validate(form, dict(data), terms=terms, as_of=as_of)
    if errors:
        # paths name the request body's `data` object, as terms errors name `terms`
        raise DataValidationError(replace(e, path=("data", *e.path)) for e in errors)
    return forms.normalise(form, dict(data), terms=terms, as_of=as_of)


def check_references(
    session: Session, form: forms.Form, data: Mapping[str, Any], *, ref: str
) -> None:
    """Raises DataValidationError when a reference field of `data` names no stored customer
    (`unknown-customer`) or customer `ref` itself (`self-reference`), with every such path."""

    def exists(other: str) -> bool:
        return session.exec(_CUSTOMER_ID_BY_REF, params={"ref": other}).first() is not None

    errors = reference_errors(form, data, ref=ref, exists=exists)
    if errors:
        raise DataValidationError(errors)


def reference_errors(
    form: forms.Form, data: Mapping[str, Any], *, ref: str, exists: Callable[[str], bool]
) -> list[forms.DataError]:
    """The errors of the reference fields of `data` (customer `ref`'s): each one naming `ref`
    itself or a reference `exists` does not know (check_references asks the database; a bulk
    import asks what it read and what it is writing)."""
    errors: list[forms.DataError] = []
    for field in form.fields:
        value = data.get(field.id)
        if field.type is not forms.FieldType.REFERENCE or not isinstance(value, str):
            continue
        label = {language: field.title(language) for language in forms.LANGUAGES}
        path = ("data", field.id)
        if value == ref:
            wording = forms.text(N_("%(label)s cannot refer to the customer itself"), label=label)
            errors.append(forms.DataError.of(path, "self-reference", wording))
        elif not exists(value):
            wording = forms.text(
                N_("there is no customer '%(ref)s' for %(label)s"), ref=value, label=label
            )
            errors.append(forms.DataError.of(path, "unknown-customer", wording))
    return errors


def reference_fields(form: forms.Form) -> tuple[str, ...]:
    """The ids of `form`'s reference fields."""
    return tuple(f.id for f in form.fields if f.type is forms.FieldType.REFERENCE)


def without_computed(form: forms.Form, data: Mapping[str, Any]) -> dict[str, Any]:
    """Stored `data` without the values of computed fields: what a write merges its changes
    into (the engine computes them again; a value sent for one is refused)."""
    computed = {field.id for field in form.fields if field.computed is not None}
    return {key: value for key, value in data.items() if key not in computed}


def stored_data(
    session: Session,
    form: forms.Form,
    data: Mapping[str, Any],
    *,
    ref: str,
    previous: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """`data` as it is stored: the values of sensitive fields sealed (unchanged ones as they
    were stored)."""
    sensitive = forms.sensitive_ids(form)
    if not any(data.get(field_id) is not None for field_id in sensitive):
        return dict(data)
    return crypto.seal_data(
        session_keys(session), data, ref=ref, sensitive=sensitive, previous=previous
    )


def set_fields(
    session: Session,
    customer: Customer,
    values: Mapping[str, Any],
    *,
    case_id: int | None,
    actor: str | None,
    now: datetime,
) -> list[str]:
    """Set some of `customer`'s form fields to `values` (a workflow's `set_field`), the rest
    kept; returns the fields that changed (none: nothing written). The whole record is checked
    against the customer form first: raises DataValidationError, nothing stored. The fields
    that change are stamped as set by a workflow (engine.freshness)."""
    form = specs.customer_form(session)
    before = crypto.customer_data(session, customer)
    data = validated_data(
        form.value,
        {**without_computed(form.value, before), **values},
        terms=terms_record(customer),
        as_of=now.date(),
    )
    check_references(session, form.value, data, ref=customer.external_ref)
    # the fields set and the computed ones that follow them
    return _write(
        session, customer, form.value, before, data, case_id=case_id, actor=actor, now=now
    )


def recompute(
    session: Session, customer: Customer, *, case_id: int | None, actor: str | None, now: datetime
) -> list[str]:
    """Compute `customer`'s computed fields again, after its credit terms changed (a computed
    field may read them: `outstanding_balance / credit_limit`); the ones whose value changes
    are written, stamped as set by a workflow, and audited. Returns them (none: nothing
    written). The stored data is not checked again: only computed values change."""
    form = specs.customer_form(session).value
    if not form.expressions.computed_order:
        return []
    before = crypto.customer_data(session, customer)
    data = without_computed(form, before)
    data.update(forms.computed_values(form, data, terms=terms_record(customer), as_of=now.date()))
    return _write(session, customer, form, before, data, case_id=case_id, actor=actor, now=now)


def _write(
    session: Session,
    customer: Customer,
    form: forms.Form,
    before: Mapping[str, Any],
    data: Mapping[str, Any],
    *,
    case_id: int | None,
    actor: str | None,
    now: datetime,
) -> list[str]:
    """Store `data` as `customer`'s, the fields that differ from `before` stamped as set by a
    workflow, with the audit row; returns those fields (none: nothing written)."""
    changed = sorted(name for name in {*before, *data} if before.get(name) != data.get(name))
    if not changed:
        return []
    stored = stored_data(session, form, data, ref=customer.external_ref, previous=customer.data)
    stamps = freshness.stamped(
        customer.freshness, before, data, source=freshness.Source.WORKFLOW, now=now
    )
    update_versioned(
        session,
        customer,
        data=stored,
        freshness=stamps,
        updated_at=now,
        **exposure_columns(stored),
    )
    assert customer.id is not None
    unique_values.sync(session, form, customer.id, data)
    audit.record(
        session,
        actor=actor,
        action="customer.updated",
        entity_kind="customer",
        entity_id=customer.external_ref,
        detail={"changed": ["data"], "fields": changed, "case_id": case_id},
        department=customer.department,
        customer_ref=customer.external_ref,
        now=now,
    )
    return changed
