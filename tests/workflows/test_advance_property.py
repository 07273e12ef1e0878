"""advance is pure and total: for generated workflows (and the example templates' workflows) and
random sequences of events at increasing times, every step either closes the case or leaves it
open with someone to act, and every deadline and timer it sets lies in the future.

The CI run is short; `pytest -m fuzz` runs the long version.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workflows
from engine.bundle import load_bundle
from tests.workflows.builders import (
    SPAN,
    action,
    approval,
    at,
    change_terms,
    do,
    escalate,
    notify,
    owner,
    role,
    task,
    user,
    values,
    workflow,
)
from tests.workflows.conftest import load_policy
from workflows import (
    CLOSED,
    AddReason,
    Calendar,
    CaseActionError,
    CaseState,
    Env,
    NotifyOp,
    Quorum,
    RecordChanged,
    SetFieldOp,
    StartOp,
    TakeAction,
    TimerFired,
    TimerRequest,
    Transition,
    Workflow,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DATA = Path(__file__).resolve().parent / "data"
ROLES = ("sales_manager", "department_head", "finance_head", "cfo", "admin")
ACTORS = ("li.wei", "zhang.min", "wang.fang", "chen.cfo")
ACTION_NAMES = ("approve", "reject", "submit", "close")
QUORUMS: tuple[Quorum | int, ...] = (Quorum.ANY, Quorum.ALL, 1, 2, 3)
START = at(6, 15)  # a Friday afternoon: business days reach over the weekend
RECORD: dict[str, Any] = {
    "name": "Acme Machining",
    "credit_limit": 1_000_000,
    "payment_terms_days": 60,
    "prepayment_pct": 0,
    "order_hold": False,
    "next_review_at": None,
    "max_overdue_days": 10,
    "assessment": {"tier": "high", "previous_tier": "medium", "score": 72},
}
CN = Calendar(
    name="cn",
    holidays=frozenset({date(2026, 3, 9), date(2026, 3, 10)}),
    workdays=frozenset({date(2026, 3, 7)}),
)

# --- generated workflows ---------------------------------------------------------------------

assignees = st.one_of(
    st.sampled_from(ROLES).map(role),
    st.sampled_from(ROLES).map(lambda r: role(r, "headquarters")),
    st.sampled_from(ACTORS).map(user),
    st.just(owner()),
)


@st.composite
def generated_workflows(draw: st.DrawFn) -> Workflow:
    task_ids = [f"t{i}" for i in range(draw(st.integers(1, 4)))]
    do_ids = [f"d{i}" for i in range(draw(st.integers(0, 2)))]
    targets = [*task_ids, *do_ids, CLOSED]
    steps = []
    for step_id in task_ids:
        names = draw(st.lists(st.sampled_from(ACTION_NAMES), min_size=1, max_size=3, unique=True))
        actions = [
            action(
                name,
                draw(st.sampled_from(targets)),
                requires_comment=draw(st.booleans()),
                form=draw(st.sampled_from([None, "proposal"])),
            )
            for name in names
        ]
        afters = draw(
            st.lists(st.sampled_from(["2h", "1d", "3bd"]), max_size=3, unique=True).map(
                lambda chosen: sorted(chosen, key=["2h", "1d", "3bd"].index)
            )
        )
        escalations = []
        for level, after in enumerate(afters, start=1):
            kind = draw(st.sampled_from(["to", "notify", "action", "all"]))
            escalations.append(
                escalate(
                    level,
                    after,
                    to=draw(assignees) if kind in ("to", "all") else None,
                    notify=notify(draw(st.one_of(st.none(), assignees)), template="late")
                    if kind in ("notify", "all")
                    else None,
                    action=draw(st.sampled_from(names)) if kind in ("action", "all") else None,
                )
            )
        sla = draw(st.sampled_from([None, "1h", "24h", "2bd"]))
        steps.append(
            task(
                step_id,
                draw(assignees),
                actions,
                sla=sla,
                escalations=escalations,
                approval=approval(
                    draw(st.sampled_from(QUORUMS)),
                    four_eyes=draw(st.booleans()),
                    name=draw(st.sampled_from(names)),
                )
                if draw(st.booleans())
                else None,
                remind=draw(st.lists(st.sampled_from(["30m", "4h", "1bd"]), max_size=2))
                if sla is not None
                else (),
            )
        )
    choices: list[workflows.Operation] = [
        change_terms(order_hold=True),
        change_terms(credit_limit="=credit_limit * 50%", until=workflows.parse_duration("2bd")),
        change_terms(payment_terms_days="=case.data.proposed_days", restore_when="order_hold"),
        NotifyOp(notify(role("cfo"), template="terms_changed"), SPAN),
        StartOp("other", SPAN),
        SetFieldOp(values(checked=True), SPAN),
    ]
    operations = st.sampled_from(choices)
    for step_id in do_ids:
        # a do step leads to a task step or closes: do steps never loop (the loader refuses it)
        steps.append(
            do(
                step_id,
                draw(st.lists(operations, min_size=1, max_size=3)),
                draw(st.sampled_from([*task_ids, CLOSED])),
            )
        )
    return workflow(
        steps,
        start=draw(st.sampled_from([*task_ids, *do_ids])),
        cancel_when=draw(st.sampled_from([None, "order_hold == true", "max_overdue_days > 90"])),
    )


def example_workflows() -> list[Workflow]:
    """The example templates' workflows and the guide's (docs/workflows.md, "Example")."""
    found: list[Workflow] = []
    for template in sorted(EXAMPLES.glob("*/template.yaml")):
        found.extend(d.value for d in load_bundle(template.parent).workflows)
    for name in ("credit_policy.yaml", "order_hold.yaml"):
        found.append(load_policy((DATA / name).read_text(encoding="utf-8"), filename=name))
    return found


# --- random events ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Act:
    action: str
    actor: str
    roles: frozenset[str]
    comment: str | None
    data: dict[str, Any] | None
    eligible: frozenset[str] | None
    system: bool


@dataclass(frozen=True)
class Tick:
    """Fire the earliest pending timer (at its due time, or now when that is later)."""


@dataclass(frozen=True)
class ChangeRecord:
    changes: dict[str, Any]


@dataclass(frozen=True)
class Reason:
    pass


def acts(names: Sequence[str]) -> st.SearchStrategy[Act]:
    return st.builds(
        Act,
        action=st.sampled_from([*names, "bogus"]),
        actor=st.sampled_from(ACTORS),
        roles=st.frozensets(st.sampled_from(ROLES)),
        comment=st.sampled_from([None, "", "  ", "looks fine"]),
        data=st.one_of(
            st.none(),
            st.fixed_dictionaries({"proposed_days": st.integers(0, 120)}),
            st.fixed_dictionaries({"note": st.text(max_size=5)}),
        ),
        eligible=st.one_of(st.none(), st.frozensets(st.sampled_from(ACTORS))),
        system=st.just(False),
    )


def events(names: Sequence[str]) -> st.SearchStrategy[list[tuple[int, Any]]]:
    """(minutes later, event) pairs."""
    one = st.one_of(
        acts(names),
        acts(names).map(lambda a: Act(**{**a.__dict__, "system": True})),
        st.just(Tick()),
        st.just(Tick()),
        st.builds(
            ChangeRecord,
            st.fixed_dictionaries(
                {
                    "order_hold": st.booleans(),
                    "max_overdue_days": st.sampled_from([None, 0, 95]),
                }
            ),
        ),
        st.just(Reason()),
    )
    later = st.sampled_from([0, 1, 30, 60 * 5, 60 * 24, 60 * 24 * 3])
    return st.lists(st.tuples(later, one), max_size=25)


environments = st.builds(
    Env,
    calendar=st.sampled_from([workflows.WEEKDAYS, CN]),
    tz=st.sampled_from([UTC, timezone(timedelta(hours=8))]),
    owner=st.sampled_from([None, "li.wei"]),
)


# --- the property -----------------------------------------------------------------------------


def check(flow: Workflow, transition: Transition, now: datetime) -> None:
    state = transition.state
    if state.is_open:
        step = flow.steps[state.step]
        assert not step.is_do, f"the case waits at do step {state.step}"
        assert state.assigned_role is not None or state.assigned_user is not None, (
            f"open case at {state.step} with nobody to act"
        )
        if state.entered_at == now and state.due_at is not None:
            assert state.due_at > now
    else:
        assert state.step == CLOSED and state.outcome
        assert state.assigned_role is None and state.due_at is None
    for timer in transition.timers_to_set:
        assert timer.due_at > now, f"timer {timer} set in the past"
    stored = CaseState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert stored == state


def run(flow: Workflow, env: Env, script: list[tuple[int, Any]]) -> None:
    now = START
    record = dict(RECORD)
    opened = workflows.start(flow, record=record, now=now, env=env)
    check(flow, opened, now)
    state = opened.state
    pending: list[TimerRequest] = list(opened.timers_to_set)
    for minutes, step in script:
        now += timedelta(minutes=minutes)
        event: workflows.Event
        if isinstance(step, Act):
            event = TakeAction(
                step.action,
                step.actor,
                step.roles,
                comment=step.comment,
                data=step.data,
                eligible=step.eligible,
                system=step.system,
            )
        elif isinstance(step, Tick):
            if not pending:
                continue
            pending.sort(key=lambda t: t.due_at)
            timer = pending.pop(0)
            now = max(now, timer.due_at)
            event = TimerFired(kind=timer.kind, due_at=timer.due_at, **timer.payload)
        elif isinstance(step, ChangeRecord):
            record.update(step.changes)
            event = RecordChanged()
        else:
            event = AddReason({"trigger": "manual"})
        try:
            transition = workflows.advance(flow, state, event, record=record, now=now, env=env)
        except CaseActionError:
            continue  # refused: nothing changes
        check(flow, transition, now)
        state = transition.state
        if transition.cancel_timers:
            pending.clear()
        pending.extend(transition.timers_to_set)


QUICK = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LONG = settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def generated_runs(draw: st.DrawFn) -> tuple[Workflow, Env, list[tuple[int, Any]]]:
    flow = draw(generated_workflows())
    return flow, draw(environments), draw(events(ACTION_NAMES))


@st.composite
def example_runs(draw: st.DrawFn) -> tuple[Workflow, Env, list[tuple[int, Any]]]:
    flow = draw(st.sampled_from(EXAMPLE_WORKFLOWS))
    names = sorted({name for step in flow.steps.values() for name in step.actions})
    return flow, draw(environments), draw(events(names))


EXAMPLE_WORKFLOWS = example_workflows()


def test_the_example_workflows_are_all_there() -> None:
    assert len(EXAMPLE_WORKFLOWS) >= 3


@QUICK
@given(generated_runs())
def test_generated_workflows_never_wait_for_nobody(
    case: tuple[Workflow, Env, list[tuple[int, Any]]],
) -> None:
    run(*case)


@QUICK
@given(example_runs())
def test_example_workflows_never_wait_for_nobody(
    case: tuple[Workflow, Env, list[tuple[int, Any]]],
) -> None:
    run(*case)


@pytest.mark.fuzz
@LONG
@given(generated_runs())
def test_generated_workflows_never_wait_for_nobody_long(
    case: tuple[Workflow, Env, list[tuple[int, Any]]],
) -> None:
    run(*case)


@pytest.mark.fuzz
@LONG
@given(example_runs())
def test_example_workflows_never_wait_for_nobody_long(
    case: tuple[Workflow, Env, list[tuple[int, Any]]],
) -> None:
    run(*case)
