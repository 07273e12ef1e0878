"""The syntax tree of a ruleset or expression: frozen dataclasses, each with the span of its text.

Pure data. Spans here carry an empty file name and positions relative to the parsed text; the
public API moves them into the caller's file (see `dsl.api`). Every expression node records its
`depth` (nesting levels, flat `and`/`or`/arithmetic chains counting as one), so that the checker can
refuse deep nesting without walking it recursively.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dsl.diagnostics import Span


@dataclass(frozen=True, slots=True)
class Ident:
    """An id or name written in a statement (`rule overdue_90`, `flag near_limit`)."""

    name: str
    span: Span


# ---- expressions (rules-language §3) -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Expr:
    span: Span
    depth: int


@dataclass(frozen=True, slots=True)
class Number(Expr):
    value: int | float


@dataclass(frozen=True, slots=True)
class Text(Expr):
    value: str


@dataclass(frozen=True, slots=True)
class Boolean(Expr):
    value: bool


@dataclass(frozen=True, slots=True)
class Date(Expr):
    """A date literal `2025-01-31`; `value` is None when the text is no calendar date."""

    value: date | None
    text: str


@dataclass(frozen=True, slots=True)
class Duration(Expr):
    """`30 days`, `12 months`, `2 years` (calendar units)."""

    count: int | float
    unit: str  # "days" | "months" | "years"


@dataclass(frozen=True, slots=True)
class Money(Expr):
    """`50_000_000 CNY`, `2.5 million USD`: an amount (scale applied) and a currency code."""

    amount: int | float
    currency: str


@dataclass(frozen=True, slots=True)
class Call(Expr):
    """`name(arg, ...)`: a function of rules-language §3 or an event query (`count(...)`)."""

    function: str
    function_span: Span
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class EventQuery(Expr):
    """`KIND within D [where C]` or `KIND.FIELD within D [where C]`, only as a call's argument."""

    target: Expr  # Name (the kind) or Attribute(Name(kind), field)
    within: Expr
    where: Expr | None


@dataclass(frozen=True, slots=True)
class Name(Expr):
    name: str


@dataclass(frozen=True, slots=True)
class Attribute(Expr):
    """`base.field`: a nested field (`address.country`)."""

    base: Expr
    field: str
    field_span: Span


@dataclass(frozen=True, slots=True)
class Negative(Expr):
    operand: Expr


@dataclass(frozen=True, slots=True)
class Arithmetic(Expr):
    """A left-to-right chain of one precedence level: `a + b - c` or `a * b / c`."""

    operands: tuple[Expr, ...]
    operators: tuple[str, ...]  # "+", "-", "*", "/"; one fewer than operands
    operator_spans: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Compare(Expr):
    left: Expr
    operator: str  # "==", "!=", "<", "<=", ">", ">="
    right: Expr
    operator_span: Span


@dataclass(frozen=True, slots=True)
class Between(Expr):
    subject: Expr
    low: Expr
    high: Expr


@dataclass(frozen=True, slots=True)
class Membership(Expr):
    subject: Expr
    items: tuple[Expr, ...]
    negated: bool  # `not in`


@dataclass(frozen=True, slots=True)
class Presence(Expr):
    subject: Expr
    missing: bool  # `is missing` (True) or `is present` (False)


@dataclass(frozen=True, slots=True)
class Not(Expr):
    operand: Expr


@dataclass(frozen=True, slots=True)
class Logic(Expr):
    """A flat `and` or `or` chain, evaluated left to right with short-circuit."""

    operator: str  # "and" | "or"
    operands: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Conditional(Expr):
    condition: Expr
    then: Expr
    otherwise: Expr


@dataclass(frozen=True, slots=True)
class Group(Expr):
    """A parenthesised expression; kept so that nesting is measured as written."""

    inner: Expr


# ---- statements (rules-language §2) --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Placeholder:
    path: tuple[str, ...]  # `{address.country}` -> ("address", "country")
    span: Span


@dataclass(frozen=True, slots=True)
class Message:
    """An alert message split into literal text and `{name}` placeholders."""

    parts: tuple[str | Placeholder, ...]
    # problems found while splitting it: (message key of dsl.catalog, the text it is about,
    # span); reported by the checker
    problems: tuple[tuple[str, str, Span], ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Points:
    """`add EXPR` or `subtract EXPR`."""

    value: Expr
    sign: int  # +1 for add, -1 for subtract
    span: Span


@dataclass(frozen=True, slots=True)
class AlertEffect:
    severity: Ident
    message: Message
    span: Span


@dataclass(frozen=True, slots=True)
class FlagEffect:
    name: Ident
    span: Span


@dataclass(frozen=True, slots=True)
class TierFloor:
    """`tier at least TIER`."""

    tier: Ident
    span: Span


Effect = Points | AlertEffect | FlagEffect | TierFloor


@dataclass(frozen=True, slots=True)
class Header:
    id: Ident
    label: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class FormDecl:
    form: Ident
    span: Span


@dataclass(frozen=True, slots=True)
class Let:
    name: Ident
    value: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Rule:
    id: Ident
    label: str | None
    condition: Expr
    effects: tuple[Effect, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class TierRow:
    name: Ident
    condition: Expr | None  # None for `otherwise`
    span: Span


@dataclass(frozen=True, slots=True)
class Tiers:
    rows: tuple[TierRow, ...]
    keyword_span: Span
    span: Span


@dataclass(frozen=True, slots=True)
class Pattern:
    """A table row's pattern (rules-language §2).

    kind "values": `a, b, c` (equality); "compare": `< 2` (`operator`, values[0]); "range":
    `A to B` (values[0], values[1]); "missing": `missing`; "else": the `else` row.
    """

    kind: str
    values: tuple[Expr, ...]
    operator: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class TableRow:
    pattern: Pattern
    points: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Table:
    id: Ident
    label: str | None
    subject: Expr
    rows: tuple[TableRow, ...]
    span: Span


Statement = Let | Rule | Table | Tiers


@dataclass(frozen=True, slots=True)
class Ruleset:
    header: Header
    form: FormDecl | None
    statements: tuple[Statement, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class ExpressionSource:
    """The root of a parsed stand-alone expression (`compile_expression`)."""

    expr: Expr
    span: Span
