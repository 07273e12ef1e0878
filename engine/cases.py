"""Cases: the inbox, one case with its history, and taking an action on it.

An action runs workflows.advance on the exact workflow version the case started with, against the
customer's current record, and writes the result through engine.casework; a credit-terms change
re-scores the customer before the response returns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import and_, false, func, or_, true
from sqlmodel import Session, col, select

import workflows
from engine import case_events, casework, spec_changes, specs
from engine.access import Access
from engine.case_actors import Acting, acting, case_department, delegators_access
from engine.comments import checked_comment
from engine.customer_data import validated_data
from engine.errors import (
    N_,
    ConflictError,
    EngineError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
)
from engine.models import Case, CaseStatus, CaseTransition, Customer
from engine.pagination import clamp_limit, decode_cursor, encode_cursor
from engine.scoping import Scope, ensure_within, is_within
from engine.types import is_row_id
from engine.users import role_holders
from engine.views import CaseSummary, CaseTransitionView, CaseView, Page


def _label(loaded: specs.LoadedSpec[workflows.Workflow]) -> dict[str, str]:
    """The workflow's label by language, as published (its key where it has none)."""
    label = loaded.meta.get("label")
    return dict(label) if label else {"en": loaded.key}


def _step_label(workflow: workflows.Workflow, step: str) -> dict[str, str]:
    """The step's title in each language (`closed` included, in words: pages translate it)."""
    return {language: workflow.step_title(step, language) for language in workflows.LANGUAGES}


def _summary(
    case: Case,
    customer: Customer | None,
    label: dict[str, str],
    workflow: workflows.Workflow,
) -> CaseSummary:
    assert case.id is not None
    return CaseSummary(
        id=case.id,
        workflow_key=case.workflow_key,
        workflow_version=case.workflow_version,
        workflow_label=label,
        customer_ref=customer.external_ref if customer is not None else None,
        customer_name=customer.name if customer is not None else None,
        department=customer.department if customer is not None else None,
        status=case.status,
        step=case.step,
        assigned_role=case.assigned_role,
        due_at=case.due_at,
        escalation_level=case.escalation_level,
        outcome=case.outcome,
        opened_at=case.opened_at,
        closed_at=case.closed_at,
        row_version=case.row_version,
        step_label=_step_label(workflow, case.step),
        outcome_label={
            language: workflow.outcome_title(case.outcome, language)
            for language in workflows.LANGUAGES
        }
        if case.outcome
        else {},
    )


def case_summaries(session: Session, cases: Sequence[Case]) -> tuple[CaseSummary, ...]:
    """Summaries of `cases`, in the order given, with their customers and workflow labels."""
    if not cases:
        return ()
    wanted = {case.customer_id for case in cases if case.customer_id is not None}
    customers = {
        c.id: c for c in session.exec(select(Customer).where(col(Customer.id).in_(wanted)))
    }
    loaded = {
        (key, version): specs.load_workflow(session, key, version)
        for key, version in {(c.workflow_key, c.workflow_version) for c in cases}
    }
    return tuple(
        _summary(
            case,
            customers[case.customer_id] if case.customer_id is not None else None,
            _label(loaded[(case.workflow_key, case.workflow_version)]),
            loaded[(case.workflow_key, case.workflow_version)].value,
        )
        for case in cases
    )


def list_cases(
    session: Session,
    *,
    status: str | None = None,
    roles: Iterable[str] | None = None,
    assigned_to: Access | None = None,
    scope: Scope = None,
    spec_changes: bool = False,
    actor: str | None = None,
    now: datetime | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[CaseSummary]:
    """Cases in id order; `status` open/closed; `roles` given: only cases assigned to one of them;
    `assigned_to` given: only the cases `actor` holding that access may act on (`actionable`:
    by role for the case's department, by name, or for someone they stand in for at `now`);
    only customers within `scope` (engine.scoping); cases about no customer (ruleset_change)
    only with `spec_changes` (for holders of specs:publish, in no department).

    Raises InvalidRequestError for an unknown status, a foreign cursor or a limit below 1.
    """
    size = clamp_limit(limit)
    query = select(Case)
    if status is not None:
        if status not in (CaseStatus.OPEN, CaseStatus.CLOSED):
            raise InvalidRequestError(
                N_("status must be 'open' or 'closed', got '%(status)s'"), status=status
            )
        query = query.where(Case.status == status)
    if roles is not None:
        query = query.where(col(Case.assigned_role).in_(set(roles)))
    query = query.outerjoin(Customer, col(Customer.id) == col(Case.customer_id))
    visible = _visible(scope, spec_changes=spec_changes)
    if assigned_to is not None:
        visible = actionable(session, assigned_to, actor=actor, now=now, visible=visible)
    query = query.where(visible)
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(col(Case.id) > after)
    rows = session.exec(query.order_by(col(Case.id)).limit(size + 1)).all()
    items = case_summaries(session, rows[:size])
    next_cursor = encode_cursor(items[-1].id) if len(rows) > size else None
    return Page(items=items, next_cursor=next_cursor)


def _visible(scope: Scope, *, spec_changes: bool) -> Any:
    """The condition 'a case of a customer within `scope` (or whose step names a department
    within it), or (with `spec_changes`) a case about no customer'."""
    if scope is None:
        within: Any = true()
    elif not scope:
        within = false()
    else:
        departments = sorted(scope)
        within = or_(
            col(Customer.department).in_(departments),
            col(Case.assigned_department).in_(departments),
        )
    of_customer = and_(col(Case.customer_id).is_not(None), within)
    if not spec_changes:
        return of_customer
    return or_(of_customer, col(Case.customer_id).is_(None))


def _assigned_to(access: Access) -> Any:
    """The condition 'assigned to a role `access` holds for the case's department' (the one
    its step names, else the customer's; for a case about no customer: `access` may publish,
    engine.spec_changes)."""
    held: list[Any] = [col(Case.assigned_role).in_(sorted(access.roles_everywhere))]
    department_of_case = func.coalesce(col(Case.assigned_department), col(Customer.department))
    for department, roles in sorted(access.roles_by_department.items()):
        held.append(
            and_(department_of_case == department, col(Case.assigned_role).in_(sorted(roles)))
        )
    of_customer = and_(col(Case.customer_id).is_not(None), or_(*held))
    if not spec_changes.may_publish(access):
        return of_customer
    about_none = and_(
        col(Case.customer_id).is_(None), col(Case.assigned_role) == spec_changes.PUBLISHER_ROLE
    )
    return or_(of_customer, about_none)


def _mine(people: Sequence[tuple[str | None, Access]]) -> Any:
    """The condition 'one of `people` may act on it': assigned to a role their access holds
    (for the case's department, engine.cases), unless the step is for one user; or to them by
    name (an owner or named-user assignee)."""
    mine = []
    for name, held in people:
        mine.append(and_(col(Case.assigned_user).is_(None), _assigned_to(held)))
        if name is not None:
            mine.append(col(Case.assigned_user) == name)
    return or_(*mine)


def actionable(
    session: Session,
    access: Access,
    *,
    actor: str | None,
    now: datetime | None,
    visible: Any,
) -> Any:
    """The condition 'the caller may act on it now': `visible` to them and theirs by role or
    name, or (at `now`) the step of someone they stand in for as a delegate, wherever the
    delegate's own scope ends (engine.case_actors)."""
    own = and_(visible, _mine([(actor, access)]))
    stood_in = delegators_access(session, actor, now) if actor and now else ()
    if not stood_in:
        return own
    return or_(own, and_(col(Case.customer_id).is_not(None), _mine(stood_in)))


def _no_case(case_id: int) -> NotFoundError:
    return NotFoundError(N_("there is no case %(id)s"), id=case_id)


def _find_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id) if is_row_id(case_id) else None
    if case is None:
        raise _no_case(case_id)
    return case


def _customer(session: Session, case: Case) -> Customer | None:
    if case.customer_id is None:
        return None
    customer = session.get(Customer, case.customer_id)
    assert customer is not None
    return customer


def _ensure_visible(
    case: Case, customer: Customer | None, *, access: Access | None, scope: Scope
) -> None:
    """Raise NotFoundError when the caller may not see the case: a customer outside `scope`
    (unless the step names a department within it); about no customer, a caller who may not
    publish (or, without `access`, a scoped one)."""
    assert case.id is not None
    case_id = case.id
    if customer is not None:
        if case.assigned_department is not None and is_within(case.assigned_department, scope):
            return
        ensure_within(customer.department, scope, missing=_no_case(case_id))
        return
    if access is not None and not spec_changes.may_publish(access):
        raise _no_case(case_id)
    if access is None and scope is not None:
        raise _no_case(case_id)


def case_view(
    session: Session,
    case: Case,
    *,
    roles: Iterable[str],
    actor: str | None = None,
    on_behalf_of: str | None = None,
) -> CaseView:
    """`case` with its history and the actions `actor` may take with `roles` (for
    `on_behalf_of`, as their delegate): none barred by four eyes or a vote already cast."""
    assert case.id is not None
    customer = _customer(session, case)
    workflow = specs.load_workflow(session, case.workflow_key, case.workflow_version)
    summary = _summary(case, customer, _label(workflow), workflow.value)
    history = session.exec(
        select(CaseTransition)
        .where(CaseTransition.case_id == case.id)
        .order_by(col(CaseTransition.id))
    )
    actions: tuple[str, ...] = ()
    if case.status == CaseStatus.OPEN:
        state = casework.case_state(case)
        actions = workflows.available_actions(
            workflow.value, state, tuple(roles), actor=actor, on_behalf_of=on_behalf_of
        )
    return CaseView(
        **{name: getattr(summary, name) for name in CaseSummary.__dataclass_fields__},
        history=tuple(
            CaseTransitionView(
                id=t.id or 0,
                from_step=t.from_step,
                to_step=t.to_step,
                action=t.action,
                reason=t.reason,
                assigned_role=t.assigned_role,
                actor=t.actor,
                comment=t.comment,
                data=dict(t.data),
                at=t.at,
                on_behalf_of=t.on_behalf_of,
            )
            for t in history
        ),
        available_actions=actions,
        state=dict(case.state),
        spec_change=dict(case.context["spec_change"]) if case.customer_id is None else None,
        acting_for=on_behalf_of if actions else None,
    )


def get_case(
    session: Session,
    case_id: int,
    *,
    roles: Iterable[str] = (),
    access: Access | None = None,
    scope: Scope = None,
    actor: str | None = None,
    now: datetime | None = None,
) -> CaseView:
    """Case `case_id` with its history and the actions `actor` may take (with `roles`, or the
    roles `access` holds for the case's department; as a delegate at `now`, engine.case_actors).
    Raises NotFoundError (also for a case outside `scope`)."""
    case = _find_case(session, case_id)
    customer = _customer(session, case)
    how = acting(session, case, customer, actor=actor, access=access, roles=roles, now=now)
    if how.on_behalf_of is None:  # a delegate sees the cases they may act on for someone
        _ensure_visible(case, customer, access=access, scope=scope)
    return case_view(session, case, roles=how.roles, actor=actor, on_behalf_of=how.on_behalf_of)


def _action_names(workflow: workflows.Workflow, step: str) -> set[str]:
    step_def = workflow.steps.get(step)
    return set(step_def.actions) if step_def is not None else set()


def _refused(
    error: type[EngineError], exc: workflows.CaseActionError, step: workflows.Step | None
) -> EngineError:
    """`error` saying why workflows refused the action, in its message id when it has one (the
    step and action named by their labels where they have one)."""
    if exc.message is None:
        return error(exc.reason)
    message = workflows.titled(exc.message, step) if step is not None else exc.message
    return error(message.id, **message.params)


def _form_data(
    session: Session,
    workflow: workflows.Workflow,
    step: str,
    action: str,
    data: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The data of `action`'s form, checked against that form (paths under `data`); the data
    as sent when the action has no form. Raises DataValidationError, nothing stored."""
    step_def = workflow.steps.get(step)
    definition = step_def.actions.get(action) if step_def is not None else None
    if definition is None or definition.form is None:
        return dict(data or {})
    form = specs.load_form(session, definition.form)
    return validated_data(form.value, data or {})


def _eligible(
    session: Session,
    case: Case,
    customer: Customer | None,
    workflow: workflows.Workflow,
    action: str,
) -> frozenset[str] | None:
    """Who may approve at the case's step now, for a quorum of `all`: the active users holding
    its assigned role for the customer's department (or a grant everywhere). None when the step
    has no such quorum (nothing to count)."""
    step = workflow.steps.get(case.step)
    approval = step.approval if step is not None else None
    if approval is None or approval.action != action or approval.quorum != workflows.Quorum.ALL:
        return None
    return role_holders(session, case.assigned_role, case_department(case, customer))


def take_action(
    session: Session,
    case_id: int,
    action: str,
    *,
    actor: str,
    roles: Iterable[str] = (),
    access: Access | None = None,
    scope: Scope = None,
    comment: str | None = None,
    data: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    now: datetime,
    tz: tzinfo = UTC,
) -> CaseView:
    """Take `action` on an open case as `actor` holding `roles`; returns the case afterwards.

    A `do` step reached by the action runs before this returns (terms changed, customer
    re-scored in workspace time zone `tz`). Raises NotFoundError (no such case),
    InvalidRequestError (the current step has no such action, or a required comment is missing),
    PermissionDeniedError (the action exists but `roles` may not take it), ConflictError (the
    case is closed, or not at `expected_version`). A caller standing in for a user at `now`
    (engine.delegations) acts with that user's roles when their own do not reach the step; the
    history records whom for.
    """
    # Case, timers, customer: locked first, before the audit head (engine.casework, lock order).
    locked = casework.lock_case(session, case_id)
    if locked is None:
        raise _no_case(case_id)
    case, customer = locked.case, locked.customer
    how = acting(session, case, customer, actor=actor, access=access, roles=roles, now=now)
    if how.on_behalf_of is None:  # a delegate may act where their delegator may
        _ensure_visible(case, customer, access=access, scope=scope)
    roles = how.roles
    comment = checked_comment(comment)
    if case.status != CaseStatus.OPEN:
        raise ConflictError(N_("case %(id)s is closed; no action can be taken on it"), id=case_id)
    if expected_version is not None and expected_version != case.row_version:
        raise ConflictError(
            N_(
                "case %(id)s changed meanwhile (you have version %(expected)s, it is at "
                "%(version)s); reload it and try again"
            ),
            id=case_id,
            expected=expected_version,
            version=case.row_version,
        )
    workflow = specs.load_workflow(session, case.workflow_key, case.workflow_version)
    if action not in _action_names(workflow.value, case.step):
        raise InvalidRequestError(
            N_("step '%(step)s' has no action '%(action)s'"), step=case.step, action=action
        )
    if customer is None:
        spec_changes.check_decision(session, case, action, actor=actor)
    form_data = _form_data(session, workflow.value, case.step, action, data)
    event = workflows.TakeAction(
        action=action,
        actor=actor,
        actor_roles=roles,
        comment=comment,
        data=form_data,
        eligible=_eligible(session, case, customer, workflow.value, action),
        on_behalf_of=how.on_behalf_of,
    )
    try:
        case_events.advance_case(
            session,
            locked,
            event,
            audit_action="case.action",
            actor=actor,
            actor_roles=roles,
            on_behalf_of=how.on_behalf_of,
            action=action,
            comment=comment,
            data=data,
            expected_version=case.row_version,
            now=now,
            tz=tz,
        )
    except workflows.CommentRequired as exc:
        raise InvalidRequestError(
            N_("'%(action)s' at step '%(step)s' requires a comment"),
            action=exc.action,
            step=exc.step,
        ) from exc
    except workflows.FourEyesRefused as exc:
        raise _refused(PermissionDeniedError, exc, workflow.value.steps.get(case.step)) from exc
    except workflows.AlreadyVoted as exc:
        raise _refused(ConflictError, exc, workflow.value.steps.get(case.step)) from exc
    except workflows.ActionNotAllowed as exc:
        if case.assigned_role in roles and case.assigned_user is None:
            raise PermissionDeniedError(exc.reason) from exc
        # workflows.advance's own sentence for an actor without the step's role, as a message id
        raise PermissionDeniedError(
            N_(
                "'%(action)s' at step '%(step)s' is for role '%(role)s', which %(actor)s does "
                "not hold"
            ),
            action=exc.action,
            step=exc.step,
            role=case.assigned_user or case.assigned_role,
            actor=actor,
        ) from exc
    if customer is None:
        spec_changes.settle(session, case, actor=actor, now=now)
    return _view_after(session, case, customer, actor=actor, access=access, how=how, now=now)


def _view_after(
    session: Session,
    case: Case,
    customer: Customer | None,
    *,
    actor: str,
    access: Access | None,
    how: Acting,
    now: datetime,
) -> CaseView:
    """The case after an action: the actions open to `actor` at the step it is at now (their
    roles there may differ from those they acted with)."""
    if access is not None:
        how = acting(session, case, customer, actor=actor, access=access, now=now)
    return case_view(session, case, roles=how.roles, actor=actor, on_behalf_of=how.on_behalf_of)
