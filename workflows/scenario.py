"""Scripted scenarios: a case run through `start`/`advance` from a YAML script, as a timeline.

Pure: the script gives every moment (`at`), nothing reads the clock. `read_scenario` checks the
script completely (positioned diagnostics, `ScenarioError`); `run_scenario` plays it against a
workflow the way the engine would (timers kept and fired in time order by `tick`, terms and
fields changed by the effects) and returns what happened at each moment.

```yaml
start: {at: 2026-03-02T09:00:00Z, owner: li.wei, record: {credit_limit: 1000000}}
events:
  - {at: 2026-03-02T10:00:00Z, action: propose_terms, actor: li.wei, roles: [sales_manager],
     data: {proposed_limit: 500000}}
  - {at: 2026-03-05T09:00:00Z, tick: true}          # fire every timer due by then
  - {at: 2026-03-05T10:00:00Z, record: {order_hold: true}}   # the customer's record changed
```
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from dsl import Diagnostic, DiagnosticsError, Span, YamlList, YamlMap, load_yaml
from dsl.diagnostics import error
from dsl.texts import N_, Text, described, text
from workflows.calendar import WEEKDAYS, Calendar
from workflows.errors import CaseActionError
from workflows.model import CLOSED, Workflow
from workflows.semantics import advance, start
from workflows.state import CaseState
from workflows.transitions import (
    ChangeReason,
    ChangeTerms,
    DecideOrder,
    Effect,
    Env,
    Event,
    RecordChanged,
    SendNotification,
    SetFields,
    StartWorkflow,
    TakeAction,
    TimerFired,
    TimerRequest,
    Transition,
)


class ScenarioError(DiagnosticsError):
    """A scenario file that cannot be run; `diagnostics` lists every problem found."""


@dataclass(frozen=True, slots=True)
class ActionStep:
    at: dt.datetime
    action: str
    actor: str
    roles: tuple[str, ...]
    span: Span
    comment: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    eligible: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class TickStep:
    """Fire every timer due by `at`, in time order."""

    at: dt.datetime
    span: Span


@dataclass(frozen=True, slots=True)
class RecordStep:
    """The customer's record changed: `changes` merged into it."""

    at: dt.datetime
    changes: Mapping[str, Any]
    span: Span


ScenarioStep = ActionStep | TickStep | RecordStep


@dataclass(frozen=True, slots=True)
class Scenario:
    at: dt.datetime
    record: Mapping[str, Any]
    owner: str | None
    steps: tuple[ScenarioStep, ...]


@dataclass(frozen=True, slots=True)
class Moment:
    """One line of the timeline: when, where the case is after it, to whom it is assigned, what
    happened, and what the engine would do."""

    at: dt.datetime
    step: str
    assignee: str
    happened: str
    effects: tuple[str, ...] = ()


# --- reading ----------------------------------------------------------------------------------

_TOP_KEYS = ("start", "events")
_START_KEYS = ("at", "record", "owner")
_ACTION_KEYS = ("at", "action", "actor", "roles", "comment", "data", "eligible")
_EVENT_KINDS = ("action", "tick", "record")


def read_scenario(source: str, *, filename: str) -> Scenario:
    """The scenario written in `source`; raises ScenarioError listing every problem."""
    document = load_yaml(source, filename=filename)
    problems: list[Diagnostic] = []
    reader = _Reader(filename, problems)
    top = reader.mapping(document, None, text(N_("the scenario")))
    if top is None:
        raise ScenarioError(problems)
    reader.keys(top, _TOP_KEYS, text(N_("in the scenario")))
    begin = reader.mapping(top.get("start"), top.key_span("start"), "'start'")
    if begin is None:
        raise ScenarioError(problems)
    reader.keys(begin, _START_KEYS, text(N_("in 'start'")))
    started = reader.moment(begin, "at")
    record = reader.mapping(begin.get("record", YamlMap()), begin.value_span("record"), "'record'")
    owner = reader.optional_text(begin, "owner")
    steps: list[ScenarioStep] = []
    items = top.get("events", YamlList())
    if not isinstance(items, list):
        problems.append(_wrong(text(N_("'events' as a list")), items, top.value_span("events")))
        items = []
    last = started
    for index, item in enumerate(items):
        span = items.item_span(index) if isinstance(items, YamlList) else top.span
        step = reader.step(item, span)
        if step is None:
            continue
        if last is not None and step.at < last:
            problems.append(
                error(
                    "scenario-time-order",
                    text(
                        N_("this event is at %(at)s, before the one above it (%(last)s)"),
                        at=step.at.isoformat(),
                        last=last.isoformat(),
                    ),
                    step.span,
                    hint=text(N_("list the events in time order")),
                )
            )
        last = step.at
        steps.append(step)
    if problems or started is None:
        raise ScenarioError(problems)
    return Scenario(at=started, record=dict(record or {}), owner=owner, steps=tuple(steps))


def _wrong(what: Text, found: Any, span: Span | None) -> Diagnostic:
    return error(
        "wrong-type",
        text(N_("expected %(what)s, found %(found)s"), what=what, found=described(found)),
        span,
    )


class _Reader:
    def __init__(self, filename: str, problems: list[Diagnostic]) -> None:
        self.filename = filename
        self.problems = problems

    def mapping(self, value: Any, span: Span | None, what: Text | str) -> YamlMap | None:
        """`value` when it is a mapping; otherwise a problem (`what`: a phrase, or a quoted key)."""
        if isinstance(value, YamlMap):
            return value
        self.problems.append(
            error(
                "wrong-type",
                text(
                    N_("expected %(what)s as a mapping, found %(found)s"),
                    what=what,
                    found=described(value),
                ),
                span or Span.point(self.filename, 1, 1),
            )
        )
        return None

    def keys(self, mapping: YamlMap, allowed: tuple[str, ...], where: Text) -> None:
        for key in mapping:
            if key not in allowed:
                self.problems.append(
                    error(
                        "unknown-key",
                        text(
                            N_("unknown key '%(key)s' %(where)s; expected one of %(allowed)s"),
                            key=str(key),
                            where=where,
                            allowed=", ".join(allowed),
                        ),
                        mapping.key_span(key),
                    )
                )

    def moment(self, mapping: YamlMap, key: str) -> dt.datetime | None:
        if key not in mapping:
            self.problems.append(
                error(
                    "missing-key",
                    text(N_("'%(key)s' is missing"), key=key),
                    mapping.span,
                    hint=text(N_("give the moment, like 2026-03-02T09:00:00Z")),
                )
            )
            return None
        value = mapping[key]
        moment: dt.datetime | None = None
        if isinstance(value, dt.datetime):
            moment = value
        elif isinstance(value, str):
            try:
                moment = dt.datetime.fromisoformat(value)
            except ValueError:
                moment = None
        if moment is None:
            self.problems.append(
                error(
                    "bad-time",
                    text(
                        N_("expected a moment such as 2026-03-02T09:00:00Z, found %(found)s"),
                        found=described(value),
                    ),
                    mapping.value_span(key),
                )
            )
            return None
        # a moment without offset is UTC, as everything the engine stores
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)

    def optional_text(self, mapping: YamlMap, key: str) -> str | None:
        value = mapping.get(key)
        if value is None or isinstance(value, str):
            return value
        self.problems.append(_wrong(text(N_("text")), value, mapping.value_span(key)))
        return None

    def texts(self, mapping: YamlMap, key: str) -> tuple[str, ...] | None:
        value = mapping.get(key)
        if value is None:
            return None
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        self.problems.append(_wrong(text(N_("a list of names")), value, mapping.value_span(key)))
        return None

    def step(self, item: Any, span: Span) -> ScenarioStep | None:
        mapping = self.mapping(item, span, text(N_("an event")))
        if mapping is None:
            return None
        kinds = [k for k in _EVENT_KINDS if k in mapping]
        if len(kinds) != 1:
            self.problems.append(
                error(
                    "scenario-event",
                    text(N_("an event has exactly one of 'action', 'tick' or 'record'")),
                    mapping.span,
                )
            )
            return None
        at = self.moment(mapping, "at")
        kind = kinds[0]
        if kind == "tick":
            self.keys(mapping, ("at", "tick"), text(N_("in a tick")))
            return TickStep(at=at, span=mapping.span) if at is not None else None
        if kind == "record":
            self.keys(mapping, ("at", "record"), text(N_("in a record change")))
            changes = self.mapping(mapping["record"], mapping.value_span("record"), "'record'")
            if at is None or changes is None:
                return None
            return RecordStep(at=at, changes=dict(changes), span=mapping.span)
        self.keys(mapping, _ACTION_KEYS, text(N_("in an action")))
        action = self.optional_text(mapping, "action")
        actor = self.optional_text(mapping, "actor")
        if actor is None:
            self.problems.append(
                error("missing-key", text(N_("'%(key)s' is missing"), key="actor"), mapping.span)
            )
        roles = self.texts(mapping, "roles") or ()
        data = mapping.get("data", YamlMap())
        data_map = self.mapping(data, mapping.value_span("data"), "'data'")
        comment = self.optional_text(mapping, "comment")
        eligible = self.texts(mapping, "eligible")
        if at is None or action is None or actor is None or data_map is None:
            return None
        return ActionStep(
            at=at,
            action=action,
            actor=actor,
            roles=roles,
            span=mapping.span,
            comment=comment,
            data=dict(data_map),
            eligible=eligible,
        )


# --- running ----------------------------------------------------------------------------------


def run_scenario(
    workflow: Workflow,
    scenario: Scenario,
    *,
    calendar: Calendar = WEEKDAYS,
    tz: dt.tzinfo = dt.UTC,
) -> tuple[Moment, ...]:
    """The timeline of `scenario` played against `workflow`. A refused action is a line of the
    timeline (what the user would be told), not an error."""
    env = Env(calendar=calendar, tz=tz, owner=scenario.owner)
    record = dict(scenario.record)
    opened = start(workflow, record=record, now=scenario.at, env=env)
    timeline = [_moment(scenario.at, opened, "opened", record)]
    state, pending = opened.state, list(opened.timers_to_set)
    for step in scenario.steps:
        if isinstance(step, TickStep):
            while due := sorted((t for t in pending if t.due_at <= step.at), key=_due):
                timer = due[0]
                pending.remove(timer)
                fire = TimerFired(kind=timer.kind, due_at=timer.due_at, **timer.payload)
                fired = advance(workflow, state, fire, record=record, now=timer.due_at, env=env)
                if fired.is_noop:
                    continue
                state = _kept(fired, pending)
                timeline.append(_moment(timer.due_at, fired, _timer_text(timer), record))
            continue
        event, what = _event(step, record)
        try:
            moved = advance(workflow, state, event, record=record, now=step.at, env=env)
        except CaseActionError as exc:
            timeline.append(
                Moment(step.at, state.step, _assignee(state), f"{what}: refused: {exc.reason}")
            )
            continue
        state = _kept(moved, pending)
        if moved.is_noop:
            what += ": no effect"
        timeline.append(_moment(step.at, moved, what, record))
    return tuple(timeline)


def _due(timer: TimerRequest) -> dt.datetime:
    return timer.due_at


def _kept(transition: Transition, pending: list[TimerRequest]) -> CaseState:
    if transition.cancel_timers:
        pending.clear()
    pending.extend(transition.timers_to_set)
    return transition.state


def _event(step: ActionStep | RecordStep, record: dict[str, Any]) -> tuple[Event, str]:
    if isinstance(step, RecordStep):
        record.update(step.changes)
        return RecordChanged(), f"record changed ({_assignments(step.changes)})"
    event = TakeAction(
        step.action,
        step.actor,
        step.roles,
        comment=step.comment,
        data=step.data,
        eligible=step.eligible,
    )
    return event, f"{step.actor} takes '{step.action}'"


def _timer_text(timer: TimerRequest) -> str:
    if timer.kind == "escalation":
        return f"escalation level {timer.payload.get('level')}"
    return f"{timer.kind} timer"


_REASONS = {
    ChangeReason.VOTE: "approval counted, quorum not reached",
    ChangeReason.SUPERSEDED: "closed as superseded (cancel_when)",
}


def _moment(at: dt.datetime, transition: Transition, what: str, record: dict[str, Any]) -> Moment:
    state = transition.state
    notes = [_REASONS[c.reason] for c in transition.history if c.reason in _REASONS]
    moves = [
        f"{c.from_step} → {c.to_step}"
        for c in transition.history
        if c.from_step and c.from_step != c.to_step
    ]
    happened = "; ".join([what, *moves, *notes])
    if any(c.to_step == CLOSED for c in transition.history):
        happened += f"; outcome {state.outcome}"
    effects = []
    for effect in transition.effects:
        effects.append(_effect_text(effect))
        if isinstance(effect, ChangeTerms | SetFields):
            record.update(effect.values)  # as the engine would apply them
    return Moment(at, state.step, _assignee(state), happened, tuple(effects))


def _assignee(state: CaseState) -> str:
    if not state.is_open:
        return "-"
    if state.assigned_user is not None:
        return f"user {state.assigned_user}"
    where = f" ({state.assigned_department})" if state.assigned_department else ""
    return f"role {state.assigned_role}{where}"


def _shown(value: Any) -> str:
    """A value as the timeline prints it: a date or moment in ISO 8601 (2026-06-03), a decimal
    as its digits, anything else as its repr (text quoted, True/False)."""
    if isinstance(value, dt.date):  # a datetime too
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return repr(value)


def _assignments(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{key}={_shown(value)}" for key, value in values.items())


def _effect_text(effect: Effect) -> str:
    if isinstance(effect, ChangeTerms):
        terms = _assignments(effect.values)
        extra = f" until {effect.until.isoformat()}" if effect.until else ""
        extra += f" or when {effect.restore_when}" if effect.restore_when else ""
        missing = f" (missing: {', '.join(effect.missing)})" if effect.missing else ""
        return f"change terms {terms}{extra}{missing}"
    if isinstance(effect, SendNotification):
        whom = (
            f"user {effect.assigned_user}"
            if effect.assigned_user
            else f"role {effect.assigned_role}"
        )
        about = f" '{effect.template}'" if effect.template else ""
        return f"notify {whom}: {effect.kind}{about}"
    if isinstance(effect, StartWorkflow):
        return f"start workflow {effect.key}"
    if isinstance(effect, SetFields):
        return "set fields " + _assignments(effect.values)
    assert isinstance(effect, DecideOrder)
    return f"{effect.decision} the held order"
