"""Carrying out what a case's transition asks for beyond its own rows: terms changes (temporary
ones with their restoration), fields set, other workflows started, notifications, decisions on
held orders. One entry per effect type in `HANDLERS`.

Runs inside the caller's transaction; re-scoring the customer afterwards is the caller's
(`Carried.record_changed`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

import workflows
from engine import (
    casework,
    customer_data,
    notifications,
    specs,
    terms_restore,
)
from engine.models import Assessment, Case, Customer
from engine.terms import ChangeOrigin, change_terms


@dataclass(frozen=True, slots=True)
class EffectContext:
    """What every effect of one transition shares: the case, its customer (None for a case
    about no customer), who caused it, and the roles they act with."""

    session: Session
    case: Case
    customer: Customer | None
    state: workflows.CaseState
    actor: str | None
    actor_roles: Collection[str]
    now: datetime


@dataclass(slots=True)
class Carried:
    """What carrying out the effects did: whether the customer's terms or data changed (the
    caller re-scores them) and the cases started."""

    record_changed: bool = False
    cases_started: list[int] | None = None


def _ruleset_of(session: Session, case: Case) -> tuple[str | None, int | None]:
    """The ruleset version of the assessment the case opened on (None, None when unknown)."""
    assessment_id = (case.context.get("opened_with") or {}).get("assessment_id")
    assessment = session.get(Assessment, assessment_id) if isinstance(assessment_id, int) else None
    if assessment is None:
        return None, None
    return assessment.ruleset_key, assessment.ruleset_version


def _change_terms(ctx: EffectContext, effect: workflows.ChangeTerms, carried: Carried) -> None:
    if ctx.customer is None:
        return  # a case about no customer has no terms (its workflow's check refuses them)
    key, version = _ruleset_of(ctx.session, ctx.case)
    change = change_terms(
        ctx.session,
        ctx.customer,
        effect.values,
        case_id=ctx.case.id,
        actor=ctx.actor,
        now=ctx.now,
        missing=effect.missing,
        origin=ChangeOrigin(
            case_id=ctx.case.id,
            # the last person who acted approved it (an automatic escalation: nobody)
            approver=ctx.state.last_actor,
            ruleset_key=key,
            ruleset_version=version,
            restore_at=effect.until,
            restore_when=effect.restore_when,
        ),
    )
    if change is not None:
        terms_restore.schedule_restore(ctx.session, change, now=ctx.now)
        carried.record_changed = True
        # a computed field may read the terms (`outstanding_balance / credit_limit`)
        customer_data.recompute(
            ctx.session, ctx.customer, case_id=ctx.case.id, actor=ctx.actor, now=ctx.now
        )
        notifications.notify(
            ctx.session,
            recipients=notifications.ToOwner(),
            kind="terms_changed",
            params={},
            case=ctx.case,
            customer=ctx.customer,
            now=ctx.now,
        )


def _set_fields(ctx: EffectContext, effect: workflows.SetFields, carried: Carried) -> None:
    if ctx.customer is None:
        return
    changed = customer_data.set_fields(
        ctx.session,
        ctx.customer,
        effect.values,
        case_id=ctx.case.id,
        actor=ctx.actor,
        now=ctx.now,
    )
    carried.record_changed = carried.record_changed or bool(changed)


def _start_workflow(ctx: EffectContext, effect: workflows.StartWorkflow, carried: Carried) -> None:
    """Open a case of the published workflow `effect.key` for the same customer, unless one is
    open (its dedupe: a started workflow never runs twice at once)."""
    # engine.triggers imports this module (through engine.casework): imported when first used
    from engine import triggers

    if ctx.customer is None or ctx.customer.id is None:
        return
    published = {w.key: w for w in specs.published_workflows(ctx.session)}
    workflow = published.get(effect.key)
    if workflow is None or triggers.open_case_of(ctx.session, ctx.customer.id, effect.key):
        return
    from engine.evaluation import assessment_record

    applied = casework.open_case(
        ctx.session,
        workflow=workflow,
        customer=ctx.customer,
        record=assessment_record(ctx.session, ctx.customer),
        actor=ctx.actor,
        now=ctx.now,
        context={"reasons": [{"trigger": "started", "case_id": ctx.case.id, "step": effect.step}]},
    )
    assert applied.case.id is not None
    carried.cases_started = [*(carried.cases_started or []), applied.case.id]
    carried.record_changed = carried.record_changed or applied.terms_changed


def _recipients(effect: workflows.SendNotification) -> notifications.Recipients:
    """Whom a notification effect names: its `to` as written, else whom the case is assigned
    to now (a user, or a role's holders in a department — None: the customer's)."""
    if effect.to is not None:
        return notifications.recipients_for(effect.to)
    if effect.assigned_user is not None:
        return effect.assigned_user
    if effect.assigned_role is None:
        return []
    return notifications.ToRole(effect.assigned_role, effect.assigned_department)


def _notify(ctx: EffectContext, effect: workflows.SendNotification, carried: Carried) -> None:
    kind = str(effect.kind)
    params: dict[str, Any] = {"step": effect.step}
    if effect.kind is workflows.NotificationKind.NOTIFY:
        # a `notify` naming a template the notifications know says its sentence; else the
        # workflow's own message (`text`), introduced by the workflow's key
        if effect.template is not None and effect.template in notifications.KINDS:
            kind = effect.template
        else:
            params["workflow"] = ctx.case.workflow_key
    notifications.notify(
        ctx.session,
        recipients=_recipients(effect),
        kind=kind,
        params=params,
        text=effect.message,
        case=ctx.case,
        customer=ctx.customer,
        now=ctx.now,
    )


def _decide_order(ctx: EffectContext, effect: workflows.DecideOrder, carried: Carried) -> None:
    """Release or reject the held credit check of an order_held case, within the actor's
    overage authority (engine.credit_decisions refuses beyond it: the whole action is refused)."""
    # engine.credit_decisions reads customers, which read cases: imported when first used
    from engine import credit_decisions

    assert ctx.case.id is not None
    check_id = credit_decisions.held_check_of_case(ctx.session, ctx.case.id)
    if check_id is None:
        return  # closed or decided meanwhile (the integrator closed the order)
    credit_decisions.decide_order(
        ctx.session,
        check_id,
        str(effect.decision),
        actor=ctx.actor,
        actor_roles=ctx.actor_roles,
        now=ctx.now,
    )


Handler = Callable[[EffectContext, Any, Carried], None]

# One entry per effect type (workflows.Effect); an effect type without one fails loudly.
HANDLERS: Mapping[type, Handler] = {
    workflows.ChangeTerms: _change_terms,
    workflows.SetFields: _set_fields,
    workflows.StartWorkflow: _start_workflow,
    workflows.SendNotification: _notify,
    workflows.DecideOrder: _decide_order,
}


def carry_out(ctx: EffectContext, effects: tuple[workflows.Effect, ...]) -> Carried:
    """Carry out `effects` in order; returns what they did."""
    carried = Carried()
    for effect in effects:
        handler = HANDLERS.get(type(effect))
        if handler is None:
            raise TypeError(f"no handler for the workflow effect {type(effect).__name__}")
        handler(ctx, effect, carried)
    return carried
