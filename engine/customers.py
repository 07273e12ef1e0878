"""Customers: create or update one from submitted data, then score it; read them back as views.

An upsert validates the data against the published `customer` form (nothing is stored when any
field is wrong), stores it, evaluates the scoring ruleset and starts the workflows a tier change
triggers, all in the caller's transaction (engine.evaluation).

Sensitive fields (docs/forms.md) are sealed before they are stored (engine.crypto) and opened
for scoring; a view shows them masked unless its viewer holds `view_sensitive` for the
customer's department. Audit rows name changed fields, never their values.

Credit terms are accepted only when a customer is created; missing ones take DEFAULT_TERMS and
the base currency of the imported template. On an update, terms equal to the current ones are
ignored and changed ones are refused: terms change only through workflows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any, Protocol

from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

import forms
import workflows
from engine import audit, crypto, freshness, specs, unique_values
from engine.cases import case_summaries
from engine.customer_data import (
    check_references,
    stored_data,
    validated_data,
    without_computed,
)
from engine.customer_list import list_customers as list_customers  # its old home
from engine.errors import (
    N_,
    ConflictError,
    DataValidationError,
    NotConfiguredError,
    NotFoundError,
    PermissionDeniedError,
)
from engine.evaluation import assess_customer, latest_assessment
from engine.explanations import changes, explanations
from engine.exposure import exposure_columns
from engine.freshness import Source, freshness_view
from engine.models import Alert, Assessment, Case, CaseStatus, Customer, Department
from engine.rows import update_versioned
from engine.scoping import Scope, is_within
from engine.terms import DEFAULT_TERMS, differing, terms_record, terms_view, validated_terms
from engine.views import (
    AlertView,
    AssessmentView,
    CustomerUpserted,
    CustomerView,
    number,
)

VIEW_SENSITIVE = "view_sensitive"

# The statements of every upsert and view, built once: building a statement and its cache key
# costs more Python than running it (SQLAlchemy memoizes the key on the statement object).
_CUSTOMER_BY_REF = select(Customer).where(col(Customer.external_ref) == bindparam("ref"))
_DEPARTMENT_BY_NAME = select(Department.id).where(col(Department.name) == bindparam("name"))
_OPEN_ALERTS = (
    select(Alert)
    .where(
        col(Alert.customer_id) == bindparam("customer_id"),
        col(Alert.status).in_(("open", "acknowledged")),  # engine.alerts.ACTIVE
    )
    .order_by(col(Alert.id))
)
_OPEN_CASES = (
    select(Case)
    .where(col(Case.customer_id) == bindparam("customer_id"), col(Case.status) == CaseStatus.OPEN)
    .order_by(col(Case.id))
)


class Viewer(Protocol):
    """Who a view is built for: anything that answers `can` (engine.users.UserView does)."""

    def can(self, permission: str, department: str | None = None) -> bool: ...


def reveals_sensitive(viewer: Viewer | None, department: str | None) -> bool:
    """Whether `viewer` sees sensitive values in clear for a customer of `department` (no
    viewer: masked)."""
    return viewer is not None and viewer.can(VIEW_SENSITIVE, department)


# What `CustomerInput.cleared` may name.
CLEARABLE = frozenset({"department", "owner"})


@dataclass(frozen=True, slots=True)
class CustomerInput:
    """What a caller submits for one customer.

    The whole record (`is_partial` false, a PUT): `data` replaces the stored data, and `name`
    falls back to the form data's `name` and then to the reference. A partial update
    (`is_partial`, a PATCH): `data` is merged into the stored data (a null removes a field), and
    `name` is kept unless given or `data` sets `name`. Either way `department` and `owner` are
    kept when not given (None) and emptied only when named in `cleared`. `terms` (credit_limit,
    payment_terms_days, prepayment_pct, order_hold, next_review_at, optionally currency) count
    only at creation. `source` is where the data comes from (engine.freshness.Source);
    `expected_version` the customer's `row_version` as the caller read it (None: not checked).
    """

    name: str | None = None
    department: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    terms: Mapping[str, Any] | None = None
    owner: str | None = None
    cleared: frozenset[str] = frozenset()
    is_partial: bool = False
    source: str = Source.API
    expected_version: int | None = None


def ensure_department(session: Session, name: str | None, *, now: datetime) -> None:
    """Create the department on first use (DESIGN.md, "Shared vocabulary")."""
    if not name:
        return
    exists = session.exec(_DEPARTMENT_BY_NAME, params={"name": name}).first()
    if exists is not None:
        return
    try:
        with session.begin_nested():
            session.add(Department(name=name, created_at=now))
    except IntegrityError:
        pass  # created by a concurrent transaction meanwhile: it exists, as wanted


def _text_errors(ref: str, payload: CustomerInput) -> list[forms.DataError]:
    """The reference, name and department hold no NUL or control characters (PostgreSQL refuses
    NUL; the others would break every list and export they appear in)."""
    errors = []
    texts = (
        ("ref", ref),
        ("name", payload.name),
        ("department", payload.department),
        ("owner", payload.owner),
    )
    for path, text in texts:
        problem = forms.text_problem_of(text) if text is not None else None
        if problem is not None:
            wording = forms.text(N_("%(path)s %(problem)s"), path=path, problem=problem)
            errors.append(forms.DataError.of((path,), "control-character", wording))
    return errors


def find_customer(session: Session, ref: str, *, scope: Scope = None) -> Customer:
    """The customer with external reference `ref`, when it lies in `scope` (engine.scoping).

    Raises NotFoundError (none, or outside the scope: the same answer)."""
    if forms.text_problem(ref) is not None:
        # no customer has such a reference (upserts refuse them), and PostgreSQL cannot compare NUL
        raise NotFoundError(N_("there is no customer %(ref)s"), ref=ascii(ref))
    customer = session.exec(_CUSTOMER_BY_REF, params={"ref": ref}).first()
    if customer is None or not is_within(customer.department, scope):
        raise NotFoundError(N_("there is no customer '%(ref)s'"), ref=ref)
    return customer


def fields_changed(changed: list[str], before: Mapping[str, Any]) -> workflows.Occurrence:
    """The occurrence of a change of form fields: `changed.F` is true for each field F that
    changed, `previous.F` what it held before."""
    return workflows.Occurrence(
        kind=workflows.TriggerKind.FIELD_CHANGED,
        facts={
            "changed": dict.fromkeys(changed, True),
            "previous": {name: before.get(name) for name in changed},
        },
        reason={"trigger": str(workflows.TriggerKind.FIELD_CHANGED), "fields": changed},
    )


def upsert_customer(
    session: Session,
    ref: str,
    payload: CustomerInput,
    *,
    actor: str | None,
    now: datetime,
    tz: tzinfo,
    viewer: Viewer | None = None,
    scope: Scope = None,
) -> CustomerUpserted:
    """Create customer `ref` or update it (the whole record, or the fields sent when
    `payload.is_partial`; see CustomerInput); then score it and start the workflows the change
    triggers.

    `scope` (engine.scoping) is where the caller may write: an existing customer outside it is
    not found, and the department given must lie in it. A sensitive field sent back as the mask
    of its stored value (what a caller without `view_sensitive` reads) keeps the stored value.
    Each field whose value changes is stamped with `now` and `payload.source`
    (engine.freshness).

    Returns the customer as now stored (sensitive values masked unless `viewer` may see them),
    whether it was created, and the cases it started.
    Raises NotConfiguredError (no template imported), NotFoundError (a partial update of no
    customer), DataValidationError (every field error, with paths, or a control character in
    the reference, name, department or owner; nothing stored), ConflictError (changed terms on
    an existing customer, a customer not at `payload.expected_version`, or a concurrent change).
    """
    text_errors = _text_errors(ref, payload)
    if text_errors:
        raise DataValidationError(text_errors)
    form = specs.customer_form(session)
    customer = session.exec(_CUSTOMER_BY_REF, params={"ref": ref}).first()
    # a customer outside the caller's scope is not found, before its data says anything
    if (customer is None and payload.is_partial) or (
        customer is not None and not is_within(customer.department, scope)
    ):
        raise NotFoundError(N_("there is no customer '%(ref)s'"), ref=ref)
    before = crypto.customer_data(session, customer) if customer is not None else {}
    # what the fields' conditions and computed values read besides the data
    read_terms = terms_record(customer) if customer else {**DEFAULT_TERMS, **(payload.terms or {})}
    data = validated_data(
        form.value,
        incoming_data(form.value, payload, before, customer),
        terms=read_terms,
        as_of=now.astimezone(tz).date(),
    )
    check_references(session, form.value, data, ref=ref)
    department = _kept(payload.department, "department", payload, customer)
    if not is_within(department, scope):
        allowed = ", ".join(sorted(scope or ()))
        if allowed:
            raise PermissionDeniedError(
                N_("you may write customers of department(s) %(allowed)s only"), allowed=allowed
            )
        raise PermissionDeniedError(N_("you may write customers of no department"))
    owner = _kept(payload.owner, "owner", payload, customer)
    if payload.is_partial and customer is not None:
        name = payload.name or (str(data["name"]) if payload.data.get("name") else customer.name)
    else:
        name = payload.name or str(data.get("name") or ref)
    occurrences: list[workflows.Occurrence] = []
    if customer is None or customer.department != department:
        ensure_department(session, department, now=now)  # a customer's one exists

    if customer is None:
        currency = specs.base_currency(session, "CNY")
        terms = validated_terms({**DEFAULT_TERMS, **(payload.terms or {})}, currency=currency)
        stored = stored_data(session, form.value, data, ref=ref, previous=None)
        customer = Customer(
            external_ref=ref,
            name=name,
            department=department,
            owner=owner,
            data=stored,
            **exposure_columns(stored),
            freshness=freshness.stamped(None, {}, data, source=payload.source, now=now),
            form_key=form.key,
            form_version=form.version,
            currency=currency,
            created_at=now,
            updated_at=now,
            **terms,
        )
        # No savepoint: a refused insert ends the whole transaction (the ConflictError rolls
        # it back), so there is nothing to go on with after it.
        try:
            session.add(customer)
            session.flush()
        except IntegrityError as exc:
            raise ConflictError(
                N_("customer '%(ref)s' was created by another request meanwhile; try again"),
                ref=ref,
            ) from exc
        assert customer.id is not None
        unique_values.sync(session, form.value, customer.id, data, scope=scope)
        audit.record(
            session,
            actor=actor,
            action="customer.created",
            entity_kind="customer",
            entity_id=ref,
            detail={"name": name, "department": department, "fields": sorted(data)},
            department=customer.department,
            customer_ref=customer.external_ref,
            now=now,
        )
        created = True
    else:
        _check_version(customer, payload.expected_version)
        if payload.terms is not None:
            terms = validated_terms(payload.terms, currency=customer.currency)
            if differing(customer, terms):
                raise ConflictError(N_("credit terms change only through workflows"))
        changes: dict[str, Any] = {}
        if customer.name != name:
            changes["name"] = name
        if customer.department != department:
            changes["department"] = department
        if customer.owner != owner:
            changes["owner"] = owner
        stored = stored_data(session, form.value, data, ref=ref, previous=customer.data)
        if stored != customer.data:
            changes["data"] = stored
        if (customer.form_key, customer.form_version) != (form.key, form.version):
            changes.update(form_key=form.key, form_version=form.version)
        changed_fields = sorted(
            {k for k in set(before) | set(data) if before.get(k) != data.get(k)}
        )
        if changed_fields:
            changes["freshness"] = freshness.stamped(
                customer.freshness, before, data, source=payload.source, now=now
            )
        if changes:
            if changed_fields:
                occurrences.append(fields_changed(changed_fields, before))
            update_versioned(
                session,
                customer,
                expected_version=payload.expected_version,
                updated_at=now,
                **changes,
                **(exposure_columns(changes["data"]) if "data" in changes else {}),
            )
            if "data" in changes:
                assert customer.id is not None
                unique_values.sync(session, form.value, customer.id, data, scope=scope)
            audit.record(
                session,
                actor=actor,
                action="customer.updated",
                entity_kind="customer",
                entity_id=ref,
                # freshness is the fields' metadata: `fields` names them already
                detail={
                    "changed": sorted(k for k in changes if k != "freshness"),
                    "fields": changed_fields,
                },
                department=customer.department,
                customer_ref=customer.external_ref,
                now=now,
            )
        created = False

    assessed = assess_customer(
        session, customer, actor=actor, now=now, tz=tz, is_new=created, occurrences=occurrences
    )
    return CustomerUpserted(
        customer=customer_view(session, customer, viewer=viewer, latest=assessed.latest),
        created=created,
        cases_opened=tuple(assessed.cases_opened),
    )


def incoming_data(
    form: forms.Form,
    payload: CustomerInput,
    before: Mapping[str, Any],
    customer: Customer | None,
) -> dict[str, Any]:
    """The data to validate: the record sent (a PATCH: merged into the stored data, a null
    removing a field), with each sensitive value sent back as its own mask taken as stored."""
    sent = dict(payload.data)
    if before:
        hidden = forms.sensitive_ids(form, crypto.sealed_fields(customer.data if customer else {}))
        for field_id in hidden & sent.keys():
            kept = before.get(field_id)
            field = form.field(field_id)
            if kept is not None and field is not None and field.fields:
                sent[field_id] = forms.unmask_group(field, sent[field_id], kept)
            elif kept is not None and sent[field_id] == forms.mask_value(field, kept):
                sent[field_id] = kept
    if not payload.is_partial:
        return sent
    merged = {**without_computed(form, before), **sent}
    return {key: value for key, value in merged.items() if value is not None}


def _kept(
    given: str | None, name: str, payload: CustomerInput, customer: Customer | None
) -> str | None:
    """`department` or `owner` as it is to be stored: the value given, else none when the
    caller cleared it, else the stored one (an upsert that leaves it out keeps it)."""
    if given is not None:
        return given
    if name in payload.cleared or customer is None:
        return None
    value: str | None = getattr(customer, name)
    return value


def _check_version(customer: Customer, expected: int | None) -> None:
    """Raises ConflictError when the caller read another version of `customer` than the one
    stored (optimistic locking; update_versioned checks again as it writes)."""
    if expected is not None and expected != customer.row_version:
        raise ConflictError(
            N_(
                "customer %(ref)s changed meanwhile (you have version %(expected)s, it is at "
                "%(version)s); reload it and try again"
            ),
            ref=customer.external_ref,
            expected=expected,
            version=customer.row_version,
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


def shown_data(session: Session, customer: Customer, *, viewer: Viewer | None) -> dict[str, Any]:
    """The customer's data as `viewer` may see it: sensitive values (those stored sealed and
    those the published form marks) in clear or masked."""
    data = crypto.customer_data(session, customer)
    if reveals_sensitive(viewer, customer.department):
        return data
    sealed = crypto.sealed_fields(customer.data)
    try:
        form: forms.Form | None = specs.customer_form(session).value
    except NotConfiguredError:
        form = None
    return forms.mask_data(form, data, also=sealed)


# `latest` not given: customer_view reads the latest assessment itself
_UNREAD: Any = object()


def customer_view(
    session: Session,
    customer: Customer,
    *,
    viewer: Viewer | None = None,
    latest: Assessment | None = _UNREAD,
) -> CustomerView:
    """Customer `customer` as `viewer` sees it (no viewer: sensitive values masked).

    `latest`, when the caller has just read or written it, is the customer's latest
    assessment (None: it has none), which is then not read again."""
    assert customer.id is not None
    if latest is _UNREAD:
        latest = latest_assessment(session, customer.id)
    alerts = session.exec(_OPEN_ALERTS, params={"customer_id": customer.id})
    cases = session.exec(_OPEN_CASES, params={"customer_id": customer.id}).all()
    return CustomerView(
        id=customer.id,
        ref=customer.external_ref,
        name=customer.name,
        department=customer.department,
        data=shown_data(session, customer, viewer=viewer),
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
        owner=customer.owner,
        freshness=freshness_view(customer.freshness),
    )


def get_customer(
    session: Session, ref: str, *, viewer: Viewer | None = None, scope: Scope = None
) -> CustomerView:
    """Customer `ref` with its terms, latest assessment, open alerts and open cases; sensitive
    values masked unless `viewer` holds `view_sensitive` for the customer's department.

    Raises NotFoundError (also when the customer lies outside `scope`, engine.scoping).
    """
    return customer_view(session, find_customer(session, ref, scope=scope), viewer=viewer)
