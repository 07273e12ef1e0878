"""Reading the values a do step writes: `change_terms` terms and `set_field` customer fields,
each a literal checked against its type or a rules-language expression. Pure.

Part of the loader, used by `workflows.operation_reader`; collects positioned diagnostics.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from dsl import Diagnostic, FieldInfo, Schema, Span, ValueType, YamlMap
from dsl.diagnostics import error
from dsl.texts import N_, Text, described, did_you_mean, text
from workflows.expressions import compile_at
from workflows.model import TERMS_NAMES, TermValue

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


class ValueReader:
    """Reads terms and field values; `schema` is what their expressions read, `fields` the
    customer form's own fields (None: not checked)."""

    def __init__(
        self,
        *,
        filename: str,
        lines: Sequence[str],
        schema: Schema | None,
        fields: Schema | None,
        diagnostics: list[Diagnostic],
    ) -> None:
        self.filename = filename
        self.lines = lines
        self.schema = schema
        self.fields = fields
        self.diagnostics = diagnostics

    def error(self, code: str, message: Text, span: Span, hint: Text | None = None) -> None:
        self.diagnostics.append(error(code, message, span, hint))

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
