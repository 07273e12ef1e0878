"""Reading the `do` list of a do step: its operations and the terms values `change_terms` sets.

Pure. Part of the loader, used by `workflows.step_reader`; collects positioned diagnostics as it
goes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from dsl import Diagnostic, Schema, Span, ValueType, YamlMap
from dsl.diagnostics import error
from dsl.texts import N_, Text, described, did_you_mean, text
from workflows.expressions import compile_at
from workflows.model import TERMS_NAMES, ChangeTermsOp, TermValue
from workflows.reading import check_keys, expect_list, expect_map

DO_OPERATIONS = ("change_terms",)
# Operations of the design's workflow excerpt that a later version runs (docs/workflows.md).
LATER_DO_OPERATIONS = ("notify",)

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
    """Reads the operations of do steps, collecting diagnostics instead of stopping."""

    def __init__(
        self,
        *,
        filename: str,
        lines: Sequence[str],
        schema: Schema | None,
        diagnostics: list[Diagnostic],
    ) -> None:
        self.filename = filename
        self.lines = lines  # the file's text, to position expression diagnostics
        self.schema = schema  # what terms values read
        self.diagnostics = diagnostics

    def error(self, code: str, message: Text, span: Span, hint: Text | None = None) -> None:
        self.diagnostics.append(error(code, message, span, hint))

    def read(self, body: YamlMap, *, where: Text) -> tuple[ChangeTermsOp, ...] | None:
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
        result: list[ChangeTermsOp] = []
        ok = True
        for index, item in enumerate(operations):
            operation = self.operation(item, operations.item_span(index), where=where)
            if operation is None:
                ok = False
            else:
                result.append(operation)
        return tuple(result) if ok else None

    def operation(self, item: Any, span: Span, *, where: Text) -> ChangeTermsOp | None:
        operation = expect_map(
            item,
            span,
            what=text(N_("an operation, like change_terms: {...}")),
            diagnostics=self.diagnostics,
        )
        if operation is None:
            return None
        if len(operation) != 1:
            self.error(
                "wrong-type",
                text(
                    N_("each item of 'do' %(where)s is one operation, found %(count)d keys"),
                    where=where,
                    count=len(operation),
                ),
                span,
                hint=text(N_("write each operation as its own '- name: ...' item")),
            )
            return None
        name = next(iter(operation))
        if name not in DO_OPERATIONS:
            if name in LATER_DO_OPERATIONS:
                check_keys(
                    operation,
                    allowed=(),
                    later=LATER_DO_OPERATIONS,
                    where=where,
                    diagnostics=self.diagnostics,
                )
            else:
                known = (*DO_OPERATIONS, *LATER_DO_OPERATIONS)
                self.error(
                    "unknown-operation",
                    text(
                        N_("unknown operation '%(name)s' %(where)s%(did_you_mean)s"),
                        name=name,
                        where=where,
                        did_you_mean=did_you_mean(str(name), known),
                    ),
                    operation.key_span(name),
                    hint=text(
                        N_("a do step runs: %(operations)s"), operations=", ".join(DO_OPERATIONS)
                    ),
                )
            return None
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
        return ChangeTermsOp(values=tuple(terms), span=operation.key_span(name)) if ok else None

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
