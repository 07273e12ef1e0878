"""Python source for a checked ruleset or expression: one flat function, compiled once.

Pure. User text only ever appears inside `repr()`-built literals (field names as `R['name']` keys,
text values, messages); identifiers are generated (`L0` for the first let, `S` for the score), so no
name a user writes can reach Python's namespace. Each function has a fast path of plain operators
inside one `try`; when a missing value, a wrong kind of value or a division by zero makes it raise,
the record is evaluated again by a copy of the body built from the missing-aware helpers of
`dsl.runtime` (rules-language §4). The two paths agree on every input; the fast one is for speed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from dsl.nodes import (
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
    Group,
    Logic,
    Membership,
    Money,
    Name,
    Negative,
    Not,
    Number,
    Presence,
    Text,
)
from dsl.schema import ValueType

_NUMERIC = (ValueType.NUMBER, ValueType.MONEY)
_SLOW_ARITHMETIC = {"+": "_add", "-": "_sub", "*": "_mul", "/": "_div"}
_SLOW_COMPARE = {
    "==": "_eq",
    "!=": "_ne",
    "<": "_lt",
    "<=": "_le",
    ">": "_gt",
    ">=": "_ge",
}
_BOOLEAN_NODES = (Compare, Between, Membership, Presence, Not, Logic, Boolean)
_LITERALS = (Number, Text, Boolean)
# rules-language §3 functions -> the helper that computes each (dsl.functions, dsl.dates)
_FUNCTIONS = {
    "abs": "_f_abs",
    "min": "_f_min",
    "max": "_f_max",
    "round": "_f_round",
    "lower": "_f_lower",
    "upper": "_f_upper",
    "contains": "_f_contains",
    "starts_with": "_f_starts_with",
    "length": "_f_length",
    "coalesce": "_f_coalesce",
}
_AS_OF_FUNCTIONS = {
    "days_since": "_days_since",
    "days_until": "_days_until",
    "years_since": "_years_since",
}
# rules-language §3: functions of a field's freshness, given the field's name, not its value
_FIELD_FUNCTIONS = {"updated": "_updated", "source": "_source"}
_EVENT_FUNCTIONS = {"sum": "_ev_sum", "max": "_ev_max", "min": "_ev_min"}
# Functions that skip a missing argument, so a missing operand changes their value rather than
# making it missing (rules-language §3).
_SKIPPING_MISSING = frozenset({"coalesce", "min", "max"})
_T = TypeVar("_T")


def _float_literal(node: Expr) -> bool:
    """A number literal that is not whole in Python (`0.5`, `90%`): `*` with it gives a float."""
    while isinstance(node, Group):
        node = node.inner
    return isinstance(node, Number) and node.value.__class__ is float


def literal(node: Expr) -> bool:
    while isinstance(node, Group):
        node = node.inner
    return isinstance(node, _LITERALS)


class Expressions:
    """Fast and missing-aware Python source for expressions, by node type.

    Generated code sees `R` (the record), `C` (the evaluation's `dsl.context.Context`), `D` (its
    `as_of`), `E` (the event inside a `where`), `L0...` (lets) and module constants `K0...`
    (dates and durations, built once when the code is loaded; see `constants`).
    """

    def __init__(
        self,
        analysis: Any,
        lets: Mapping[str, int],
        base_currency: str | None = None,
    ) -> None:
        self.types: Mapping[int, ValueType] = analysis.types
        self.conversions: Mapping[int, str] = analysis.conversions
        self.event_refs: Mapping[int, tuple[str, str]] = analysis.event_refs
        self.event_calls: Mapping[int, Any] = analysis.event_calls
        self.lets = lets
        self.base_currency = base_currency
        self.constants: dict[str, str] = {}  # code -> constant name
        # Whether the code reads `C` (events, money, exchange rates): without it, evaluation
        # builds no `dsl.context.Context` at all.
        self.uses_context = False
        # Fast path only: record fields read more than once are read once into a local
        # (`hoisted`: field -> local name); `reads` counts them while `counting`.
        self.reads: dict[str, int] = {}
        self.hoisted: dict[str, str] = {}
        # Fast path only: record fields used as arithmetic operands (`numeric`) are hoisted and
        # checked to be numbers (cheaper than `_n` around every use): at the top (`checked`), or
        # only once a rule fires, for those the rule's condition alone uses, where a wrong value
        # can only make it fire too often (`deferred`; see `defer_checks`).
        self.numeric: set[str] = set()
        self.checked: set[str] = set()
        self.deferred: set[str] | None = None
        self.counting = False
        self._in_where = 0

    def constant(self, code: str) -> str:
        if code not in self.constants:
            self.constants[code] = f"K{len(self.constants)}"
        return self.constants[code]

    def constant_lines(self) -> list[str]:
        return [f"{name} = {code}" for code, name in self.constants.items()]

    def _convert(self, node: Expr, code: str) -> str:
        conversion = self.conversions.get(id(node))
        if conversion == "money":
            self.uses_context = True
            return f"_money({code}, C)"
        if conversion == "date":
            return f"_date({code})"
        return code

    def _read(self, node: Name, fast: bool) -> str:
        own = self._name(node)
        ref = self.event_refs.get(id(node))
        if fast and self._plain_field(node):
            if self.counting:
                self.reads[node.name] = self.reads.get(node.name, 0) + 1
            own = self.hoisted.get(node.name)
        record = own or (f"R[{node.name!r}]" if fast else f"_get(R, {node.name!r})")
        if ref is None:
            code = record
        elif ref[0] == "event":
            code = f"E[{ref[1]!r}]" if fast else f"_get(E, {ref[1]!r})"
        else:
            code = f"_either(E, {ref[1]!r}, {record})"
        return self._convert(node, code)

    def _member(self, node: Attribute, fast: bool) -> str:
        ref = self.event_refs.get(id(node))
        if ref is not None:
            code = f"E[{ref[1]!r}]" if fast else f"_get(E, {ref[1]!r})"
        elif fast:
            code = f"{self.fast(node.base)}[{node.field!r}]"
        else:
            code = f"_member({self.slow(node.base)}, {node.field!r})"
        return self._convert(node, code)

    # ---- calls: the same code on both paths ----

    def call(self, node: Call, fast: bool) -> str:
        expr = self.fast if fast else self.slow
        truth = self.fast_truth if fast else self.slow_truth
        event = self.event_calls.get(id(node))
        if event is not None:
            self.uses_context = True
            if event.function == "last":
                return f"_ev_last(C, {event.kind!r})"
            query = node.args[0]
            assert isinstance(query, EventQuery)
            self._in_where += 1  # a hoisted local would become a closure cell: read R there
            where = f"(lambda E: {truth(query.where)})" if query.where is not None else "None"
            self._in_where -= 1
            within = expr(query.within)
            if event.function == "count":
                return f"_ev_count(C, {event.kind!r}, {within}, {where})"
            helper = _EVENT_FUNCTIONS[event.function]
            return (
                f"{helper}(C, {event.kind!r}, {within}, {event.field!r}, "
                f"{event.conversion!r}, {where})"
            )
        if node.function in _FIELD_FUNCTIONS:
            field = node.args[0]
            assert isinstance(field, Name)  # the checker accepts nothing else
            return f"{_FIELD_FUNCTIONS[node.function]}(R, {field.name!r})"
        if fast and node.function in _SKIPPING_MISSING:
            # A wrong value computed from a boolean or text (`1 * flag` is 1, not missing) would
            # be taken where the missing-aware path skips to the next argument: a deferred
            # check is not sound here (`defer_checks`), so its operands are checked up front.
            args = self._unchecked(lambda: [expr(arg) for arg in node.args])
        else:
            args = [expr(arg) for arg in node.args]
        if node.function == "today":
            return "D"
        if node.function in _AS_OF_FUNCTIONS:
            return f"{_AS_OF_FUNCTIONS[node.function]}({args[0]}, D)"
        return f"{_FUNCTIONS[node.function]}({', '.join(args)})"

    def _date_chain(self, node: Arithmetic, fast: bool) -> str:
        expr = self.fast if fast else self.slow
        parts = [expr(node.operands[0])]
        for operator, operand in zip(node.operators, node.operands[1:], strict=True):
            parts += ["1" if operator == "+" else "-1", expr(operand)]
        return f"_date_chain({', '.join(parts)})"

    def type_of(self, node: Expr) -> ValueType:
        return self.types.get(id(node), ValueType.ANY)

    def _name(self, node: Name) -> str | None:
        if node.name in self.lets:
            return f"L{self.lets[node.name]}"
        if node.name == "score":
            return "S"
        return None

    # ---- fast path: plain operators; raises for missing or mismatched data ----

    def fast(self, node: Expr) -> str:
        method: Callable[[Expr], str] = getattr(self, "fast_" + type(node).__name__)
        return method(node)

    def fast_truth(self, node: Expr) -> str:
        while isinstance(node, Group):
            node = node.inner
        if isinstance(node, _BOOLEAN_NODES):
            return self.fast(node)
        # rules-language §4: only `true` holds; a missing value used as a condition is false
        return f"({self.fast(node)} is True)"

    def fast_number(self, node: Expr) -> str:
        inner = node
        while isinstance(inner, Group):
            inner = inner.inner
        # An arithmetic result or a number literal is a number; anything read from the record
        # may hold another kind of value whatever the form says (a boolean, which Python's
        # arithmetic takes for 0 or 1; text, which `+` joins), which must send the record to the
        # missing-aware path (rules-language §4).
        if isinstance(inner, (Number, Arithmetic, Negative)) and (
            self.type_of(inner) in _NUMERIC or isinstance(inner, Number)
        ):
            return self.fast(node)
        if isinstance(inner, Name) and self._plain_field(inner):
            self.numeric.add(inner.name)
            (self.checked if self.deferred is None else self.deferred).add(inner.name)
            if inner.name in self.hoisted:
                return self.fast(node)
        return f"_n({self.fast(node)})"

    def defer_checks(self, condition: Expr) -> tuple[str, set[str]]:
        """The fast test of a rule's condition, and the fields to check once it holds.

        Sound by rules-language §4: on the missing-aware path a comparison with a non-number
        operand is false. Where a comparison counts only positively in the condition (not under
        `not`, not in the condition of `if … then … else`), a wrong value computed from a
        boolean (`true - 1`) can only make the condition true when it would be false, never the
        reverse; so a condition that does not hold needs no check, and one that holds checks its
        operands before any effect and falls back to the missing-aware path if one is not a
        number.
        """
        self.deferred = set()
        try:
            return self.fast_truth(condition), self.deferred
        finally:
            self.deferred = None

    def number_checks(self, names: set[str], indent: str = "") -> list[str]:
        """Statements checking that hoisted fields hold numbers, in hoisting order. Not a number
        (a boolean, text): KeyError, and the missing-aware path decides."""
        return [
            f"{indent}_IS_NUMBER[_type({local})]"
            for name, local in self.hoisted.items()
            if name in names
        ]

    def _unchecked(self, generate: Callable[[], _T]) -> _T:
        """`generate()` with every arithmetic operand in it checked up front."""
        deferred, self.deferred = self.deferred, None
        try:
            return generate()
        finally:
            self.deferred = deferred

    def _plain_field(self, node: Name) -> bool:
        """A top-level record field read as it is: the fast path may hoist it into a local."""
        return (
            self._name(node) is None
            and id(node) not in self.event_refs
            and id(node) not in self.conversions
            and not self._in_where
        )

    def fast_Number(self, node: Number) -> str:
        return f"({node.value!r})" if node.value < 0 else repr(node.value)

    def fast_Text(self, node: Text) -> str:
        return repr(node.value)

    def fast_Boolean(self, node: Boolean) -> str:
        return repr(node.value)

    def fast_Name(self, node: Name) -> str:
        return self._read(node, fast=True)

    def fast_Attribute(self, node: Attribute) -> str:
        return self._member(node, fast=True)

    def fast_Date(self, node: Date) -> str:
        value = node.value
        assert value is not None  # the checker refuses a date not in the calendar
        return self.constant(f"_mkdate({value.year}, {value.month}, {value.day})")

    def fast_Duration(self, node: Duration) -> str:
        return self.constant(f"_period({int(node.count)}, {node.unit!r})")

    def fast_Money(self, node: Money) -> str:
        if node.currency == self.base_currency:
            return f"({node.amount!r})" if node.amount < 0 else repr(node.amount)
        self.uses_context = True
        return f"_fx({node.amount!r}, {node.currency!r}, C)"

    def fast_Call(self, node: Call) -> str:
        return self.call(node, fast=True)

    def fast_Group(self, node: Group) -> str:
        return self.fast(node.inner)

    def fast_Negative(self, node: Negative) -> str:
        return f"(-{self.fast_number(node.operand)})"

    def fast_Arithmetic(self, node: Arithmetic) -> str:
        if self.type_of(node) is ValueType.DATE:
            return self._date_chain(node, fast=True)
        parts = [self.fast_number(operand) for operand in node.operands]
        # Two ints multiply exactly into any size, and `*` repeats text and lists: a product
        # whose operands may both be ints is `dsl.runtime.multiply`, bounded, on both paths.
        is_float = _float_literal(node.operands[0])  # whether the value so far is a float
        bounded = False
        for operator, operand in zip(node.operators, node.operands[1:], strict=True):
            if operator == "*" and not (is_float or _float_literal(operand)):
                bounded = True
            is_float = is_float or operator == "/" or _float_literal(operand)
        if not bounded:
            flat = [parts[0]]
            for operator, part in zip(node.operators, parts[1:], strict=True):
                flat.append(f" {operator} {part}")
            return "(" + "".join(flat) + ")"
        if len(parts) == 2:
            return f"_mul({parts[0]}, {parts[1]})"
        # one flat call, however long the chain: nested calls would hit Python's nesting limit
        chain = [parts[0]]
        for operator, part in zip(node.operators, parts[1:], strict=True):
            chain += ["_mul" if operator == "*" else "_truediv", part]
        return "_chain(" + ", ".join(chain) + ")"

    def fast_Compare(self, node: Compare) -> str:
        left, right = self.fast(node.left), self.fast(node.right)
        # rules-language §4: Python's `None != 1` and `None == None` are true; ours are false.
        # Against a literal (never None), `x not in (None, "CNY")` is `x != "CNY"` with that.
        if node.operator == "!=" and (literal(node.left) or literal(node.right)):
            value, constant = (right, left) if literal(node.left) else (left, right)
            return f"({value} not in (None, {constant}))"
        if node.operator == "!=" or (
            node.operator == "==" and not (literal(node.left) or literal(node.right))
        ):
            return f"{_SLOW_COMPARE[node.operator]}({left}, {right})"
        return f"({left} {node.operator} {right})"

    def fast_Between(self, node: Between) -> str:
        return f"({self.fast(node.low)} <= {self.fast(node.subject)} <= {self.fast(node.high)})"

    def fast_Membership(self, node: Membership) -> str:
        items = "".join(self.fast(item) + ", " for item in node.items)
        subject = self.fast(node.subject)
        if node.negated:
            return f"_not_in({subject}, ({items}))"
        if all(literal(item) for item in node.items):
            return f"({subject} in ({items}))"
        return f"_in({subject}, ({items}))"

    def fast_Presence(self, node: Presence) -> str:
        return self.slow_Presence(node)

    def fast_Not(self, node: Not) -> str:
        return self._unchecked(lambda: f"(not {self.fast_truth(node.operand)})")

    def fast_Logic(self, node: Logic) -> str:
        joiner = f" {node.operator} "
        return "(" + joiner.join(self.fast_truth(o) for o in node.operands) + ")"

    def fast_Conditional(self, node: Conditional) -> str:
        condition = self._unchecked(lambda: self.fast_truth(node.condition))
        return f"({self.fast(node.then)} if {condition} else {self.fast(node.otherwise)})"

    # ---- missing-aware path: helpers that never raise for data ----

    def slow(self, node: Expr) -> str:
        method: Callable[[Expr], str] = getattr(self, "slow_" + type(node).__name__)
        return method(node)

    def slow_truth(self, node: Expr) -> str:
        while isinstance(node, Group):
            node = node.inner
        if isinstance(node, _BOOLEAN_NODES):
            return self.slow(node)
        return f"({self.slow(node)} is True)"

    slow_Number = fast_Number
    slow_Text = fast_Text
    slow_Boolean = fast_Boolean

    slow_Date = fast_Date
    slow_Duration = fast_Duration
    slow_Money = fast_Money

    def slow_Name(self, node: Name) -> str:
        return self._read(node, fast=False)

    def slow_Attribute(self, node: Attribute) -> str:
        return self._member(node, fast=False)

    def slow_Call(self, node: Call) -> str:
        return self.call(node, fast=False)

    def slow_Group(self, node: Group) -> str:
        return self.slow(node.inner)

    def slow_Negative(self, node: Negative) -> str:
        return f"_neg({self.slow(node.operand)})"

    def slow_Arithmetic(self, node: Arithmetic) -> str:
        if self.type_of(node) is ValueType.DATE:
            return self._date_chain(node, fast=False)
        operands = [self.slow(o) for o in node.operands]
        if len(operands) == 2:
            return f"{_SLOW_ARITHMETIC[node.operators[0]]}({operands[0]}, {operands[1]})"
        parts = [operands[0]]
        for operator, operand in zip(node.operators, operands[1:], strict=True):
            parts.append(f"{_SLOW_ARITHMETIC[operator]}, {operand}")
        return "_chain(" + ", ".join(parts) + ")"

    def slow_Compare(self, node: Compare) -> str:
        function = _SLOW_COMPARE[node.operator]
        return f"{function}({self.slow(node.left)}, {self.slow(node.right)})"

    def slow_Between(self, node: Between) -> str:
        return f"_between({self.slow(node.subject)}, {self.slow(node.low)}, {self.slow(node.high)})"

    def slow_Membership(self, node: Membership) -> str:
        items = "".join(self.slow(item) + ", " for item in node.items)
        function = "_not_in" if node.negated else "_in"
        return f"{function}({self.slow(node.subject)}, ({items}))"

    def slow_Presence(self, node: Presence) -> str:
        test = "is None" if node.missing else "is not None"
        return f"({self.slow(node.subject)} {test})"

    def slow_Not(self, node: Not) -> str:
        return f"(not {self.slow_truth(node.operand)})"

    def slow_Logic(self, node: Logic) -> str:
        joiner = f" {node.operator} "
        return "(" + joiner.join(self.slow_truth(o) for o in node.operands) + ")"

    def slow_Conditional(self, node: Conditional) -> str:
        return (
            f"({self.slow(node.then)} if {self.slow_truth(node.condition)} "
            f"else {self.slow(node.otherwise)})"
        )


def expression_source(expr: Expr, analysis: Any, base_currency: str | None) -> str:
    """A function `_expression(R, C)` returning the value of `expr` for record R (None: missing)."""
    gen = Expressions(analysis, {}, base_currency)
    fast, slow = gen.fast(expr), gen.slow(expr)
    return "\n".join(
        [
            *gen.constant_lines(),
            "def _expression(R, C):",
            "    D = C.as_of",
            "    try:",
            f"        return {fast}",
            "    except _FALLBACK:",
            "        pass",
            f"    return {slow}",
            "",
        ]
    )
