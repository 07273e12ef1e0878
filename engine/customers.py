"""Customers: create or update one from submitted data, then score it; read them back as views.

An upsert validates the data against the published `customer` form (nothing is stored when any
field is wrong), stores it, evaluates the scoring ruleset and starts the workflows a tier change
triggers, all in the caller's transaction (engine.evaluation).

Credit terms are accepted only when a customer is created; missing ones take DEFAULT_TERMS and
the base currency of the imported template. On an update, terms equal to the current ones are
ignored and changed ones are refused: terms change only through workflows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

import forms
from engine import audit, specs
from engine.cases import case_summaries
from engine.errors import ConflictError, DataValidationError, NotFoundError
from engine.evaluation import assess_customer, latest_assessment
from engine.explanations import changes, explanations
from engine.models import Alert, Case, CaseStatus, Customer, Department
from engine.pagination import clamp_limit, decode_cursor, encode_cursor
from engine.rows import update_versioned
from engine.terms import DEFAULT_TERMS, differing, terms_view, validated_terms
from engine.views import (
    AlertView,
    AssessmentView,
    CustomerSummary,
    CustomerUpserted,
    CustomerView,
    Page,
    number,
)


@dataclass(frozen=True, slots=True)
class CustomerInput:
    """What a caller submits for one customer.

    `name` falls back to the form data's `name` and then to the reference; `terms` (credit_limit,
    payment_terms_days, prepayment_pct, order_hold, next_review_at, optionally currency) count
    only at creation.
    """

    name: str | None = None
    department: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    terms: Mapping[str, Any] | None = None


def ensure_department(session: Session, name: str | None, *, now: datetime) -> None:
    """Create the department on first use (DESIGN.md, "Shared vocabulary")."""
    if not name:
        return
    exists = session.exec(select(Department.id).where(Department.name == name)).first()
    if exists is not None:
        return
    try:
        with session.begin_nested():
            session.add(Department(name=name, created_at=now))
    except IntegrityError:
        pass  # created by a concurrent transaction meanwhile: it exists, as wanted


def _validated_data(form: forms.Form, data: Mapping[str, Any]) -> dict[str, Any]:
    errors = forms.validate(form, dict(data))
    if errors:
        # paths name the request body's `data` object, as terms errors name `terms`
        raise DataValidationError(replace(e, path=("data", *e.path)) for e in errors)
    return forms.normalise(form, dict(data))


def find_customer(session: Session, ref: str) -> Customer:
    """The customer with external reference `ref`. Raises NotFoundError."""
    customer = session.exec(select(Customer).where(Customer.external_ref == ref)).first()
    if customer is None:
        raise NotFoundError(f"there is no customer '{ref}'")
    return customer


def upsert_customer(
    session: Session,
    ref: str,
    payload: CustomerInput,
    *,
    actor: str | None,
    now: datetime,
    tz: tzinfo,
) -> CustomerUpserted:
    """Create customer `ref` or replace its name, department and data; then score it.

    Returns the customer as now stored, whether it was created, and the cases it started.
    Raises NotConfiguredError (no template imported), DataValidationError (every field error,
    with paths; nothing stored), ConflictError (changed terms on an existing customer, or a
    concurrent change).
    """
    form = specs.customer_form(session)
    data = _validated_data(form.value, payload.data)
    customer = session.exec(select(Customer).where(Customer.external_ref == ref)).first()
    name = payload.name or str(data.get("name") or ref)
    ensure_department(session, payload.department, now=now)

    if customer is None:
        currency = specs.base_currency(session, "CNY")
        terms = validated_terms({**DEFAULT_TERMS, **(payload.terms or {})}, currency=currency)
        customer = Customer(
            external_ref=ref,
            name=name,
            department=payload.department,
            data=data,
            form_key=form.key,
            form_version=form.version,
            currency=currency,
            created_at=now,
            updated_at=now,
            **terms,
        )
        try:
            with session.begin_nested():
                session.add(customer)
        except IntegrityError as exc:
            raise ConflictError(
                f"customer '{ref}' was created by another request meanwhile; try again"
            ) from exc
        audit.record(
            session,
            actor=actor,
            action="customer.created",
            entity_kind="customer",
            entity_id=ref,
            detail={"name": name, "department": payload.department, "fields": sorted(data)},
            now=now,
        )
        created = True
    else:
        if payload.terms is not None:
            terms = validated_terms(payload.terms, currency=customer.currency)
            if differing(customer, terms):
                raise ConflictError("credit terms change only through workflows")
        changes: dict[str, Any] = {}
        if customer.name != name:
            changes["name"] = name
        if customer.department != payload.department:
            changes["department"] = payload.department
        if customer.data != data:
            changes["data"] = data
        if (customer.form_key, customer.form_version) != (form.key, form.version):
            changes.update(form_key=form.key, form_version=form.version)
        if changes:
            changed_fields = sorted(
                {k for k in set(customer.data) | set(data) if customer.data.get(k) != data.get(k)}
            )
            update_versioned(session, customer, updated_at=now, **changes)
            audit.record(
                session,
                actor=actor,
                action="customer.updated",
                entity_kind="customer",
                entity_id=ref,
                detail={"changed": sorted(changes), "fields": changed_fields},
                now=now,
            )
        created = False

    assessed = assess_customer(session, customer, actor=actor, now=now, tz=tz)
    return CustomerUpserted(
        customer=customer_view(session, customer),
        created=created,
        cases_opened=tuple(assessed.cases_opened),
    )


# --- reading -----------------------------------------------------------------------------------


def assessment_view(session: Session, row: Any) -> AssessmentView:
    return AssessmentView(
        id=row.id,
        ruleset_key=row.ruleset_key,
        ruleset_version=row.ruleset_version,
        as_of=row.as_of,
        score=number(row.score) or 0,
        tier=row.tier,
        previous_tier=row.previous_tier,
        result=row.result,
        created_at=row.created_at,
        explanation=explanations(session, row.result),
        change=changes(row.change),
    )


def customer_view(session: Session, customer: Customer) -> CustomerView:
    assert customer.id is not None
    latest = latest_assessment(session, customer.id)
    alerts = session.exec(
        select(Alert)
        .where(Alert.customer_id == customer.id, Alert.status == "open")
        .order_by(col(Alert.id))
    )
    cases = session.exec(
        select(Case)
        .where(Case.customer_id == customer.id, Case.status == CaseStatus.OPEN)
        .order_by(col(Case.id))
    ).all()
    return CustomerView(
        id=customer.id,
        ref=customer.external_ref,
        name=customer.name,
        department=customer.department,
        data=dict(customer.data),
        terms=terms_view(customer),
        score=number(customer.score),
        tier=customer.tier,
        assessed_at=customer.assessed_at,
        assessment=assessment_view(session, latest) if latest is not None else None,
        open_alerts=tuple(
            AlertView(
                id=a.id or 0,
                rule=a.rule,
                severity=a.severity,
                message=a.message,
                status=a.status,
                created_at=a.created_at,
            )
            for a in alerts
        ),
        open_cases=case_summaries(session, cases),
        form_key=customer.form_key,
        form_version=customer.form_version,
        row_version=customer.row_version,
        created_at=customer.created_at,
        updated_at=customer.updated_at,
    )


def get_customer(session: Session, ref: str) -> CustomerView:
    """Customer `ref` with its terms, latest assessment, open alerts and open cases.

    Raises NotFoundError.
    """
    return customer_view(session, find_customer(session, ref))


def list_customers(
    session: Session,
    *,
    tier: str | None = None,
    department: str | None = None,
    search: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[CustomerSummary]:
    """Customers in id order, filtered by tier, department and a name/reference search.

    Raises InvalidRequestError for a foreign cursor or a limit below 1.
    """
    size = clamp_limit(limit)
    query = select(Customer)
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(col(Customer.id) > after)
    if tier is not None:
        query = query.where(Customer.tier == tier)
    if department is not None:
        query = query.where(Customer.department == department)
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            or_(
                func.lower(col(Customer.name)).like(pattern),
                func.lower(col(Customer.external_ref)).like(pattern),
            )
        )
    rows = session.exec(query.order_by(col(Customer.id)).limit(size + 1)).all()
    items = tuple(
        CustomerSummary(
            id=c.id or 0,
            ref=c.external_ref,
            name=c.name,
            department=c.department,
            score=number(c.score),
            tier=c.tier,
            assessed_at=c.assessed_at,
            credit_limit=number(c.credit_limit) or 0,
            currency=c.currency,
            order_hold=c.order_hold,
        )
        for c in rows[:size]
    )
    next_cursor = encode_cursor(items[-1].id) if len(rows) > size else None
    return Page(items=items, next_cursor=next_cursor)
