"""Reading the deadlines of a task step: its `remind` list and its `escalate` chain. Pure.

Part of the loader, used by `workflows.step_reader`. Durations written in business days are
compared as `workflows.durations.order` says: an error when a later entry can never come
later, a warning when that depends on the calendar.
"""

from __future__ import annotations

from collections.abc import Mapping

from dsl import Diagnostic, Span, YamlList, YamlMap
from dsl.diagnostics import error, warning
from dsl.texts import N_, Text, did_you_mean, text
from workflows.assignee_reader import AssigneeReader
from workflows.durations import Order, order
from workflows.model import Action, Duration, Escalation, Reminder
from workflows.reading import check_keys, expect_list, expect_map, read_duration, require

REMINDER_KEYS = ("before",)
ESCALATION_KEYS = ("after", "to", "notify", "action")
ESCALATION_EFFECTS = ("to", "notify", "action")


class EscalationReader:
    """Reads reminders and escalations, collecting diagnostics instead of stopping."""

    def __init__(self, *, assignees: AssigneeReader, diagnostics: list[Diagnostic]) -> None:
        self.assignees = assignees
        self.diagnostics = diagnostics

    def error(self, code: str, message: Text, span: Span, hint: Text | None = None) -> None:
        self.diagnostics.append(error(code, message, span, hint))

    def reminders(
        self, body: YamlMap, *, sla: Duration | None, where: Text
    ) -> tuple[Reminder, ...] | None:
        items = self._items(body, "remind", what=text(N_("a list of reminders like {before: 4h}")))
        if items is None:
            return None
        if "sla" not in body:
            self.error(
                "reminder-without-sla",
                text(N_("reminders %(where)s need an 'sla' to come before"), where=where),
                body.key_span("remind"),
                hint=text(N_("add an sla to the step, or remove 'remind'")),
            )
            return None
        result: list[Reminder] = []
        ok = True
        for index, item in enumerate(items):
            span = items.item_span(index)
            rule = expect_map(
                item, span, what=text(N_("a reminder like {before: 4h}")),
                diagnostics=self.diagnostics,
            )  # fmt: skip
            inside = text(N_("in a reminder %(where)s"), where=where)
            if rule is None or not self._keys(rule, REMINDER_KEYS, ("before",), span, inside):
                ok = False
                continue
            before = read_duration(rule, "before", diagnostics=self.diagnostics)
            if before is None:
                ok = False
                continue
            if sla is not None:
                ok = self._before_sla(rule, before, sla, number=index + 1, where=where) and ok
            result.append(Reminder(before=before, span=span))
        return tuple(result) if ok else None

    def _before_sla(
        self, rule: YamlMap, before: Duration, sla: Duration, *, number: int, where: Text
    ) -> bool:
        found = order(before, sla)
        if found is Order.LATER:
            return True
        message = text(
            N_(
                "reminder %(number)d %(where)s comes %(before)s before the deadline, which is "
                "not shorter than the sla (%(sla)s)"
            ),
            number=number,
            where=where,
            before=str(before),
            sla=str(sla),
        )
        if found is Order.NOT_LATER:
            self.error(
                "reminder-order",
                message,
                rule.value_span("before"),
                hint=text(N_("a reminder comes before the deadline: make it shorter than the sla")),
            )
            return False
        self.diagnostics.append(
            warning(
                "reminder-order-uncertain",
                text(
                    N_(
                        "reminder %(number)d %(where)s (%(before)s before the deadline) may be "
                        "longer than the sla (%(sla)s), depending on the working calendar"
                    ),
                    number=number,
                    where=where,
                    before=str(before),
                    sla=str(sla),
                ),
                rule.value_span("before"),
                hint=text(N_("count both in business days, or both in hours and days")),
            )
        )
        return True

    def escalations(
        self, body: YamlMap, *, actions: Mapping[str, Action] | None, where: Text
    ) -> tuple[Escalation, ...] | None:
        """The `escalate` chain; `actions` are the step's (None: unreadable, not checked)."""
        items = self._items(
            body,
            "escalate",
            what=text(N_("a list of escalations like {after: 24h, to: {role: ...}}")),
        )
        if items is None:
            return None
        result: list[Escalation] = []
        ok = True
        previous: Duration | None = None
        for index, item in enumerate(items):
            span = items.item_span(index)
            rule = expect_map(
                item,
                span,
                what=text(N_("an escalation like {after: 24h, to: {role: ...}}")),
                diagnostics=self.diagnostics,
            )
            inside = text(N_("in an escalation %(where)s"), where=where)
            if rule is None or not self._keys(rule, ESCALATION_KEYS, ("after",), span, inside):
                ok = False
                continue
            if not any(key in rule for key in ESCALATION_EFFECTS):
                self.error(
                    "escalation-does-nothing",
                    text(
                        N_("escalation %(number)d %(where)s neither reassigns, notifies nor acts"),
                        number=index + 1,
                        where=where,
                    ),
                    span,
                    hint=text(N_("give it 'to', 'notify' or 'action'")),
                )
                ok = False
                continue
            after = read_duration(rule, "after", diagnostics=self.diagnostics)
            if after is not None and previous is not None:
                ok = self._after_previous(rule, after, previous, index + 1, where) and ok
            if after is not None:
                previous = after
            to = self.assignees.assignee(rule, "to", where=where) if "to" in rule else None
            notify = (
                self.assignees.notify(rule, "notify", where=where) if "notify" in rule else None
            )
            action = self.action(rule, actions, where=where) if "action" in rule else None
            if (
                after is None
                or ("to" in rule and to is None)
                or ("notify" in rule and notify is None)
                or ("action" in rule and action is None)
            ):
                ok = False
                continue
            result.append(
                Escalation(
                    level=index + 1, after=after, to=to, span=span, notify=notify, action=action
                )
            )
        return tuple(result) if ok else None

    def _after_previous(
        self, rule: YamlMap, after: Duration, previous: Duration, number: int, where: Text
    ) -> bool:
        found = order(previous, after)
        if found is Order.LATER:
            return True
        if found is Order.NOT_LATER:
            self.error(
                "escalation-order",
                text(
                    N_(
                        "escalation %(number)d %(where)s comes after %(after)s, which is not "
                        "later than the escalation before it (after %(before)s)"
                    ),
                    number=number,
                    where=where,
                    after=str(after),
                    before=str(previous),
                ),
                rule.value_span("after"),
                hint=text(N_("list escalations in order, each later than the one before")),
            )
            return False
        self.diagnostics.append(
            warning(
                "escalation-order-uncertain",
                text(
                    N_(
                        "escalation %(number)d %(where)s (after %(after)s) may come before the "
                        "escalation before it (after %(before)s), depending on the working calendar"
                    ),
                    number=number,
                    where=where,
                    after=str(after),
                    before=str(previous),
                ),
                rule.value_span("after"),
                hint=text(N_("count both in business days, or both in hours and days")),
            )
        )
        return True

    def action(
        self, rule: YamlMap, actions: Mapping[str, Action] | None, *, where: Text
    ) -> str | None:
        name = rule["action"]
        if actions is None:
            return name if isinstance(name, str) else None
        if isinstance(name, str) and name in actions:
            return name
        self.error(
            "unknown-action",
            text(
                N_("the escalation %(where)s takes unknown action '%(action)s'%(did_you_mean)s"),
                where=where,
                action=name,
                did_you_mean=did_you_mean(str(name), actions),
            ),
            rule.value_span("action"),
            hint=text(N_("the step's actions are: %(actions)s"), actions=", ".join(actions)),
        )
        return None

    def _items(self, body: YamlMap, key: str, *, what: Text) -> YamlList | None:
        return expect_list(body[key], body.value_span(key), what=what, diagnostics=self.diagnostics)

    def _keys(
        self,
        rule: YamlMap,
        allowed: tuple[str, ...],
        required: tuple[str, ...],
        span: Span,
        where: Text,
    ) -> bool:
        check_keys(rule, allowed=allowed, where=where, diagnostics=self.diagnostics)
        return require(rule, required, where=where, span=span, diagnostics=self.diagnostics)
