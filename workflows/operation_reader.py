"""Reading the `do` list of a do step: change_terms (maybe temporary), notify, start, set_field,
release_order and reject_order.

Pure. Part of the loader, used by `workflows.step_reader`; collects positioned diagnostics as it
goes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from dsl import Diagnostic, Schema, Span, ValueType, YamlMap
from dsl.diagnostics import error
from dsl.texts import N_, Text, described, did_you_mean, text
from workflows.assignee_reader import AssigneeReader
from workflows.durations import DURATION_FORMS, parse_duration
from workflows.expressions import compile_at
from workflows.model import (
    ChangeTermsOp,
    Duration,
    NotifyOp,
    Operation,
    OrderDecision,
    OrderDecisionOp,
    SetFieldOp,
    StartOp,
    TermValue,
    TriggerKind,
)
from workflows.reading import expect_identifier, expect_list, expect_map
from workflows.value_reader import ValueReader

DO_OPERATIONS = ("change_terms", "notify", "start", "set_field", "release_order", "reject_order")
# Keys that may stand beside `change_terms` in the same item of `do`: they make it temporary.
TEMPORARY_KEYS = ("until", "restore_when")
ORDER_DECISIONS: Mapping[str, OrderDecision] = MappingProxyType(
    {"release_order": OrderDecision.RELEASE, "reject_order": OrderDecision.REJECT}
)


class OperationReader:
    """Reads the operations of do steps, collecting diagnostics instead of stopping.

    `schema` is what expressions read (`workflows.expressions.case_schema`), `fields` the
    customer form's own fields (what `set_field` may set; None: not checked), `workflows` the
    keys a `start` may name (None: not checked), `trigger` the workflow's trigger kind (None:
    unreadable, so order decisions are not checked).
    """

    def __init__(
        self,
        *,
        filename: str,
        lines: Sequence[str],
        schema: Schema | None,
        fields: Schema | None,
        workflows: Collection[str] | None,
        trigger: TriggerKind | None,
        assignees: AssigneeReader,
        diagnostics: list[Diagnostic],
    ) -> None:
        self.filename = filename
        self.lines = lines  # the file's text, to position expression diagnostics
        self.schema = schema
        self.fields = fields
        self.workflows = None if workflows is None else tuple(workflows)
        self.trigger = trigger
        self.assignees = assignees
        self.values = ValueReader(
            filename=filename, lines=lines, schema=schema, fields=fields, diagnostics=diagnostics
        )
        self.diagnostics = diagnostics

    def error(self, code: str, message: Text, span: Span, hint: Text | None = None) -> None:
        self.diagnostics.append(error(code, message, span, hint))

    def read(self, body: YamlMap, *, where: Text) -> tuple[Operation, ...] | None:
        """The operations under `do` in a step's `body`; None (reported) when one is wrong."""
        operations = expect_list(
            body["do"],
            body.value_span("do"),
            what=text(N_("a list of operations, like - change_terms: {...}")),
            diagnostics=self.diagnostics,
        )
        if operations is None:
            return None
        if not operations:
            self.error(
                "wrong-type",
                text(N_("'do' %(where)s lists no operation"), where=where),
                body.value_span("do"),
            )
        result: list[Operation] = []
        ok = True
        for index, item in enumerate(operations):
            operation = self.operation(item, operations.item_span(index), where=where)
            if operation is None:
                ok = False
            else:
                result.append(operation)
        return tuple(result) if ok else None

    def operation(self, item: Any, span: Span, *, where: Text) -> Operation | None:
        operation = expect_map(
            item,
            span,
            what=text(N_("an operation, like change_terms: {...}")),
            diagnostics=self.diagnostics,
        )
        if operation is None:
            return None
        names = [key for key in operation if key not in TEMPORARY_KEYS]
        if len(names) != 1:
            self.error(
                "wrong-type",
                text(
                    N_("each item of 'do' %(where)s is one operation, found %(count)d keys"),
                    where=where,
                    count=len(names),
                ),
                span,
                hint=text(N_("write each operation as its own '- name: ...' item")),
            )
            return None
        name = names[0]
        if name not in DO_OPERATIONS:
            self.error(
                "unknown-operation",
                text(
                    N_("unknown operation '%(name)s' %(where)s%(did_you_mean)s"),
                    name=name,
                    where=where,
                    did_you_mean=did_you_mean(str(name), DO_OPERATIONS),
                ),
                operation.key_span(name),
                hint=text(
                    N_("a do step runs: %(operations)s"), operations=", ".join(DO_OPERATIONS)
                ),
            )
            return None
        extra = [key for key in operation if key in TEMPORARY_KEYS]
        if name != "change_terms" and extra:
            self.error(
                "unknown-key",
                text(
                    N_("'%(key)s' %(where)s goes with change_terms only"), key=extra[0], where=where
                ),
                operation.key_span(extra[0]),
            )
            return None
        if name == "change_terms":
            return self.change_terms(operation)
        if name == "notify":
            notify = self.assignees.notify(operation, name, where=where)
            return (
                None if notify is None else NotifyOp(notify=notify, span=operation.key_span(name))
            )
        if name == "start":
            return self.start(operation)
        if name == "set_field":
            return self.set_field(operation)
        return self.order_decision(operation, name)

    def change_terms(self, operation: YamlMap) -> ChangeTermsOp | None:
        name = "change_terms"
        values = expect_map(
            operation[name],
            operation.value_span(name),
            what=text(N_("a mapping of terms to their new values")),
            diagnostics=self.diagnostics,
        )
        if values is None:
            return None
        terms: list[TermValue] = []
        ok = True
        for term in values:
            value = self.values.term_value(values, term)
            if value is None:
                ok = False
            else:
                terms.append(value)
        if not values:
            self.error(
                "wrong-type", text(N_("change_terms sets no term")), operation.value_span(name)
            )
        until: Duration | dt.date | None = None
        if "until" in operation:
            until = self.until(operation)
            ok = ok and until is not None
        restore_when = None
        if "restore_when" in operation:
            restore_when = compile_at(
                operation,
                "restore_when",
                filename=self.filename,
                expect=ValueType.BOOLEAN,
                schema=self.schema,
                what=text(N_("a condition")),
                lines=self.lines,
                diagnostics=self.diagnostics,
            )
            ok = ok and restore_when is not None
        if not ok:
            return None
        return ChangeTermsOp(
            values=tuple(terms),
            span=operation.key_span(name),
            until=until,
            restore_when=restore_when,
        )

    def until(self, operation: YamlMap) -> Duration | dt.date | None:
        value = operation["until"]
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        duration = parse_duration(value)
        if duration is None:
            self.error(
                "bad-duration",
                text(
                    N_("'until' must be a duration or a date, found %(found)s"),
                    found=described(value),
                ),
                operation.value_span("until"),
                hint=text(
                    N_("write %(forms)s, or a date like 2026-06-30"), forms=text(DURATION_FORMS)
                ),
            )
        return duration

    def start(self, operation: YamlMap) -> StartOp | None:
        key = expect_identifier(
            operation, "start", what=text(N_("the workflow to start")),
            diagnostics=self.diagnostics,
        )  # fmt: skip
        if key is None:
            return None
        if self.workflows is not None and key not in self.workflows:
            close = did_you_mean(key, self.workflows)
            self.error(
                "unknown-workflow",
                text(
                    N_("'start' names unknown workflow '%(workflow)s'%(did_you_mean)s"),
                    workflow=key,
                    did_you_mean=close,
                ),
                operation.value_span("start"),
                hint=None
                if str(close)
                else text(
                    N_("the template's workflows are: %(workflows)s"),
                    workflows=", ".join(self.workflows) or "-",
                ),
            )
            return None
        return StartOp(workflow=key, span=operation.key_span("start"))

    def set_field(self, operation: YamlMap) -> SetFieldOp | None:
        values = expect_map(
            operation["set_field"],
            operation.value_span("set_field"),
            what=text(N_("a mapping of customer fields to their new values")),
            diagnostics=self.diagnostics,
        )
        if values is None:
            return None
        if not values:
            self.error(
                "wrong-type", text(N_("set_field sets no field")), operation.value_span("set_field")
            )
        result: list[TermValue] = []
        ok = True
        for name in values:
            value = self.values.field_value(values, name)
            if value is None:
                ok = False
            else:
                result.append(value)
        if not ok:
            return None
        return SetFieldOp(values=tuple(result), span=operation.key_span("set_field"))

    def order_decision(self, operation: YamlMap, name: str) -> OrderDecisionOp | None:
        value = operation[name]
        if value is not None and value != {}:
            self.error(
                "wrong-type",
                text(N_("'%(name)s' takes no settings: write %(name)s: {}"), name=name),
                operation.value_span(name),
            )
            return None
        if self.trigger is not None and self.trigger is not TriggerKind.ORDER_HELD:
            self.error(
                "order-decision-outside-order-held",
                text(
                    N_(
                        "'%(name)s' decides a held order: only a workflow triggered by "
                        "order_held has one"
                    ),
                    name=name,
                ),
                operation.key_span(name),
            )
            return None
        return OrderDecisionOp(decision=ORDER_DECISIONS[name], span=operation.key_span(name))
