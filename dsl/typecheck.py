"""Names and types of expressions (rules-language §3, §5). Pure: no I/O, no clock.

`ExpressionChecker.check(expr, scope)` returns the expression's `ValueType`, records the type of
every node (the code generator reads them) and the field paths read, and reports unknown names
and incompatible types as diagnostics. It recurses only after the caller has checked the nesting
depth, and walks flat chains with loops.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dsl.catalog import ENGLISH_WORDING, TYPE_WORDS, Phrase, Wording, phrase
from dsl.diagnostics import Diagnostic, Span
from dsl.names import is_valid_name
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
from dsl.schema import FieldInfo, Schema, ValueType
from dsl.spelling import closest

ANY = ValueType.ANY
NUMERIC = frozenset({ValueType.NUMBER, ValueType.MONEY})
MAX_CHAIN = 1000  # CPython's compiler recurses once per chained `+`; past ~2,500 it fails


def describe_type(value_type: ValueType) -> str:
    """A type in English words ("a number"); messages take them from `dsl.catalog.TYPE_WORDS`."""
    return TYPE_WORDS[value_type][0]


def _family(value_type: ValueType) -> str:
    return "number" if value_type in NUMERIC else str(value_type)


def compatible(a: ValueType, b: ValueType) -> bool:
    return a is ANY or b is ANY or _family(a) == _family(b)


@dataclass(slots=True)
class Scope:
    """What a name may mean where an expression stands."""

    lets: Mapping[str, ValueType]  # lets readable here, with their types
    later_lets: frozenset[str] = frozenset()  # lets defined below (readable only by rules)
    current_let: str | None = None
    rule_ids: frozenset[str] = frozenset()
    in_tiers: bool = False
    # inside `where` of an event query: the kind, and its fields when its schema is known
    event_kind: str | None = None
    event_fields: Schema | None = None


@dataclass(slots=True)
class ExpressionChecker:
    schema: Schema | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    types: dict[int, ValueType] = field(default_factory=dict)
    fields_read: dict[tuple[str, ...], None] = field(default_factory=dict)  # ordered set
    lets_used: set[str] = field(default_factory=set)
    infos: dict[int, FieldInfo] = field(default_factory=dict)  # id(name node) -> its field
    cycles: Callable[[str, str], bool] = lambda current, other: False
    events: Mapping[str, Schema] | None = None  # event kind -> its fields (None: not checked)
    # for the code generator: id(node) -> "money" | "date" (read it converted)
    conversions: dict[int, str] = field(default_factory=dict)
    # id(name node) inside `where` -> ("event", field) | ("either", field)
    event_refs: dict[int, tuple[str, str]] = field(default_factory=dict)
    event_calls: dict[int, Any] = field(default_factory=dict)  # id(call) -> calls.EventCall
    # for explanations: id(node) -> the field path or let name it reads
    reads: dict[int, tuple[str, ...]] = field(default_factory=dict)
    # the fields whose freshness `updated()` or `source()` reads (dsl.calls)
    freshness_read: set[str] = field(default_factory=set)
    # the language of the messages and the keywords of the file (dsl.catalog)
    wording: Wording = ENGLISH_WORDING

    def report(
        self,
        key: str,
        span: Span,
        /,
        *,
        hint: str | Phrase | None = None,
        suggestion: str | None = None,
        **fields: object,
    ) -> None:
        """Record the diagnostic `key` of `dsl.catalog.DIAGNOSTICS`, filled from `fields`."""
        self.diagnostics.append(
            self.wording.diagnostic(key, span, hint=hint, suggestion=suggestion, **fields)
        )

    def check(self, node: Expr, scope: Scope) -> ValueType:
        visit = getattr(self, "visit_" + type(node).__name__)
        result: ValueType = visit(node, scope)
        self.types[id(node)] = result
        return result

    # ---- expectations ----

    def expect_condition(self, node: Expr, scope: Scope, what: Phrase) -> None:
        """Report unless `node` is true or false; `what` says what it is (`condition-of-rule`)."""
        found = self.check(node, scope)
        if found not in (ValueType.BOOLEAN, ANY):
            self.report("not-a-condition", node.span, what=what, type=found)

    def expect_number(self, node: Expr, scope: Scope, what: Phrase) -> ValueType:
        found = self.check(node, scope)
        if found not in NUMERIC and found is not ANY:
            self.report("not-a-number", node.span, what=what, type=found)
            return ANY
        return found

    # ---- leaves ----

    def visit_Number(self, node: Number, scope: Scope) -> ValueType:
        return ValueType.NUMBER

    def visit_Text(self, node: Text, scope: Scope) -> ValueType:
        return ValueType.TEXT

    def visit_Boolean(self, node: Boolean, scope: Scope) -> ValueType:
        return ValueType.BOOLEAN

    def visit_Group(self, node: Group, scope: Scope) -> ValueType:
        return self.check(node.inner, scope)

    def visit_Date(self, node: Date, scope: Scope) -> ValueType:
        if node.value is None:
            self.report("bad-date/calendar", node.span, text=node.text)
        return ValueType.DATE

    def visit_Duration(self, node: Duration, scope: Scope) -> ValueType:
        if node.count.__class__ is not int:
            self.report(
                "bad-duration",
                node.span,
                hint="whole-duration" if node.unit == "years" else None,
                word=node.unit,
            )
        return ValueType.DURATION

    def visit_Money(self, node: Money, scope: Scope) -> ValueType:
        return ValueType.MONEY

    def visit_Call(self, node: Call, scope: Scope) -> ValueType:
        from dsl.calls import check_call  # calls builds on this checker

        return check_call(self, node, scope)

    def visit_EventQuery(self, node: EventQuery, scope: Scope) -> ValueType:
        self.report("misplaced-within", node.span)
        return ANY

    def convert(self, node: Expr, value_type: ValueType) -> None:
        """Read a field as money or a date (decided here, once, for both generated paths)."""
        if value_type is ValueType.MONEY:
            self.conversions[id(node)] = "money"
        elif value_type is ValueType.DATE:
            self.conversions[id(node)] = "date"

    def coerce_like(self, nodes: list[Expr], types: list[ValueType]) -> None:
        """A field of unknown type met with a date or money is read as one (§5, appendix)."""
        target = next((t for t in types if t in (ValueType.DATE, ValueType.MONEY)), None)
        if target is None:
            return
        for node, found in zip(nodes, types, strict=True):
            while isinstance(node, Group):
                node = node.inner
            if found is ANY and id(node) in self.reads and id(node) not in self.conversions:
                self.convert(node, target)

    def visit_Name(self, node: Name, scope: Scope) -> ValueType:
        return self._read(node, scope)

    def visit_Attribute(self, node: Attribute, scope: Scope) -> ValueType:
        return self._read(node, scope)

    def _read(self, node: Expr, scope: Scope) -> ValueType:
        value_type, info, path = self._resolve(node, scope)
        if path is not None:
            self.fields_read.setdefault(path, None)
            self.reads[id(node)] = path
        elif isinstance(node, Name) and node.name in scope.lets:
            self.reads[id(node)] = (node.name,)
        if info is not None:
            self.convert(node, value_type)
        return value_type

    def field_info(self, node: Expr) -> FieldInfo | None:
        """The schema entry a name or nested name stands for, when it is a field."""
        return self.infos.get(id(node))

    def _resolve(
        self, node: Expr, scope: Scope
    ) -> tuple[ValueType, FieldInfo | None, tuple[str, ...] | None]:
        """Type, schema entry and field path of a name or a chain of `.field` on it."""
        chain: list[Attribute] = []
        root: Expr = node
        while isinstance(root, Attribute):
            chain.append(root)
            root = root.base
        chain.reverse()
        if scope.event_kind is not None and isinstance(root, Name):
            from dsl.calls import resolve_in_where

            found = resolve_in_where(self, root, chain, scope)
            if found is not None:
                return found
        if isinstance(root, Name):
            value_type, info, path = self._name(root, scope)
            self.types[id(root)] = value_type
        else:
            value_type, path = self.check(root, scope), None
            info = self.infos.get(id(root))
        return self.members(chain, value_type, info, path)

    def members(
        self,
        chain: list[Attribute],
        value_type: ValueType,
        info: FieldInfo | None,
        path: tuple[str, ...] | None,
    ) -> tuple[ValueType, FieldInfo | None, tuple[str, ...] | None]:
        """Follow `.field` after `.field` from a base of known type."""
        for attribute in chain:
            if not is_valid_name(attribute.field):
                self.report("bad-name", attribute.field_span, name=attribute.field)
            value_type, info, path = self._member(attribute, value_type, info, path)
            self.types[id(attribute)] = value_type
            if info is not None:
                self.infos[id(attribute)] = info
        return value_type, info, path

    def name_outside_events(self, node: Name, scope: Scope) -> None:
        """Check a name as a record field or let (inside `where`, decided per event)."""
        self._name(node, scope)

    def _name(
        self, node: Name, scope: Scope
    ) -> tuple[ValueType, FieldInfo | None, tuple[str, ...] | None]:
        name = node.name
        if not is_valid_name(name):
            self.report("bad-name", node.span, name=name)
            return ANY, None, None
        if name == "score":
            if scope.in_tiers:
                return ValueType.NUMBER, None, None
            self.report("score-outside-tiers", node.span)
            return ANY, None, None
        if name in scope.lets:
            self.lets_used.add(name)
            return scope.lets[name], None, None
        if name == scope.current_let:
            self.report("let-cycle", node.span, name=name)
            return ANY, None, None
        if name in scope.later_lets:
            self.lets_used.add(name)
            if scope.current_let and self.cycles(scope.current_let, name):
                self.report("let-cycle/mutual", node.span, name=scope.current_let, other=name)
            else:
                self.report("let-order", node.span, name=name)
            return ANY, None, None
        if name in scope.rule_ids:
            self.report("not-a-value", node.span, name=name)
            return ANY, None, None
        if self.schema is None:
            return ANY, None, (name,)
        info = self.schema.get(name)
        if info is None:
            candidates = [*self.schema, *scope.lets, *(scope.event_fields or ())]
            if scope.in_tiers:
                candidates.append("score")
            self.report("unknown-field", node.span, name=name, suggestion=closest(name, candidates))
            return ANY, None, None
        self.infos[id(node)] = info
        return info.type, info, (name,)

    def _member(
        self,
        node: Attribute,
        base_type: ValueType,
        base_info: FieldInfo | None,
        base_path: tuple[str, ...] | None,
    ) -> tuple[ValueType, FieldInfo | None, tuple[str, ...] | None]:
        path = (*base_path, node.field) if base_path is not None else None
        if base_type is ANY:
            return ANY, None, path
        if base_type is not ValueType.RECORD:
            if base_path:
                self.report(
                    "not-a-record",
                    node.field_span,
                    name=".".join(base_path),
                    type=base_type,
                    field=node.field,
                )
            else:
                self.report("not-a-record/value", node.field_span, type=base_type, field=node.field)
            return ANY, None, None
        fields = base_info.fields if base_info is not None else None
        if fields is None:
            return ANY, None, path
        info = fields.get(node.field)
        if info is None:
            shown = ".".join(path) if path else node.field
            suggestion = closest(node.field, fields)
            prefix = ".".join(base_path) + "." if base_path else ""
            self.report(
                "unknown-field",
                node.field_span,
                name=shown,
                suggestion=prefix + suggestion if suggestion else None,
            )
            return ANY, None, None
        return info.type, info, path

    # ---- operators ----

    def visit_Negative(self, node: Negative, scope: Scope) -> ValueType:
        return self.expect_number(node.operand, scope, phrase("keyword", word="-"))

    def visit_Arithmetic(self, node: Arithmetic, scope: Scope) -> ValueType:
        if len(node.operands) > MAX_CHAIN:
            self.report("too-long", node.span, count=MAX_CHAIN)
            return ANY
        found = [self.check(operand, scope) for operand in node.operands]
        if ValueType.DATE in found or ValueType.DURATION in found:
            return self._date_arithmetic(node, found)
        self.coerce_like(list(node.operands), found)
        result = ValueType.NUMBER
        for index, (operand, kind) in enumerate(zip(node.operands, found, strict=True)):
            operator = node.operators[max(index - 1, 0)] if node.operators else "+"
            if kind not in NUMERIC and kind is not ANY:
                self.report(
                    "not-a-number", operand.span, what=phrase("keyword", word=operator), type=kind
                )
            if kind is ValueType.MONEY:
                result = ValueType.MONEY
        return result

    def _date_arithmetic(self, node: Arithmetic, found: list[ValueType]) -> ValueType:
        """`date + 30 days - 1 years`: a date moved by durations, and nothing else."""
        ok = found[0] in (ValueType.DATE, ANY) and all(
            kind in (ValueType.DURATION, ANY) and operator in "+-"
            for kind, operator in zip(found[1:], node.operators, strict=True)
        )
        if not ok:
            self.report("type-mismatch/date-arithmetic", node.span)
            return ANY
        if found[0] is ANY and id(_unwrap(node.operands[0])) in self.reads:
            self.conversions[id(_unwrap(node.operands[0]))] = "date"
        return ValueType.DATE

    def visit_Compare(self, node: Compare, scope: Scope) -> ValueType:
        left = self.check(node.left, scope)
        right = self.check(node.right, scope)
        self.coerce_like([node.left, node.right], [left, right])
        if ValueType.DURATION in (left, right):
            self.report("type-mismatch/durations", node.span)
        elif not compatible(left, right):
            self.report("type-mismatch/compare", node.span, type=left, type2=right)
        elif node.operator in ("==", "!="):
            self.check_option(node.left, node.right)
            self.check_option(node.right, node.left)
        elif ValueType.BOOLEAN in (left, right) or ValueType.RECORD in (left, right):
            found = left if left in (ValueType.BOOLEAN, ValueType.RECORD) else right
            self.report("type-mismatch/order", node.operator_span, op=node.operator, type=found)
        return ValueType.BOOLEAN

    def visit_Between(self, node: Between, scope: Scope) -> ValueType:
        subject = self.check(node.subject, scope)
        bounds = [self.check(bound, scope) for bound in (node.low, node.high)]
        self.coerce_like([node.subject, node.low, node.high], [subject, *bounds])
        for bound, found in zip((node.low, node.high), bounds, strict=True):
            if not compatible(subject, found) or found in (ValueType.BOOLEAN, ValueType.RECORD):
                self.report("type-mismatch/compare", bound.span, type=subject, type2=found)
        return ValueType.BOOLEAN

    def visit_Membership(self, node: Membership, scope: Scope) -> ValueType:
        subject = self.check(node.subject, scope)
        found_items = [self.check(item, scope) for item in node.items]
        self.coerce_like([node.subject, *node.items], [subject, *found_items])
        for item, found in zip(node.items, found_items, strict=True):
            if not compatible(subject, found):
                self.report("type-mismatch/compare", item.span, type=subject, type2=found)
            else:
                self.check_option(node.subject, item)
        return ValueType.BOOLEAN

    def check_option(self, subject: Expr, value: Expr) -> None:
        """rules-language §5: a choice field compared to a value not among its options."""
        info = self.field_info(subject)
        while isinstance(value, Group):
            value = value.inner
        if info is None or info.options is None or not isinstance(value, Text):
            return
        if value.value in info.options:
            return
        suggestion = closest(value.value, info.options)
        self.report(
            "not-an-option",
            value.span,
            hint=None if suggestion else "options",
            suggestion=suggestion,
            value=value.value,
            name=path_text(subject),
            options=tuple(info.options),
        )

    def visit_Presence(self, node: Presence, scope: Scope) -> ValueType:
        self.check(node.subject, scope)
        return ValueType.BOOLEAN

    def visit_Not(self, node: Not, scope: Scope) -> ValueType:
        self.expect_condition(node.operand, scope, phrase("value-after", word="not"))
        return ValueType.BOOLEAN

    def visit_Logic(self, node: Logic, scope: Scope) -> ValueType:
        for operand in node.operands:
            self.expect_condition(operand, scope, phrase("each-side", word=node.operator))
        return ValueType.BOOLEAN

    def visit_Conditional(self, node: Conditional, scope: Scope) -> ValueType:
        self.expect_condition(node.condition, scope, phrase("condition-after", word="if"))
        then = self.check(node.then, scope)
        otherwise = self.check(node.otherwise, scope)
        if not compatible(then, otherwise):
            self.report("type-mismatch/branches", node.span, word="if", type=then, type2=otherwise)
            return ANY
        return otherwise if then is ANY else then


def _unwrap(node: Expr) -> Expr:
    while isinstance(node, Group):
        node = node.inner
    return node


def path_text(node: Expr) -> str:
    parts: list[str] = []
    while isinstance(node, Attribute):
        parts.append(node.field)
        node = node.base
    if isinstance(node, Name):
        parts.append(node.name)
    return ".".join(reversed(parts))
