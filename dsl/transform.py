"""Builds the syntax tree while lark parses (`Lark(transformer=AstBuilder())`). Pure, stateless.

Each method receives the children of one grammar rule (tokens and nodes already built) and returns
a node with its span. Chains (`a and b and c`, `a + b - c`) arrive as one flat list, so no method
recurses and no chain is limited by Python's recursion depth.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from lark import Token, Transformer

from dsl.diagnostics import Span
from dsl.nodes import (
    AlertEffect,
    Arithmetic,
    Attribute,
    Between,
    Boolean,
    Call,
    Compare,
    Conditional,
    Date,
    Duration,
    EventQuery,
    Expr,
    ExpressionSource,
    FlagEffect,
    FormDecl,
    Group,
    Header,
    Ident,
    Let,
    Logic,
    Membership,
    Message,
    Money,
    Name,
    Negative,
    Not,
    Number,
    Pattern,
    Placeholder,
    Points,
    Presence,
    Rule,
    Ruleset,
    Table,
    TableRow,
    Text,
    TierFloor,
    TierRow,
    Tiers,
)

_ESCAPE = re.compile(r'\\(["\\])')
_PLACEHOLDER_NAME = re.compile(r"[^\W\d]\w*(?:\.[^\W\d]\w*)*\Z")


def token_span(token: Token) -> Span:
    return Span("", token.line or 1, token.column or 1, token.end_line or 1, token.end_column or 1)


def span_of(item: Any) -> Span:
    return token_span(item) if isinstance(item, Token) else item.span


def join(first: Any, last: Any) -> Span:
    a, b = span_of(first), span_of(last)
    return Span("", a.line, a.column, b.end_line, b.end_column)


# The scale words written between a number and its currency (`2.5 million USD`), by terminal.
SCALES: dict[str, int] = {"MILLION": 10**6, "TEN_THOUSAND": 10**4, "HUNDRED_MILLION": 10**8}


def number_value(text: str, scale: int = 1) -> int | float:
    """rules-language §3: `1_000_000`, `3.5`, `90%` (= 0.9); whole numbers are ints.

    `scale` multiplies exactly in decimal (`2.5 million` is 2_500_000, never 2499999.9999).
    """
    is_percent = text.endswith("%")
    value = Decimal(text.rstrip("%").replace("_", "")) * scale
    if is_percent:
        value = value / 100  # exact in decimal, then rounded once to the nearest double
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def text_value(raw: str) -> str:
    """The text of a string literal: quotes removed, `\\"` and `\\\\` unescaped."""
    return _ESCAPE.sub(r"\1", raw[1:-1])


def _ident(token: Token) -> Ident:
    return Ident(str(token.value), token_span(token))


def _label(children: list[Any], index: int) -> tuple[str | None, int]:
    item = children[index] if index < len(children) else None
    if isinstance(item, Token) and item.type == "STRING":
        return text_value(item.value), index + 1
    return None, index


def _depth(*items: Expr) -> int:
    return 1 + max(item.depth for item in items)


def split_message(token: Token) -> Message:
    """rules-language §2: `{name}` placeholders, `{{` and `}}` for literal braces."""
    raw = token.value
    line = token.line or 1
    # decoded characters with the source column each came from
    chars: list[tuple[str, int]] = []
    column = (token.column or 1) + 1
    index = 1
    while index < len(raw) - 1:
        if raw[index] == "\\":
            chars.append((raw[index + 1], column))
            index += 2
            column += 2
        else:
            chars.append((raw[index], column))
            index += 1
            column += 1
    parts: list[str | Placeholder] = []
    problems: list[tuple[str, str, Span]] = []
    literal: list[str] = []
    i = 0
    while i < len(chars):
        char, col = chars[i]
        following = chars[i + 1][0] if i + 1 < len(chars) else ""
        if char in "{}" and following == char:
            literal.append(char)
            i += 2
            continue
        if char == "}":
            problems.append(("message-brace/close", "", Span("", line, col, line, col + 1)))
            i += 1
            continue
        if char != "{":
            literal.append(char)
            i += 1
            continue
        close = next((j for j in range(i + 1, len(chars)) if chars[j][0] == "}"), None)
        if close is None:
            problems.append(("message-brace/open", "", Span("", line, col, line, col + 1)))
            i += 1
            continue
        inner = "".join(c for c, _ in chars[i + 1 : close]).strip()
        span = Span("", line, col, line, chars[close][1] + 1)
        if not _PLACEHOLDER_NAME.match(inner):
            problems.append(("bad-placeholder", inner, span))
        else:
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(Placeholder(tuple(inner.split(".")), span))
        i = close + 1
    if literal:
        parts.append("".join(literal))
    return Message(tuple(parts), tuple(problems), token_span(token))


# A rule's children as lark gives them. Inside `AstBuilder`, `list` names the rule method
# `list`, not the built-in type.
Children = list[Any]


class AstBuilder(Transformer[Token, Any]):
    """One method per grammar rule; each returns a node. Holds no state between calls."""

    # ---- statements ----

    def ruleset(self, children: Children) -> Ruleset:
        header = children[0]
        form = children[1] if len(children) > 1 and isinstance(children[1], FormDecl) else None
        statements = tuple(children[2 if form else 1 :])
        return Ruleset(header, form, statements, join(children[0], children[-1]))

    def header(self, children: Children) -> Header:
        label, _ = _label(children, 2)
        return Header(_ident(children[1]), label, join(children[0], children[-1]))

    def form_decl(self, children: Children) -> FormDecl:
        return FormDecl(_ident(children[1]), join(children[0], children[1]))

    def let_stmt(self, children: Children) -> Let:
        return Let(_ident(children[1]), children[3], join(children[0], children[3]))

    def rule_stmt(self, children: Children) -> Rule:
        label, index = _label(children, 2)
        condition = children[index + 1]
        effects = tuple(
            c for c in children[index + 3 :] if not (isinstance(c, Token) and c.type == "COMMA")
        )
        return Rule(_ident(children[1]), label, condition, effects, join(children[0], children[-1]))

    def add_effect(self, children: Children) -> Points:
        sign = 1 if children[0].type == "ADD" else -1
        return Points(children[1], sign, join(children[0], children[1]))

    def alert_effect(self, children: Children) -> AlertEffect:
        message = split_message(children[2])
        return AlertEffect(_ident(children[1]), message, join(children[0], children[2]))

    def flag_effect(self, children: Children) -> FlagEffect:
        return FlagEffect(_ident(children[1]), join(children[0], children[1]))

    def tier_effect(self, children: Children) -> TierFloor:
        return TierFloor(_ident(children[1]), join(children[0], children[1]))

    def table_stmt(self, children: Children) -> Table:
        label, index = _label(children, 2)
        subject = children[index + 1]
        rows = tuple(children[index + 2 :])
        return Table(_ident(children[1]), label, subject, rows, join(children[0], children[-1]))

    def table_row(self, children: Children) -> TableRow:
        pattern, _, points = children
        return TableRow(pattern, points, join(pattern, points))

    def _pattern(self, kind: str, children: Children, operator: str | None = None) -> Pattern:
        values = tuple(c for c in children if isinstance(c, Expr))
        return Pattern(kind, values, operator, join(children[0], children[-1]))

    def pattern_values(self, children: Children) -> Pattern:
        return self._pattern("values", children)

    def pattern_compare(self, children: Children) -> Pattern:
        return self._pattern("compare", children, str(children[0].value))

    def pattern_range(self, children: Children) -> Pattern:
        return self._pattern("range", children)

    def pattern_missing(self, children: Children) -> Pattern:
        return self._pattern("missing", children)

    def pattern_else(self, children: Children) -> Pattern:
        return self._pattern("else", children)

    def tiers_block(self, children: Children) -> Tiers:
        return Tiers(tuple(children[1:]), token_span(children[0]), join(children[0], children[-1]))

    def tier_row(self, children: Children) -> TierRow:
        condition = children[2] if len(children) == 3 else None
        return TierRow(_ident(children[0]), condition, join(children[0], children[-1]))

    def expression(self, children: Children) -> ExpressionSource:
        return ExpressionSource(children[0], children[0].span)

    # ---- expressions ----

    def conditional(self, children: Children) -> Conditional:
        condition, then, otherwise = children[1], children[3], children[5]
        return Conditional(
            join(children[0], otherwise),
            _depth(condition, then, otherwise),
            condition,
            then,
            otherwise,
        )

    def _logic(self, operator: str, children: Children) -> Logic:
        operands = tuple(children[0::2])
        return Logic(join(operands[0], operands[-1]), _depth(*operands), operator, operands)

    def or_expr(self, children: Children) -> Logic:
        return self._logic("or", children)

    def and_expr(self, children: Children) -> Logic:
        return self._logic("and", children)

    def negation(self, children: Children) -> Not:
        return Not(join(children[0], children[1]), _depth(children[1]), children[1])

    def compare(self, children: Children) -> Compare:
        left, operator, right = children
        return Compare(
            join(left, right),
            _depth(left, right),
            left,
            str(operator.value),
            right,
            token_span(operator),
        )

    def between(self, children: Children) -> Between:
        subject, low, high = children[0], children[2], children[4]
        return Between(join(subject, high), _depth(subject, low, high), subject, low, high)

    def membership(self, children: Children) -> Membership:
        subject, operator, (items, end) = children
        depth = _depth(subject, *items)
        return Membership(join(subject, end), depth, subject, items, operator.type == "NOT_IN")

    def list(self, children: Children) -> tuple[tuple[Expr, ...], Token]:
        items = tuple(c for c in children[1:-1] if not isinstance(c, Token))
        return items, children[-1]

    def presence(self, children: Children) -> Presence:
        subject, keyword = children
        return Presence(
            join(subject, keyword), _depth(subject), subject, keyword.type == "IS_MISSING"
        )

    def _arithmetic(self, children: Children) -> Arithmetic:
        operands = tuple(children[0::2])
        operators = tuple(str(t.value) for t in children[1::2])
        return Arithmetic(
            join(operands[0], operands[-1]),
            _depth(*operands),
            operands,
            operators,
            tuple(token_span(t) for t in children[1::2]),
        )

    def sum(self, children: Children) -> Arithmetic:
        return self._arithmetic(children)

    def product(self, children: Children) -> Arithmetic:
        return self._arithmetic(children)

    def negative(self, children: Children) -> Expr:
        operand = children[1]
        span = join(children[0], operand)
        if isinstance(operand, Number):
            return Number(span, 1, -operand.value)
        if isinstance(operand, Money):
            return Money(span, 1, -operand.amount, operand.currency)
        return Negative(span, _depth(operand), operand)

    def call(self, children: Children) -> Call:
        name = children[0]
        args = tuple(c for c in children[2:-1] if not isinstance(c, Token))
        depth = _depth(*args) if args else 1
        return Call(join(name, children[-1]), depth, str(name.value), token_span(name), args)

    def event_query(self, children: Children) -> EventQuery:
        target, within = children[0], children[2]
        where = children[4] if len(children) > 4 else None
        parts = (target, within) + ((where,) if where is not None else ())
        return EventQuery(join(target, children[-1]), _depth(*parts), target, within, where)

    def date(self, children: Children) -> Date:
        text = str(children[0].value)
        try:
            value: date | None = date.fromisoformat(text)
        except ValueError:
            value = None  # `2024-02-30`: reported by the checker
        return Date(token_span(children[0]), 1, value, text)

    def duration(self, children: Children) -> Duration:
        number, unit = children
        return Duration(join(number, unit), 1, number_value(number.value), unit.type.lower())

    def scale(self, children: Children) -> Token:
        return children[0]  # type: ignore[no-any-return]

    def scaled(self, children: Children) -> Number:
        number, scale = children
        value = number_value(number.value, SCALES[scale.type])
        return Number(join(number, scale), 1, value)

    def money(self, children: Children) -> Money:
        number, *rest = children
        factor = SCALES[rest[0].type] if len(rest) == 2 else 1
        currency = rest[-1]
        amount = number_value(number.value, factor)
        return Money(join(number, currency), 1, amount, str(currency.value))

    def attribute(self, children: Children) -> Attribute:
        base, _, field = children
        return Attribute(join(base, field), _depth(base), base, str(field.value), token_span(field))

    def number(self, children: Children) -> Number:
        return Number(token_span(children[0]), 1, number_value(children[0].value))

    def text(self, children: Children) -> Text:
        return Text(token_span(children[0]), 1, text_value(children[0].value))

    def boolean(self, children: Children) -> Boolean:
        return Boolean(token_span(children[0]), 1, children[0].type == "TRUE")

    def name(self, children: Children) -> Name:
        return Name(token_span(children[0]), 1, str(children[0].value))

    def group(self, children: Children) -> Group:
        inner = children[1]
        return Group(join(children[0], children[2]), _depth(inner), inner)
