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

from dsl import Diagnostic, FieldInfo, Schema, Span, ValueType, YamlMap
from dsl.diagnostics import error
from dsl.texts import N_, Text, described, did_you_mean, text
from workflows.assignee_reader import AssigneeReader
from workflows.durations import DURATION_FORMS, parse_duration
from workflows.expressions import compile_at
from workflows.model import (
    TERMS_NAMES,
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

DO_OPERATIONS = ("change_terms", "notify", "start", "set_field", "release_order", "reject_order")
# Keys that may stand beside `change_terms` in the same item of `do`: they make it temporary.
TEMPORARY_KEYS = ("until", "restore_when")
ORDER_DECISIONS: Mapping[str, OrderDecision] = MappingProxyType(
    {"release_order": OrderDecision.RELEASE, "reject_order": OrderDecision.REJECT}
)

# The type a `change_terms` value must have (forms.TERMS_SCHEMA; money is a JSON number here).
TERM_TYPES: Mapping[str, ValueType] = MappingProxyType(
    {
        "credit_limit": ValueType.NUMBER,
        "payment_terms_days": ValueType.NUMBER,
        "prepayment_pct": ValueType.NUMBER,
        "order_hold": ValueType.BOOLEAN,
        "next_review_at": ValueType.DATE,
    }
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
            value = self.term_value(values, term)
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
            value = self.field_value(values, name)
            if value is None:
                ok = False
            else:
                result.append(value)
        if not ok:
            return None
        return SetFieldOp(values=tuple(result), span=operation.key_span("set_field"))

    def field_value(self, values: YamlMap, name: Any) -> TermValue | None:
        key_span = values.key_span(name)
        if name in TERMS_NAMES:
            self.error(
                "set-field-on-terms",
                text(N_("'%(name)s' is a credit term: set_field sets customer fields"), name=name),
                key_span,
                hint=text(N_("change it with change_terms")),
            )
            return None
        info = None if self.fields is None else self.fields.get(name)
        if self.fields is not None and info is None:
            close = did_you_mean(str(name), self.fields)
            self.error(
                "unknown-field",
                text(
                    N_("unknown customer field '%(name)s'%(did_you_mean)s"),
                    name=name,
                    did_you_mean=close,
                ),
                key_span,
                hint=None
                if str(close)
                else text(
                    N_("the customer's fields are: %(fields)s"), fields=", ".join(self.fields)
                ),
            )
            return None
        if not isinstance(name, str):
            self.error("bad-id", text(N_("a field name must be text")), key_span)
            return None
        value = values[name]
        if isinstance(value, str):
            expression = compile_at(
                values,
                name,
                filename=self.filename,
                expect=ValueType.ANY if info is None else info.type,
                schema=self.schema,
                what=text(N_("a value for %(term)s"), term=name),
                lines=self.lines,
                diagnostics=self.diagnostics,
            )
            if expression is None:
                return None
            return TermValue(
                name=name, literal=None, expression=expression, span=values.value_span(name)
            )
        if info is not None and not _fits(value, info):
            self.error(
                "bad-field-value",
                text(
                    N_("%(name)s takes %(expected)s, found %(found)s"),
                    name=name,
                    expected=_type_words(info),
                    found=described(value),
                ),
                values.value_span(name),
                hint=text(N_("a value written as text is a rules-language expression")),
            )
            return None
        return TermValue(name=name, literal=value, expression=None, span=values.value_span(name))

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

    def term_value(self, values: YamlMap, term: Any) -> TermValue | None:
        key_span = values.key_span(term)
        if term not in TERMS_NAMES:
            self.error(
                "unknown-term",
                text(
                    N_("unknown terms name '%(term)s'%(did_you_mean)s"),
                    term=term,
                    did_you_mean=did_you_mean(str(term), TERMS_NAMES),
                ),
                key_span,
                hint=None
                if str(did_you_mean(str(term), TERMS_NAMES))
                else text(N_("the terms are: %(terms)s"), terms=", ".join(TERMS_NAMES)),
            )
            return None
        value = values[term]
        span = values.value_span(term)
        if isinstance(value, str):
            expression = compile_at(
                values,
                term,
                filename=self.filename,
                expect=TERM_TYPES[term],
                schema=self.schema,
                what=text(N_("a value for %(term)s"), term=term),
                lines=self.lines,
                diagnostics=self.diagnostics,
            )
            if expression is None:
                return None
            return TermValue(name=term, literal=None, expression=expression, span=span)
        problem = _literal_problem(term, value)
        if problem is not None:
            message, hint = problem
            self.error("bad-term-value", message, span, hint=hint)
            return None
        return TermValue(name=term, literal=value, expression=None, span=span)


def _literal_problem(term: str, value: Any) -> tuple[Text, Text | None] | None:
    """Why a literal `change_terms` value does not fit its term, or None when it does."""
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    found = described(value)
    if term == "credit_limit":
        if not is_number or value < 0:
            return text(
                N_("credit_limit takes an amount of 0 or more, found %(found)s"), found=found
            ), None
    elif term == "payment_terms_days":
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            return (
                text(
                    N_("payment_terms_days takes a whole number of days, found %(found)s"),
                    found=found,
                ),
                None,
            )
    elif term == "prepayment_pct":
        if not is_number or not 0 <= value <= 1:
            return (
                text(
                    N_("prepayment_pct takes a fraction from 0 to 1, found %(found)s"), found=found
                ),
                text(N_('percentages are fractions: write "30%" or 0.3')),
            )
    elif term == "order_hold":
        if not isinstance(value, bool):
            return text(N_("order_hold takes true or false, found %(found)s"), found=found), None
    elif term == "next_review_at" and not (
        value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime))
    ):
        return (
            text(N_("next_review_at takes a date like 2025-06-30, found %(found)s"), found=found),
            None,
        )
    return None


_TYPE_WORDS: Mapping[ValueType, str] = MappingProxyType(
    {
        ValueType.NUMBER: N_("a number"),
        ValueType.MONEY: N_("a number"),
        ValueType.BOOLEAN: N_("true or false"),
        ValueType.DATE: N_("a date like 2026-06-30"),
        ValueType.TEXT: N_("text, written as an expression like '\"text\"'"),
    }
)


def _type_words(info: FieldInfo) -> Text:
    return text(_TYPE_WORDS.get(info.type, N_("a value of its type")))


def _fits(value: Any, info: FieldInfo) -> bool:
    """Whether a literal (not text: text is an expression) fits a customer field."""
    if value is None:
        return True  # clears the field
    if info.type in (ValueType.NUMBER, ValueType.MONEY):
        if not isinstance(value, int | float) or isinstance(value, bool):
            return False
        low, high = info.minimum, info.maximum
        return (low is None or value >= low) and (high is None or value <= high)
    if info.type is ValueType.BOOLEAN:
        return isinstance(value, bool)
    if info.type is ValueType.DATE:
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    return info.type is ValueType.ANY
