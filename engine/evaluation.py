"""The evaluation pipeline: score a customer with the scoring ruleset, store the assessment and its
alerts, and start the workflows a tier change triggers — all in the caller's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

import forms
from engine import audit, casework, crypto, fx, shadow, specs
from engine.explanations import change_record
from engine.models import Alert, Assessment, Case, CaseStatus, Customer, Event
from engine.rows import update_versioned
from engine.terms import terms_record
from engine.types import json_dumps
from engine.views import number

TIER_CHANGED = "tier_changed"
# A terms change made by a workflow re-scores the customer, which may start a workflow that
# changes terms again; this bounds that chain within one request.
MAX_RESCORE_DEPTH = 3


@dataclass(slots=True)
class Assessed:
    """What one evaluation did: the stored assessment (None when the result was unchanged),
    and the customer's latest assessment afterwards (the stored one, else the one before)."""

    assessment: Assessment | None
    tier_changed: bool
    cases_opened: list[int] = field(default_factory=list)
    latest: Assessment | None = None


def customer_record(session: Session, customer: Customer) -> dict[str, Any]:
    """What rules read: the customer's form data (sensitive values in clear) and credit terms
    (JSON-native values)."""
    return {**crypto.customer_data(session, customer), **terms_record(customer)}


# The statements of every assessment, built once (see engine.customers).
_LATEST_ASSESSMENT = (
    select(Assessment)
    .where(col(Assessment.customer_id) == bindparam("customer_id"))
    .order_by(col(Assessment.id).desc())
    .limit(1)
)
_EVENTS = (
    select(Event)
    .where(col(Event.customer_id) == bindparam("customer_id"))
    .order_by(col(Event.occurred_at), col(Event.id))
)
_OPEN_ALERTS = select(Alert).where(
    col(Alert.customer_id) == bindparam("customer_id"), col(Alert.status) == "open"
)
_OPEN_CASE = select(Case.id).where(
    col(Case.customer_id) == bindparam("customer_id"),
    col(Case.workflow_key) == bindparam("workflow_key"),
    col(Case.status) == CaseStatus.OPEN,
)


def latest_assessment(session: Session, customer_id: int) -> Assessment | None:
    return session.exec(_LATEST_ASSESSMENT, params={"customer_id": customer_id}).first()


def assessment_record(session: Session, customer: Customer) -> dict[str, Any]:
    """The customer's record plus `assessment` {tier, previous_tier, score}, as guards read it."""
    assert customer.id is not None
    latest = latest_assessment(session, customer.id)
    summary = None
    if latest is not None:
        summary = {
            "tier": latest.tier,
            "previous_tier": latest.previous_tier,
            "score": number(latest.score),
        }
    return {**customer_record(session, customer), "assessment": summary}


def customer_events(session: Session, customer_id: int, tz: tzinfo) -> list[dict[str, Any]]:
    """What rules read of the customer's events, oldest first, dates in `tz`."""
    rows = session.exec(_EVENTS, params={"customer_id": customer_id})
    # dsl.md §3: event dates are read in the workspace's time zone.
    return [
        {"kind": e.kind, "occurred_at": e.occurred_at.astimezone(tz), "payload": e.payload}
        for e in rows
    ]


def _same_result(previous: Assessment | None, ruleset: specs.LoadedSpec[Any], result: Any) -> bool:
    if previous is None:
        return False
    return (
        previous.ruleset_key == ruleset.key
        and previous.ruleset_version == ruleset.version
        # compared as parsed JSON: PostgreSQL's JSONB does not keep key order
        and previous.result == json.loads(json_dumps(result))
    )


def _raise_alerts(
    session: Session,
    customer: Customer,
    assessment: Assessment,
    alerts: list[dict[str, Any]],
    now: datetime,
    *,
    is_new: bool,
) -> None:
    """An Alert row for each alert not already open for this customer (same rule and message;
    a customer created in this transaction has none)."""
    assert customer.id is not None and assessment.id is not None
    if not alerts:
        return
    open_alerts = (
        set()
        if is_new
        else {
            (a.rule, a.message)
            for a in session.exec(_OPEN_ALERTS, params={"customer_id": customer.id})
        }
    )
    for alert in alerts:
        if (alert["rule"], alert["message"]) in open_alerts:
            continue
        session.add(
            Alert(
                customer_id=customer.id,
                assessment_id=assessment.id,
                rule=alert["rule"],
                severity=str(alert["severity"]),
                message=alert["message"],
                created_at=now,
            )
        )


def _has_open_case(session: Session, customer_id: int, workflow_key: str) -> bool:
    found = session.exec(
        _OPEN_CASE, params={"customer_id": customer_id, "workflow_key": workflow_key}
    ).first()
    return found is not None


def _start_workflows(
    session: Session,
    customer: Customer,
    record: Mapping[str, Any],
    *,
    actor: str | None,
    now: datetime,
    is_new: bool,
) -> tuple[list[int], bool]:
    assert customer.id is not None
    opened: list[int] = []
    terms_changed = False
    for workflow in specs.published_workflows(session):
        trigger = workflow.value.trigger
        if str(trigger.on) != TIER_CHANGED or not workflow.value.matches(record):
            continue
        if not is_new and _has_open_case(session, customer.id, workflow.key):
            continue
        applied = casework.open_case(
            session, workflow=workflow, customer=customer, record=record, actor=actor, now=now
        )
        assert applied.case.id is not None
        opened.append(applied.case.id)
        terms_changed = terms_changed or applied.terms_changed
    return opened, terms_changed


def assess_customer(
    session: Session,
    customer: Customer,
    *,
    actor: str | None,
    now: datetime,
    tz: tzinfo,
    is_new: bool = False,
    _depth: int = 0,
) -> Assessed:
    """Evaluate the scoring ruleset for `customer` and act on the result.

    A new Assessment row is stored unless the result equals the latest one under the same ruleset
    version; a changed tier (including the first assessment) is audited and starts every
    published `tier_changed` workflow whose trigger matches and which has no open case for this
    customer. `is_new`: the customer was created in this transaction and has nothing yet (no
    events, assessments, alerts or cases), which is then not queried. Raises NotConfiguredError
    when no template is imported.
    """
    assert customer.id is not None
    ruleset = specs.scoring_ruleset(session)
    as_of = now.astimezone(tz).date()
    record = customer_record(session, customer)
    result = ruleset.value.evaluate(
        record,
        events=[] if is_new else customer_events(session, customer.id, tz),
        as_of=as_of,
        # rules-language §5: money in another currency at the rate in force on as_of, to the
        # base currency the ruleset was compiled for
        fx=fx.rate_lookup(session, base_currency=ruleset.value.base_currency),
    )
    shadow.observe(session, customer, ruleset, result, record=record, as_of=as_of, tz=tz, now=now)
    result_dict = result.to_dict()
    sealed = crypto.sealed_fields(customer.data)
    if sealed:
        # stored results, their explanations and alert rows never hold a sensitive value in
        # clear: the rules read it, the assessment keeps its mask (docs/security.md)
        result_dict = forms.mask_result(result_dict, record, sensitive=sealed)
    previous = None if is_new else latest_assessment(session, customer.id)
    if _same_result(previous, ruleset, result_dict):
        return Assessed(assessment=None, tier_changed=False, latest=previous)

    previous_tier = customer.tier
    tier_changed = result.tier != previous_tier
    assessment = Assessment(
        customer_id=customer.id,
        ruleset_key=ruleset.key,
        ruleset_version=ruleset.version,
        as_of=as_of,
        score=result.score,
        tier=result.tier,
        previous_tier=previous_tier,
        result=result_dict,
        change=(
            change_record(session, previous=previous, result=result_dict) if tier_changed else None
        ),
        created_at=now,
    )
    session.add(assessment)
    session.flush()
    _raise_alerts(session, customer, assessment, result_dict["alerts"], now, is_new=is_new)
    update_versioned(
        session, customer, score=result.score, tier=result.tier, assessed_at=now, updated_at=now
    )
    audit.record(
        session,
        actor=actor,
        action="assessment.tier_changed" if tier_changed else "assessment.recorded",
        entity_kind="customer",
        entity_id=customer.external_ref,
        detail={
            "assessment_id": assessment.id,
            "ruleset": ruleset.key,
            "ruleset_version": ruleset.version,
            "score": number(result.score),
            "tier": result.tier,
            "previous_tier": previous_tier,
        },
        department=customer.department,
        customer_ref=customer.external_ref,
        now=now,
    )
    outcome = Assessed(assessment=assessment, tier_changed=tier_changed, latest=assessment)
    if not tier_changed:
        return outcome

    record = {
        **customer_record(session, customer),
        "assessment": {
            "tier": result.tier,
            "previous_tier": previous_tier,
            "score": number(result.score),
        },
    }
    opened, terms_changed = _start_workflows(
        session, customer, record, actor=actor, now=now, is_new=is_new
    )
    outcome.cases_opened.extend(opened)
    if terms_changed and _depth < MAX_RESCORE_DEPTH:
        again = assess_customer(session, customer, actor=actor, now=now, tz=tz, _depth=_depth + 1)
        outcome.cases_opened.extend(again.cases_opened)
        outcome.latest = again.latest
    return outcome
