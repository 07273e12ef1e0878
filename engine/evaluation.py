"""The evaluation pipeline: score a customer with the scoring ruleset, store the assessment and its
alerts, and start the workflows a tier change triggers — all in the caller's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

import forms
import workflows as workflows_
from engine import (
    alerts,
    audit,
    case_events,
    crypto,
    fx,
    shadow,
    specs,
    terms_restore,
    triggers,
)
from engine.customer_flags import write_customer_flags
from engine.customer_query import tier_rank
from engine.explanations import PreviousAssessment, all_field_names, change_record
from engine.freshness import with_freshness
from engine.models import Assessment, Customer, Event
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


def customer_record(session: Session, customer: Customer, *, tz: tzinfo = UTC) -> dict[str, Any]:
    """What rules read: the customer's form data (sensitive values in clear), credit terms
    (JSON-native values) and when each field last changed, on dates in `tz` (for `updated()`
    and `source()`, engine.freshness)."""
    record = {**crypto.customer_data(session, customer), **terms_record(customer)}
    return with_freshness(record, customer.freshness, tz)


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


def latest_assessment(session: Session, customer_id: int) -> Assessment | None:
    return session.exec(_LATEST_ASSESSMENT, params={"customer_id": customer_id}).first()


def assessment_record(session: Session, customer: Customer, *, tz: tzinfo = UTC) -> dict[str, Any]:
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
    return {**customer_record(session, customer, tz=tz), "assessment": summary}


def customer_events(session: Session, customer_id: int, tz: tzinfo) -> list[dict[str, Any]]:
    """What rules read of the customer's events, oldest first, dates in `tz`."""
    rows = session.exec(_EVENTS, params={"customer_id": customer_id})
    # dsl.md §3: event dates are read in the workspace's time zone.
    return [
        {"kind": e.kind, "occurred_at": e.occurred_at.astimezone(tz), "payload": e.payload}
        for e in rows
    ]


def previous_of(assessment: Assessment | None) -> PreviousAssessment | None:
    """What a new assessment is compared with, from the stored latest one."""
    if assessment is None:
        return None
    assert assessment.id is not None
    return PreviousAssessment(
        id=assessment.id,
        ruleset_key=assessment.ruleset_key,
        ruleset_version=assessment.ruleset_version,
        as_of=assessment.as_of,
        result=assessment.result,
    )


def _same_result(
    previous: PreviousAssessment | None, ruleset: specs.LoadedSpec[Any], result: Any
) -> bool:
    if previous is None:
        return False
    return (
        previous.ruleset_key == ruleset.key
        and previous.ruleset_version == ruleset.version
        # compared as parsed JSON: PostgreSQL's JSONB does not keep key order
        and previous.result == json.loads(json_dumps(result))
    )


@dataclass(slots=True)
class NewAssessment:
    """The values of an Assessment row to store (a plain value: the bulk path inserts many
    without building a row object each); `id` is set once stored."""

    customer_id: int
    ruleset_key: str
    ruleset_version: int
    as_of: date
    score: float
    tier: str
    previous_tier: str | None
    result: dict[str, Any]
    change: dict[str, Any]
    created_at: datetime
    id: int | None = None

    def values(self) -> dict[str, Any]:
        """The row's columns but `id`."""
        return {
            "customer_id": self.customer_id,
            "ruleset_key": self.ruleset_key,
            "ruleset_version": self.ruleset_version,
            "as_of": self.as_of,
            "score": self.score,
            "tier": self.tier,
            "previous_tier": self.previous_tier,
            "result": self.result,
            "change": self.change,
            "created_at": self.created_at,
        }


def new_assessment(
    previous: PreviousAssessment | None,
    result_dict: dict[str, Any],
    *,
    customer_id: int,
    previous_tier: str | None,
    ruleset: specs.LoadedSpec[Any],
    as_of: date,
    now: datetime,
    names: Mapping[str, Mapping[str, str]],
) -> NewAssessment | None:
    """The assessment to store for a customer scored `result_dict` (masked, JSON-native), or
    None when nothing changed: the same result under the same ruleset version as `previous`.

    The one decision both the single update (`assess_customer`) and the bulk rescore
    (engine.rescoring) make; every new row records why it differs from `previous`
    (engine.explanations.change_record, fields named by `names`)."""
    if _same_result(previous, ruleset, result_dict):
        return None
    return NewAssessment(
        customer_id=customer_id,
        ruleset_key=ruleset.key,
        ruleset_version=ruleset.version,
        as_of=as_of,
        score=result_dict["score"],
        tier=result_dict["tier"],
        previous_tier=previous_tier,
        result=result_dict,
        change=change_record(
            previous=previous, result=result_dict, ruleset_version=ruleset.version, names=names
        ),
        created_at=now,
    )


def assessment_audit_detail(
    assessment: Assessment | NewAssessment, *, score: Any, previous_tier: str | None
) -> dict[str, Any]:
    """The detail of an assessment's audit row (`assessment.recorded` / `.tier_changed`)."""
    return {
        "assessment_id": assessment.id,
        "ruleset": assessment.ruleset_key,
        "ruleset_version": assessment.ruleset_version,
        "score": number(score),
        "tier": assessment.tier,
        "previous_tier": previous_tier,
    }


def _tier_changed(record: Mapping[str, Any]) -> workflows_.Occurrence:
    """The occurrence of a tier change, from a guard record (`guard_record`)."""
    assessment = dict(record.get("assessment") or {})
    return workflows_.Occurrence(
        kind=workflows_.TriggerKind.TIER_CHANGED,
        facts={"assessment": assessment},
        reason={"trigger": TIER_CHANGED, **assessment},
    )


def triggered_workflows(
    session: Session,
    customer_id: int,
    record: Mapping[str, Any],
    *,
    workflows: Sequence[specs.LoadedSpec[workflows_.Workflow]],
    is_new: bool = False,
) -> list[specs.LoadedSpec[workflows_.Workflow]]:
    """The `workflows` a tier change starts for the customer whose guard record is `record`:
    a `tier_changed` trigger that matches, and no case of that workflow open for them (a
    customer created in this transaction, `is_new`, has none)."""
    return [
        workflow
        for workflow in triggers.fired_workflows(_tier_changed(record), record, workflows)
        if is_new
        or triggers.open_case_of(session, customer_id, workflow.key) is None
        or workflow.value.dedupe is workflows_.Dedupe.ADD_REASON
    ]


def _start_workflows(
    session: Session,
    customer: Customer,
    record: Mapping[str, Any],
    *,
    actor: str | None,
    now: datetime,
    workflows: Sequence[specs.LoadedSpec[workflows_.Workflow]] | None = None,
    is_new: bool = False,
    assessment_id: int | None = None,
    tz: tzinfo = UTC,
) -> tuple[list[int], bool]:
    started = triggers.start_workflows(
        session,
        _tier_changed(record),
        customer=customer,
        record=record,
        actor=actor,
        now=now,
        tz=tz,
        published=workflows,
        is_new=is_new,
        assessment_id=assessment_id,
    )
    return started.opened, started.terms_changed


def score_record(
    ruleset: specs.LoadedSpec[Any],
    record: Mapping[str, Any],
    *,
    events: list[dict[str, Any]],
    as_of: date,
    rates: fx.RateLookup,
    sealed: frozenset[str],
) -> dict[str, Any]:
    """The ruleset's result for `record` and its `events` on `as_of`, JSON-native, with the
    values of the `sealed` (sensitive) fields masked: what an assessment stores."""
    result = ruleset.value.evaluate(
        record,
        events=events,
        as_of=as_of,
        # rules-language §5: money in another currency at the rate in force on as_of, to the
        # base currency the ruleset was compiled for
        fx=rates,
    )
    return stored_result(result, record, sealed=sealed)


def stored_result(
    result: Any, record: Mapping[str, Any], *, sealed: frozenset[str]
) -> dict[str, Any]:
    """A ruleset's `result` for `record` as an assessment stores it: JSON-native, the values of
    the `sealed` (sensitive) fields masked."""
    result_dict: dict[str, Any] = result.to_dict()
    if sealed:
        # stored results, their explanations and alert rows never hold a sensitive value in
        # clear: the rules read it, the assessment keeps its mask (docs/security.md)
        result_dict = dict(forms.mask_result(result_dict, record, sensitive=sealed))
    return result_dict


def assess_customer(
    session: Session,
    customer: Customer,
    *,
    actor: str | None,
    now: datetime,
    tz: tzinfo,
    is_new: bool = False,
    occurrences: Sequence[workflows_.Occurrence] = (),
    _depth: int = 0,
) -> Assessed:
    """Evaluate the scoring ruleset for `customer` and act on the result.

    `occurrences`: what else happened to the customer in this transaction (a field changed, an
    event arrived); with the alerts this assessment raises, they start their workflows once the
    assessment is stored (engine.triggers), their guards reading it.

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
    record = customer_record(session, customer, tz=tz)
    result = ruleset.value.evaluate(
        record,
        events=[] if is_new else customer_events(session, customer.id, tz),
        as_of=as_of,
        # rules-language §5: money in another currency at the rate in force on as_of, to the
        # base currency the ruleset was compiled for
        fx=fx.rate_lookup(session, base_currency=ruleset.value.base_currency),
    )
    shadow.observe(session, customer, ruleset, result, record=record, as_of=as_of, tz=tz, now=now)
    result_dict = stored_result(result, record, sealed=crypto.sealed_fields(customer.data))
    latest = None if is_new else latest_assessment(session, customer.id)
    previous_tier = customer.tier
    new = new_assessment(
        previous_of(latest),
        result_dict,
        customer_id=customer.id,
        previous_tier=previous_tier,
        ruleset=ruleset,
        as_of=as_of,
        now=now,
        names=all_field_names(session),
    )
    if new is None:
        outcome = Assessed(assessment=None, tier_changed=False, latest=latest)
        _after_assessment(
            session,
            customer,
            outcome,
            occurrences,
            actor=actor,
            now=now,
            tz=tz,
            depth=_depth,
            is_new=is_new,
        )
        return outcome

    assessment = Assessment(**new.values())
    tier_changed = assessment.tier != previous_tier
    session.add(assessment)
    session.flush()
    assert assessment.id is not None
    opened_alerts = alerts.track_one(
        session, customer, assessment.id, result_dict["alerts"], now=now, is_new=is_new
    )
    raised = [{"rule": a.rule, "severity": a.severity, "message": a.message} for a in opened_alerts]
    update_versioned(
        session,
        customer,
        score=result_dict["score"],
        tier=assessment.tier,
        tier_rank=tier_rank(ruleset.value.tiers, assessment.tier),
        assessed_at=now,
        updated_at=now,
    )
    write_customer_flags(
        session,
        {customer.id: result_dict["flags"]},
        are_new=is_new,
        latest=None if latest is None else {customer.id: latest.result.get("flags")},
    )
    audit.record(
        session,
        actor=actor,
        action="assessment.tier_changed" if tier_changed else "assessment.recorded",
        entity_kind="customer",
        entity_id=customer.external_ref,
        detail=assessment_audit_detail(
            assessment, score=result_dict["score"], previous_tier=previous_tier
        ),
        department=customer.department,
        customer_ref=customer.external_ref,
        now=now,
    )
    return act_on_assessment(
        session,
        customer,
        assessment,
        raised=raised,
        occurrences=occurrences,
        actor=actor,
        now=now,
        tz=tz,
        is_new=is_new,
        _depth=_depth,
    )


def act_on_assessment(
    session: Session,
    customer: Customer,
    assessment: Assessment,
    *,
    raised: Sequence[Mapping[str, Any]],
    occurrences: Sequence[workflows_.Occurrence],
    actor: str | None,
    now: datetime,
    tz: tzinfo,
    is_new: bool = False,
    _depth: int = 0,
) -> Assessed:
    """What follows the storing of `assessment` (its alerts `raised`, the customer's score and
    tier written, audited): a tier change starts its workflows, then the alerts raised and the
    other `occurrences` start theirs, temporary terms are restored when due and open cases
    superseded (`assess_customer`'s second half; the bulk import calls it for the customers
    `needs_acting` names)."""
    occurrences = [*(_alert_raised(alert) for alert in raised), *occurrences]
    tier_changed = assessment.tier != assessment.previous_tier
    outcome = Assessed(assessment=assessment, tier_changed=tier_changed, latest=assessment)
    if tier_changed:
        opened, again = _act_on_tier_change(
            session,
            customer,
            actor=actor,
            now=now,
            tz=tz,
            record=guard_record(customer_record(session, customer, tz=tz), assessment),
            workflows=None,
            is_new=is_new,
            depth=_depth,
            assessment_id=assessment.id,
        )
        outcome.cases_opened.extend(opened)
        if again is not None:
            # a case changed the terms and re-scored the customer: its latest is that one's
            outcome.latest = again.latest
    _after_assessment(
        session,
        customer,
        outcome,
        occurrences,
        actor=actor,
        now=now,
        tz=tz,
        depth=_depth,
        is_new=is_new,
    )
    return outcome


def needs_acting(
    record: Mapping[str, Any],
    assessment: Assessment | NewAssessment,
    *,
    workflows: Sequence[specs.LoadedSpec[workflows_.Workflow]],
) -> bool:
    """Whether `act_on_assessment` would do anything for a customer created in this transaction
    whose first `assessment` (every alert of it raised) was just stored and whose record is
    `record`: a workflow that its tier change or one of its alerts fires. Otherwise no case
    opens, so none is superseded and no terms change calls for a re-score."""
    guards, occurrences = first_occurrences(record, assessment)
    return any(triggers.fired_workflows(o, guards, workflows) for o in occurrences)


def first_occurrences(
    record: Mapping[str, Any], assessment: Assessment | NewAssessment
) -> tuple[dict[str, Any], list[workflows_.Occurrence]]:
    """What the first `assessment` of a customer created in this transaction (every alert of it
    raised) sets off, in the order `act_on_assessment` starts their workflows: the guard record
    (`guard_record` of the customer's `record`), then the tier change and each alert raised."""
    guards = guard_record(record, assessment)
    alerts_raised = [_alert_raised(alert) for alert in assessment.result["alerts"]]
    return guards, [_tier_changed(guards), *alerts_raised]


def _alert_raised(alert: Mapping[str, Any]) -> workflows_.Occurrence:
    """The occurrence of an alert just raised; guards read it as `raised_alert` (`alert` and
    `rule` are words of the rules language) beside the assessment of the guard record."""
    severity = str(alert["severity"])
    return workflows_.Occurrence(
        kind=workflows_.TriggerKind.ALERT_RAISED,
        facts={
            "raised_alert": {
                "rule_name": alert["rule"],
                "severity": severity,
                "message": alert["message"],
            }
        },
        reason={
            "trigger": str(workflows_.TriggerKind.ALERT_RAISED),
            "rule": alert["rule"],
            "severity": severity,
            "message": alert["message"],
        },
    )


def _after_assessment(
    session: Session,
    customer: Customer,
    outcome: Assessed,
    occurrences: Sequence[workflows_.Occurrence],
    *,
    actor: str | None,
    now: datetime,
    tz: tzinfo,
    depth: int,
    is_new: bool,
) -> None:
    """What the customer's record, as it now stands, settles: the `occurrences` start their
    workflows, and temporary terms changes whose `restore_when` holds are restored (the
    customer re-scored when terms changed)."""
    latest = outcome.latest
    if latest is None:
        return
    guards = None

    def record() -> dict[str, Any]:
        nonlocal guards
        if guards is None:
            guards = guard_record(customer_record(session, customer, tz=tz), latest)
        return guards

    terms_changed = False
    for occurrence in occurrences:
        started = triggers.start_workflows(
            session,
            occurrence,
            customer=customer,
            record=record(),
            actor=actor,
            now=now,
            tz=tz,
            assessment_id=latest.id,
        )
        outcome.cases_opened.extend(started.opened)
        if started.terms_changed:
            terms_changed, guards = True, None  # the next guard reads the new terms
    # a customer created in this transaction has no temporary terms change to restore
    restored = (
        []
        if is_new
        else terms_restore.restore_when_due(session, customer, record, actor=actor, now=now)
    )
    case_events.supersede_cases(session, customer, actor=actor, now=now, tz=tz)
    if (restored or terms_changed) and depth < MAX_RESCORE_DEPTH:
        again = assess_customer(session, customer, actor=actor, now=now, tz=tz, _depth=depth + 1)
        outcome.cases_opened.extend(again.cases_opened)
        outcome.latest = again.latest


def guard_record(
    record: Mapping[str, Any], assessment: Assessment | NewAssessment
) -> dict[str, Any]:
    """What workflow guards read after `assessment` was stored: the customer's record (form
    data in clear and terms) and `assessment` {tier, previous_tier, score}."""
    return {
        **record,
        "assessment": {
            "tier": assessment.tier,
            "previous_tier": assessment.previous_tier,
            "score": number(assessment.score),
        },
    }


def act_on_tier_change(
    session: Session,
    customer: Customer,
    *,
    actor: str | None,
    now: datetime,
    tz: tzinfo,
    record: Mapping[str, Any] | None = None,
    workflows: Sequence[specs.LoadedSpec[workflows_.Workflow]] | None = None,
    is_new: bool = False,
    _depth: int = 0,
) -> list[int]:
    """Start the workflows the tier change just stored for `customer` triggers (its `tier`
    and latest assessment already written); returns the ids of the cases opened.

    `record` (`guard_record`) and the published `workflows` are read when not given. A case
    that changes the customer's terms re-scores them (bounded by MAX_RESCORE_DEPTH), as a
    terms change does anywhere."""
    opened, _ = _act_on_tier_change(
        session,
        customer,
        actor=actor,
        now=now,
        tz=tz,
        record=record,
        workflows=workflows,
        is_new=is_new,
        depth=_depth,
    )
    return opened


def _act_on_tier_change(
    session: Session,
    customer: Customer,
    *,
    actor: str | None,
    now: datetime,
    tz: tzinfo,
    record: Mapping[str, Any] | None,
    workflows: Sequence[specs.LoadedSpec[workflows_.Workflow]] | None,
    is_new: bool,
    depth: int,
    assessment_id: int | None = None,
) -> tuple[list[int], Assessed | None]:
    """`act_on_tier_change`, and what the re-score after a terms change did (None: none)."""
    assert customer.id is not None
    if record is None:
        latest = latest_assessment(session, customer.id)
        assert latest is not None
        record = guard_record(customer_record(session, customer, tz=tz), latest)
    opened, terms_changed = _start_workflows(
        session,
        customer,
        record,
        actor=actor,
        now=now,
        workflows=workflows,
        is_new=is_new,
        assessment_id=assessment_id,
        tz=tz,
    )
    if not terms_changed or depth >= MAX_RESCORE_DEPTH:
        return opened, None
    again = assess_customer(session, customer, actor=actor, now=now, tz=tz, _depth=depth + 1)
    return opened + again.cases_opened, again
