"""Reading the `steps` of a workflow file: task steps, do steps, assignees, escalations, actions.

Pure. Part of the loader (`workflows.loader`); collects positioned diagnostics as it goes. The
operations of do steps are read by `workflows.operation_reader`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from types import MappingProxyType
from typing import Any

from dsl import Diagnostic, Span, YamlMap
from dsl.diagnostics import error, warning
from dsl.texts import N_, Text, described, did_you_mean, text
from workflows.approval_reader import ApprovalReader
from workflows.assignee_reader import AssigneeReader
from workflows.escalation_reader import EscalationReader
from workflows.graph import StepShape
from workflows.model import (
    CLOSED,
    Action,
    Step,
)
from workflows.operation_reader import OperationReader
from workflows.reading import (
    check_keys,
    expect_identifier,
    expect_map,
    is_identifier,
    read_duration,
    read_flag,
    read_label,
    require,
)

TASK_STEP_KEYS = ("assignee", "sla", "remind", "escalate", "approval", "actions")
DO_STEP_KEYS = ("do", "to")
STEP_KEYS = (*TASK_STEP_KEYS, *DO_STEP_KEYS, "label")
ACTION_KEYS = ("to", "outcome", "requires_comment", "form", "label")


class StepReader:
    """Reads the steps of one workflow document, collecting diagnostics instead of stopping."""

    def __init__(
        self,
        *,
        assignees: AssigneeReader,
        operations: OperationReader,
        forms: Collection[str] | None,
        diagnostics: list[Diagnostic],
    ) -> None:
        self.assignees = assignees
        self.escalation_reader = EscalationReader(assignees=assignees, diagnostics=diagnostics)
        self.approvals = ApprovalReader(diagnostics=diagnostics)
        self.operations = operations
        self.forms = None if forms is None else tuple(forms)
        self.diagnostics = diagnostics
        self.step_ids: tuple[str, ...] = ()
        self.steps_readable = False
        self.shapes: dict[str, StepShape] = {}

    def error(self, code: str, message: Text, span: Span, hint: Text | None = None) -> None:
        self.diagnostics.append(error(code, message, span, hint))

    def steps(self, top: YamlMap) -> dict[str, Step]:
        steps = expect_map(
            top["steps"],
            top.value_span("steps"),
            what=text(N_("a mapping of step ids to steps")),
            diagnostics=self.diagnostics,
        )
        if steps is None:
            return {}
        if not steps:
            self.error(
                "wrong-type",
                text(N_("a workflow needs at least one step")),
                top.value_span("steps"),
            )
        self.steps_readable = True
        self.step_ids = tuple(
            str(step_id) for step_id in steps if is_identifier(step_id) and step_id != CLOSED
        )
        result: dict[str, Step] = {}
        for step_id in steps:
            span = steps.key_span(step_id)
            if not is_identifier(step_id):
                self.error(
                    "bad-id",
                    text(
                        N_(
                            "a step id must be a name of letters, digits and '_' not "
                            "starting with a digit, found %(found)s"
                        ),
                        found=described(step_id),
                    ),
                    span,
                )
                continue
            if step_id == CLOSED:
                self.error(
                    "reserved-step-id",
                    text(
                        N_("a step cannot be named '%(closed)s': 'to: %(closed)s' ends the case"),
                        closed=CLOSED,
                    ),
                    span,
                )
                continue
            body = expect_map(
                steps[step_id],
                steps.value_span(step_id),
                what=text(N_("the definition of step '%(step)s' (a mapping)"), step=step_id),
                diagnostics=self.diagnostics,
            )
            if body is None:
                continue
            self.shapes[step_id] = _shape(step_id, body, span)
            step = self.step(step_id, body, span)
            if step is not None:
                result[step_id] = step
        return result

    def step(self, step_id: str, body: YamlMap, span: Span) -> Step | None:
        where = text(N_("in step '%(step)s'"), step=step_id)
        check_keys(body, allowed=STEP_KEYS, where=where, diagnostics=self.diagnostics)
        if "do" in body:
            return self.do_step(step_id, body, span)
        if "to" in body:
            self.error(
                "to-on-task-step",
                text(
                    N_(
                        "'to' %(where)s belongs to a do step; a step with an assignee moves on "
                        "through its actions"
                    ),
                    where=where,
                ),
                body.key_span("to"),
            )
        has_actions = "actions" in body
        if not has_actions:
            self.error("no-actions", _no_actions(step_id), span)
        ok = has_actions and require(
            body, ("assignee",), where=where, span=span, diagnostics=self.diagnostics
        )
        assignee = (
            self.assignees.assignee(body, "assignee", where=where) if "assignee" in body else None
        )
        sla = read_duration(body, "sla", diagnostics=self.diagnostics) if "sla" in body else None
        actions = self.actions(step_id, body) if has_actions else None
        reminders = (
            self.escalation_reader.reminders(body, sla=sla, where=where) if "remind" in body else ()
        )
        escalations = (
            self.escalation_reader.escalations(body, actions=actions, where=where)
            if "escalate" in body
            else ()
        )
        approval = (
            self.approvals.approval(body, actions, where=where) if "approval" in body else None
        )
        if not ok or assignee is None or actions is None:
            return None
        if (
            escalations is None
            or reminders is None
            or ("sla" in body and sla is None)
            or ("approval" in body and approval is None)
        ):
            return None
        if approval is not None and not self.approvals.quorum_fits(
            approval, assignee, escalations, where=where
        ):
            return None
        self.approvals.comments_on_escalation(escalations, actions)
        return Step(
            id=step_id,
            assignee=assignee,
            sla=sla,
            escalations=escalations,
            actions=MappingProxyType(actions),
            do=None,
            to=None,
            span=span,
            approval=approval,
            reminders=reminders,
            label=self.label(body),
        )

    def do_step(self, step_id: str, body: YamlMap, span: Span) -> Step | None:
        where = text(N_("in step '%(step)s'"), step=step_id)
        for key in TASK_STEP_KEYS:
            if key in body:
                self.error(
                    "do-step-with-task-keys",
                    text(
                        N_("do step '%(step)s' runs by itself: it takes no '%(key)s'"),
                        step=step_id,
                        key=key,
                    ),
                    body.key_span(key),
                )
        has_to = require(
            body,
            ("to",),
            where=text(N_("in do step '%(step)s'"), step=step_id),
            span=span,
            diagnostics=self.diagnostics,
        )
        to = self.target(body, "to", allow_closed=True) if has_to else None
        operations = self.operations.read(body, where=where)
        if to is None or operations is None:
            return None
        return Step(
            id=step_id,
            assignee=None,
            sla=None,
            escalations=(),
            actions=MappingProxyType({}),
            do=operations,
            to=to,
            span=span,
            label=self.label(body),
        )

    def actions(self, step_id: str, body: YamlMap) -> dict[str, Action] | None:
        actions = expect_map(
            body["actions"],
            body.value_span("actions"),
            what=text(N_("a mapping of action names to actions like {to: ...}")),
            diagnostics=self.diagnostics,
        )
        if actions is None:
            return None
        if not actions:
            self.error("no-actions", _no_actions(step_id), body.value_span("actions"))
            return None
        result: dict[str, Action] = {}
        ok = True
        for name in actions:
            span = actions.key_span(name)
            if not is_identifier(name):
                self.error(
                    "bad-id",
                    text(
                        N_(
                            "an action name must be a name of letters, digits and '_' "
                            "not starting with a digit, found %(found)s"
                        ),
                        found=described(name),
                    ),
                    span,
                )
                ok = False
                continue
            action = self.action(
                name,
                actions[name],
                actions.value_span(name),
                span,
                where=text(
                    N_("in action '%(action)s' of step '%(step)s'"), action=name, step=step_id
                ),
            )
            if action is None:
                ok = False
            else:
                result[name] = action
        return result if ok else None

    def action(
        self, name: str, value: Any, value_span: Span, span: Span, *, where: Text
    ) -> Action | None:
        hint = (
            text(N_("write %(name)s: {to: %(value)s}"), name=name, value=value)
            if isinstance(value, str)
            else None
        )
        body = expect_map(
            value,
            value_span,
            what=text(N_("an action like {to: step}")),
            diagnostics=self.diagnostics,
            hint=hint,
        )
        if body is None:
            return None
        check_keys(body, allowed=ACTION_KEYS, where=where, diagnostics=self.diagnostics)
        if not require(body, ("to",), where=where, span=span, diagnostics=self.diagnostics):
            return None
        to = self.target(body, "to", allow_closed=True)
        outcome = None
        if "outcome" in body:
            outcome = expect_identifier(
                body, "outcome", what=text(N_("an outcome")), diagnostics=self.diagnostics
            )
            if outcome is not None and to is not None and to != CLOSED:
                self.diagnostics.append(
                    warning(
                        "outcome-ignored",
                        text(
                            N_(
                                "the outcome %(where)s is never recorded: the action does not "
                                "close the case"
                            ),
                            where=where,
                        ),
                        body.key_span("outcome"),
                    )
                )
        requires_comment: bool | None = False
        if "requires_comment" in body:
            requires_comment = read_flag(
                body, "requires_comment", where=where, diagnostics=self.diagnostics
            )
        form = self.form(body, where=where) if "form" in body else None
        if (
            to is None
            or requires_comment is None
            or ("outcome" in body and outcome is None)
            or ("form" in body and form is None)
        ):
            return None
        return Action(
            name=name,
            to=to,
            outcome=outcome,
            requires_comment=requires_comment,
            span=span,
            form=form,
            label=self.label(body),
        )

    def label(self, body: YamlMap) -> Mapping[str, str] | None:
        """The step's or action's `label`, read-only; None when it has none."""
        if "label" not in body:
            return None
        return MappingProxyType(
            read_label(body, "label", default=None, diagnostics=self.diagnostics)
        )

    def form(self, body: YamlMap, *, where: Text) -> str | None:
        key = expect_identifier(
            body, "form", what=text(N_("the key of a form")), diagnostics=self.diagnostics
        )
        if key is None or self.forms is None or key in self.forms:
            return key
        close = did_you_mean(key, self.forms)
        self.error(
            "unknown-form",
            text(
                N_("form '%(form)s' %(where)s is not defined by the template%(did_you_mean)s"),
                where=where,
                form=key,
                did_you_mean=close,
            ),
            body.value_span("form"),
            hint=None
            if str(close)
            else text(
                N_("the template's forms are: %(forms)s"), forms=", ".join(self.forms) or "-"
            ),
        )
        return None

    def target(self, mapping: YamlMap, key: str, *, allow_closed: bool) -> str | None:
        """A step id (or `closed` where allowed) named by `mapping[key]`."""
        value = mapping[key]
        span = mapping.value_span(key)
        if allow_closed and value == CLOSED:
            return CLOSED
        if isinstance(value, str) and value in self.step_ids:
            return value
        names = self.step_ids + ((CLOSED,) if allow_closed else ())
        close = did_you_mean(str(value), names)
        if isinstance(value, str):
            message = text(
                N_("'%(key)s' names unknown step '%(value)s'%(close)s"),
                key=key,
                value=value,
                close=close,
            )
        else:
            message = text(
                N_("'%(key)s' must name a step, found %(found)s"), key=key, found=described(value)
            )
        hint = None
        if not str(close):
            listed = ", ".join(names)
            hint = (
                text(N_("expected a step id or 'closed': %(names)s"), names=listed)
                if allow_closed
                else text(N_("expected a step id: %(names)s"), names=listed)
            )
        self.error("unknown-step", message, span, hint=hint)
        return None


def _no_actions(step_id: str) -> Text:
    return text(
        N_("step '%(step)s' has neither actions nor do: a case reaching it could never leave"),
        step=step_id,
    )


def _shape(step_id: str, body: YamlMap, span: Span) -> StepShape:
    """Where the step leads, read leniently from the YAML (for the graph checks)."""
    if "do" in body:
        to = body.get("to")
        targets: tuple[str, ...] = (to,) if isinstance(to, str) else ()
        return StepShape(step_id, span, True, targets, body.value_span("to") if targets else None)
    actions = body.get("actions")
    targets = ()
    if isinstance(actions, Mapping):
        found = (a.get("to") for a in actions.values() if isinstance(a, Mapping))
        targets = tuple(dict.fromkeys(t for t in found if isinstance(t, str)))
    return StepShape(step_id, span, False, targets)


def action_forms(steps: Any) -> tuple[str, ...]:
    """The form keys the actions of `steps` (the YAML, read leniently) name, in source order."""
    found: list[str] = []
    if isinstance(steps, Mapping):
        for body in steps.values():
            actions = body.get("actions") if isinstance(body, Mapping) else None
            for action in actions.values() if isinstance(actions, Mapping) else ():
                form = action.get("form") if isinstance(action, Mapping) else None
                if isinstance(form, str):
                    found.append(form)
    return tuple(dict.fromkeys(found))
