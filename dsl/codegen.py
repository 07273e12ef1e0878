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
from dataclasses import dataclass

from dsl.nodes import (
    AlertEffect,
    Arithmetic,
    Attribute,
    Between,
    Boolean,
    Compare,
    Conditional,
    Expr,
    FlagEffect,
    Group,
    Logic,
    Membership,
    Name,
    Negative,
    Not,
    Number,
    Placeholder,
    Points,
    Presence,
    Rule,
    Text,
    TierFloor,
    Tiers,
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


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What the result needs to know of a rule without running it."""

    id: str
    label: str | None
    points: int | float | None  # None when computed at evaluation
    flags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AlertInfo:
    severity: str
    rule: str


@dataclass(frozen=True, slots=True)
class Program:
    """Generated source plus the static facts the result is built from."""

    source: str
    rules: tuple[RuleInfo, ...]
    alerts: tuple[AlertInfo, ...]
    tiers: tuple[str, ...]
    lets: tuple[str, ...]


def _literal(node: Expr) -> bool:
    while isinstance(node, Group):
        node = node.inner
    return isinstance(node, _LITERALS)


class _Expressions:
    """Fast and missing-aware Python source for expressions, by node type."""

    def __init__(self, types: Mapping[int, ValueType], lets: Mapping[str, int]) -> None:
        self.types = types
        self.lets = lets

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
        if self.type_of(node) in _NUMERIC:
            return self.fast(node)
        return f"_n({self.fast(node)})"

    def fast_Number(self, node: Number) -> str:
        return f"({node.value!r})" if node.value < 0 else repr(node.value)

    def fast_Text(self, node: Text) -> str:
        return repr(node.value)

    def fast_Boolean(self, node: Boolean) -> str:
        return repr(node.value)

    def fast_Name(self, node: Name) -> str:
        return self._name(node) or f"R[{node.name!r}]"

    def fast_Attribute(self, node: Attribute) -> str:
        return f"{self.fast(node.base)}[{node.field!r}]"

    def fast_Group(self, node: Group) -> str:
        return self.fast(node.inner)

    def fast_Negative(self, node: Negative) -> str:
        return f"(-{self.fast_number(node.operand)})"

    def fast_Arithmetic(self, node: Arithmetic) -> str:
        parts = [self.fast_number(node.operands[0])]
        for operator, operand in zip(node.operators, node.operands[1:], strict=True):
            parts.append(f" {operator} {self.fast_number(operand)}")
        return "(" + "".join(parts) + ")"

    def fast_Compare(self, node: Compare) -> str:
        left, right = self.fast(node.left), self.fast(node.right)
        # rules-language §4: Python's `None != 1` and `None == None` are true; ours are false
        if node.operator == "!=" or (
            node.operator == "==" and not (_literal(node.left) or _literal(node.right))
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
        if all(_literal(item) for item in node.items):
            return f"({subject} in ({items}))"
        return f"_in({subject}, ({items}))"

    def fast_Presence(self, node: Presence) -> str:
        return self.slow_Presence(node)

    def fast_Not(self, node: Not) -> str:
        return f"(not {self.fast_truth(node.operand)})"

    def fast_Logic(self, node: Logic) -> str:
        joiner = f" {node.operator} "
        return "(" + joiner.join(self.fast_truth(o) for o in node.operands) + ")"

    def fast_Conditional(self, node: Conditional) -> str:
        return (
            f"({self.fast(node.then)} if {self.fast_truth(node.condition)} "
            f"else {self.fast(node.otherwise)})"
        )

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

    def slow_Name(self, node: Name) -> str:
        return self._name(node) or f"_get(R, {node.name!r})"

    def slow_Attribute(self, node: Attribute) -> str:
        return f"_member({self.slow(node.base)}, {node.field!r})"

    def slow_Group(self, node: Group) -> str:
        return self.slow(node.inner)

    def slow_Negative(self, node: Negative) -> str:
        return f"_neg({self.slow(node.operand)})"

    def slow_Arithmetic(self, node: Arithmetic) -> str:
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


def expression_source(expr: Expr, types: Mapping[int, ValueType]) -> str:
    """A function `_expression(R)` returning the value of `expr` for record R (None: missing)."""
    gen = _Expressions(types, {})
    return "\n".join(
        [
            "def _expression(R):",
            "    try:",
            f"        return {gen.fast(expr)}",
            "    except _FALLBACK:",
            "        pass",
            f"    return {gen.slow(expr)}",
            "",
        ]
    )


def _message(gen: _Expressions, alert: AlertEffect) -> str:
    pieces: list[str] = []
    for part in alert.message.parts:
        if isinstance(part, Placeholder):
            head, *rest = part.path
            code = f"L{gen.lets[head]}" if head in gen.lets else f"_get(R, {head!r})"
            for field in rest:
                code = f"_member({code}, {field!r})"
            pieces.append(f"_fmt({code})")
        else:
            pieces.append(repr(part))
    return " + ".join(pieces) or "''"


def _constant(node: Expr) -> int | float | None:
    while isinstance(node, Group):
        node = node.inner
    return node.value if isinstance(node, Number) else None


def ruleset_program(
    lets: list[tuple[str, Expr]],
    rules: list[Rule],
    tiers: Tiers,
    types: Mapping[int, ValueType],
) -> Program:
    """The evaluation function `_ruleset(R)` of a checked ruleset, and its static facts.

    `_ruleset(R)` returns `(score, fired, alerts, tier_index, let_values)` where `fired` lists
    rule indexes (constant points) or `(index, points)` pairs, and `alerts` `(index, message)`.
    """
    gen = _Expressions(types, {name: index for index, (name, _) in enumerate(lets)})
    tier_names = tuple(row.name.name for row in tiers.rows)
    rule_infos: list[RuleInfo] = []
    alert_infos: list[AlertInfo] = []

    def body(fast: bool) -> list[str]:
        expr = gen.fast if fast else gen.slow
        truth = gen.fast_truth if fast else gen.slow_truth
        lines = [f"L{index} = {expr(value)}" for index, (_, value) in enumerate(lets)]
        lines += ["S = 0", "F = []", "A = []", f"M = {len(tier_names) - 1}"]
        alert_index = 0
        for index, rule in enumerate(rules):
            lines.append(f"if {truth(rule.condition)}:")
            constant: int | float = 0
            dynamic: list[str] = []
            for effect in rule.effects:
                if isinstance(effect, Points):
                    value = _constant(effect.value)
                    if value is not None:
                        constant += effect.sign * value
                    else:
                        code = (
                            gen.fast_number(effect.value)
                            if fast
                            else (f"_points({gen.slow(effect.value)})")
                        )
                        dynamic.append(("+ " if effect.sign > 0 else "- ") + code)
            if dynamic:
                lines.append(f"    P = {constant!r} " + " ".join(dynamic))
                lines += ["    S += P", f"    F.append(({index}, P))"]
            else:
                if constant:
                    lines.append(f"    S += {constant!r}")
                lines.append(f"    F.append({index})")
            for effect in rule.effects:
                if isinstance(effect, AlertEffect):
                    lines.append(f"    A.append(({alert_index}, {_message(gen, effect)}))")
                    alert_index += 1
                elif isinstance(effect, TierFloor):
                    floor = tier_names.index(effect.tier.name)
                    lines += [f"    if M > {floor}:", f"        M = {floor}"]
        for index, row in enumerate(tiers.rows):
            keyword = "if" if index == 0 else "elif"
            if row.condition is None:
                lines += ["else:" if index else "if True:", f"    T = {index}"]
                break
            lines += [f"{keyword} {truth(row.condition)}:", f"    T = {index}"]
        lines += ["if T > M:", "    T = M"]
        values = "".join(f"L{index}, " for index in range(len(lets)))
        lines.append(f"return S, F, A, T, ({values})")
        return lines

    for rule in rules:
        constant_points: int | float | None = 0
        for effect in rule.effects:
            if isinstance(effect, Points):
                value = _constant(effect.value)
                if value is None or constant_points is None:
                    constant_points = None
                else:
                    constant_points += effect.sign * value
            elif isinstance(effect, AlertEffect):
                alert_infos.append(AlertInfo(effect.severity.name, rule.id.name))
        flags = tuple(e.name.name for e in rule.effects if isinstance(e, FlagEffect))
        rule_infos.append(RuleInfo(rule.id.name, rule.label, constant_points, flags))

    source = "\n".join(
        ["def _ruleset(R):", "    try:"]
        + ["        " + line for line in body(fast=True)]
        + ["    except _FALLBACK:", "        pass"]
        + ["    " + line for line in body(fast=False)]
        + [""]
    )
    return Program(
        source, tuple(rule_infos), tuple(alert_infos), tier_names, tuple(n for n, _ in lets)
    )
