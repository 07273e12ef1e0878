"""Checking function calls and event queries (rules-language §3, §5). Pure: no I/O, no clock.

Builds on `dsl.typecheck.ExpressionChecker`: `check_call` returns the call's type and records, for
the code generator, what each event query reads (`EventCall`); `resolve_in_where` decides what a
name means inside `where` (a field of the event kind, or a record field or let).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dsl.catalog import phrase
from dsl.functions import ALL_FUNCTIONS, SIGNATURES
from dsl.nodes import Attribute, Call, EventQuery, Expr, Group, Name
from dsl.schema import FieldInfo, Schema, ValueType
from dsl.spelling import closest

if TYPE_CHECKING:
    from dsl.typecheck import ExpressionChecker, Scope

ANY = ValueType.ANY
_ORDERED = (ValueType.NUMBER, ValueType.MONEY, ValueType.DATE, ValueType.TEXT)


@dataclass(frozen=True, slots=True)
class EventCall:
    """What one `count`/`sum`/`min`/`max`/`last` reads: kind, field and its conversion."""

    function: str
    kind: str
    field: str | None
    conversion: str | None  # "money" | "date" | None


def _unwrap(node: Expr) -> Expr:
    while isinstance(node, Group):
        node = node.inner
    return node


def check_call(checker: ExpressionChecker, node: Call, scope: Scope) -> ValueType:
    name = node.function
    queries = [a for a in node.args if isinstance(a, EventQuery)]
    if name in ("count", "sum") or (name in ("min", "max") and queries) or name == "last":
        return _check_event_call(checker, node, scope)
    signature = SIGNATURES.get(name)
    if signature is None:
        checker.report(
            "unknown-function",
            node.function_span,
            name=name,
            suggestion=closest(name, ALL_FUNCTIONS),
        )
        for arg in node.args:
            checker.check(arg, scope)
        return ANY
    count = len(node.args)
    if count < signature.minimum or (signature.maximum is not None and count > signature.maximum):
        low, high = signature.minimum, signature.maximum
        checker.report(_count_key(low, high), node.span, name=name, count=low, low=low, high=high)
    if signature.arguments == "field":
        for arg in node.args:
            _check_field_argument(checker, name, arg, scope)
        return ValueType(signature.result)
    found = [checker.check(arg, scope) for arg in node.args]
    return _check_arguments(checker, node, signature.arguments, found, signature.result)


def _check_field_argument(checker: ExpressionChecker, name: str, arg: Expr, scope: Scope) -> None:
    """`updated(FIELD)`, `source(FIELD)`: the argument is the name of a record field, as written
    (not a let, an expression or an event's field); with a form, one of its fields. It names
    the field rather than reading its value, but counts as read (a ruleset that asks when
    `bureau_score` changed depends on `bureau_score`)."""
    if not isinstance(arg, Name) or arg.name == "score":
        if not isinstance(arg, Name):
            checker.check(arg, scope)  # its own problems too
        checker.report("not-a-field/argument", arg.span, name=name)
        return
    field = arg.name
    if field in scope.lets or field in scope.later_lets or field == scope.current_let:
        checker.report("not-a-field/let", arg.span, name=name, field=field)
        return
    if field in scope.rule_ids:
        checker.report("not-a-value", arg.span, name=field)
        return
    outside = dataclasses.replace(scope, event_kind=None, event_fields=None)
    checker.name_outside_events(arg, outside)
    checker.freshness_read.add(field)
    if checker.schema is None or field in checker.schema:
        checker.fields_read.setdefault((field,), None)


def _count_key(low: int, high: int | None) -> str:
    """The `wrong-arguments` message for a function taking `low` to `high` values."""
    if high is None:
        return "wrong-arguments/at-least-one" if low == 1 else "wrong-arguments/at-least"
    if low == high:
        exact = {0: "wrong-arguments/none", 1: "wrong-arguments/one", 2: "wrong-arguments/two"}
        return exact.get(low, "wrong-arguments/exactly")
    return "wrong-arguments/range"


def _check_arguments(
    checker: ExpressionChecker,
    node: Call,
    kind: str,
    found: list[ValueType],
    result: str,
) -> ValueType:
    name = node.function
    args = list(node.args)
    wanted = {
        "number": (ValueType.NUMBER, ValueType.MONEY),
        "text": (ValueType.TEXT,),
        "date": (ValueType.DATE,),
    }
    if kind == "round":
        for index, (arg, value_type) in enumerate(zip(args, found, strict=True)):
            _need(
                checker,
                name,
                arg,
                value_type,
                (ValueType.NUMBER, ValueType.MONEY) if index == 0 else (ValueType.NUMBER,),
            )
        return found[0] if found and found[0] is not ANY else ValueType.NUMBER
    if kind in wanted:
        for arg, value_type in zip(args, found, strict=True):
            if kind == "date" and _is_last(arg):
                continue  # days_since(last(lawsuit)): the event's date
            _need(checker, name, arg, value_type, wanted[kind])
            if kind == "date" and value_type is ANY:
                _coerce(checker, arg, "date")
    if kind == "same":
        known = [t for t in found if t is not ANY]
        common = known[0] if known else ANY
        for arg, value_type in zip(args, found, strict=True):
            if value_type is not ANY and _family(value_type) != _family(common):
                checker.report(
                    "type-mismatch/one-kind", arg.span, name=name, type=value_type, type2=common
                )
            elif name in ("min", "max") and value_type not in (*_ORDERED, ANY):
                checker.report("type-mismatch/function-order", arg.span, name=name, type=value_type)
        if common in (ValueType.DATE, ValueType.MONEY):
            for arg, value_type in zip(args, found, strict=True):
                if value_type is ANY:
                    _coerce(checker, arg, "date" if common is ValueType.DATE else "money")
        if ValueType.MONEY in known and common is ValueType.NUMBER:
            common = ValueType.MONEY
        return common
    if result == "same":
        return found[0] if found and found[0] is not ANY else ANY
    return ValueType(result)


def _family(value_type: ValueType) -> str:
    return "number" if value_type in (ValueType.NUMBER, ValueType.MONEY) else str(value_type)


def _need(
    checker: ExpressionChecker,
    name: str,
    arg: Expr,
    found: ValueType,
    wanted: tuple[ValueType, ...],
) -> None:
    if found is ANY or found in wanted:
        return
    checker.report("type-mismatch/argument", arg.span, name=name, type=wanted[0], type2=found)


def _coerce(checker: ExpressionChecker, arg: Expr, conversion: str) -> None:
    arg = _unwrap(arg)
    if id(arg) in checker.reads and id(arg) not in checker.conversions:
        checker.conversions[id(arg)] = conversion


def _is_last(arg: Expr) -> bool:
    arg = _unwrap(arg)
    return isinstance(arg, Call) and arg.function == "last"


# ---- events ----


def _kind_schema(checker: ExpressionChecker, kind: Name) -> tuple[bool, Schema | None]:
    """(known, fields): whether the kind is acceptable, and its fields when schemas are given."""
    if checker.events is None:
        return True, None
    fields = checker.events.get(kind.name)
    if fields is None:
        checker.report(
            "unknown-event-kind",
            kind.span,
            name=kind.name,
            suggestion=closest(kind.name, checker.events),
        )
        return False, None
    return True, fields


def _event_field(
    checker: ExpressionChecker, kind: str, fields: Schema | None, attribute: Attribute
) -> FieldInfo | None:
    if fields is None:
        return None
    info = fields.get(attribute.field)
    if info is None:
        checker.report(
            "unknown-event-field",
            attribute.field_span,
            name=attribute.field,
            event=kind,
            suggestion=closest(attribute.field, fields),
        )
    return info


def _check_event_call(checker: ExpressionChecker, node: Call, scope: Scope) -> ValueType:
    name = node.function
    if name == "last":
        return _check_last(checker, node)
    query = node.args[0] if len(node.args) == 1 else None
    if not isinstance(query, EventQuery):
        key = "wrong-arguments/count-events" if name == "count" else "wrong-arguments/field-events"
        checker.report(key, node.span, name=name)
        return ANY
    target = _unwrap(query.target)
    kind: Name | None = None
    attribute: Attribute | None = None
    if isinstance(target, Name):
        kind = target
    elif isinstance(target, Attribute) and isinstance(_unwrap(target.base), Name):
        attribute = target
        kind = _unwrap(target.base)  # type: ignore[assignment]
    if kind is None or (name == "count") != (attribute is None):
        key = "wrong-arguments/event-kind" if name == "count" else "wrong-arguments/event-field"
        checker.report(key, query.target.span, name=name)
        return ANY
    known, fields = _kind_schema(checker, kind)
    info = _event_field(checker, kind.name, fields, attribute) if attribute and known else None
    value_type = info.type if info is not None else ANY
    if name == "sum" and value_type not in (ValueType.NUMBER, ValueType.MONEY, ANY):
        checker.report(
            "type-mismatch/sum",
            query.target.span,
            name=f"{kind.name}.{attribute.field}",  # type: ignore[union-attr]
            type=value_type,
        )
    if name in ("min", "max") and value_type not in (*_ORDERED, ANY):
        checker.report(
            "type-mismatch/function-order", query.target.span, name=name, type=value_type
        )
    if checker.check(query.within, scope) not in (ValueType.DURATION, ANY):
        checker.report("not-a-duration", query.within.span)
    if query.where is not None:
        where_scope = dataclasses.replace(scope, event_kind=kind.name, event_fields=fields)
        what = phrase("condition-after", word="where")
        checker.expect_condition(query.where, where_scope, what)
    conversion = {ValueType.MONEY: "money", ValueType.DATE: "date"}.get(value_type)
    field = attribute.field if attribute is not None else None
    checker.event_calls[id(node)] = EventCall(name, kind.name, field, conversion)
    if name == "count":
        return ValueType.NUMBER
    return value_type if value_type is not ANY else (ValueType.NUMBER if name == "sum" else ANY)


def _check_last(checker: ExpressionChecker, node: Call) -> ValueType:
    kind = _unwrap(node.args[0]) if len(node.args) == 1 else None
    if not isinstance(kind, Name):
        checker.report("wrong-arguments/last", node.span)
        return ANY
    _, fields = _kind_schema(checker, kind)
    checker.event_calls[id(node)] = EventCall("last", kind.name, None, None)
    checker.infos[id(node)] = FieldInfo(ValueType.RECORD, fields=fields)
    return ValueType.RECORD


def resolve_in_where(
    checker: ExpressionChecker, root: Name, chain: list[Attribute], scope: Scope
) -> tuple[ValueType, FieldInfo | None, tuple[str, ...] | None] | None:
    """rules-language §3: inside `where`, a bare name is a field of the event kind when the kind
    has it (without a schema: when the payload has it, decided per event), otherwise a record
    field or let; a name both have is an error. `KIND.FIELD` is always the event's field.

    Returns the resolution when the name is the event's, or None to resolve it as usual.
    """
    kind, fields = scope.event_kind, scope.event_fields
    assert kind is not None
    outer = dataclasses.replace(scope, event_kind=None, event_fields=None)
    if root.name == kind and chain:
        first = chain[0]
        info = _event_field(checker, kind, fields, first) if fields is not None else None
        checker.types[id(root)] = ANY
        checker.event_refs[id(first)] = ("event", first.field)
        value_type = info.type if info is not None else ANY
        checker.types[id(first)] = value_type
        if info is not None:
            checker.infos[id(first)] = info
            checker.convert(first, value_type)
        return checker.members(chain[1:], value_type, info, None)
    name = root.name
    in_record = name in scope.lets or (checker.schema is not None and name in checker.schema)
    if fields is not None:
        info = fields.get(name)
        if info is None:
            return None
        if in_record:
            is_let = name in scope.lets
            checker.report(
                "ambiguous-name/let" if is_let else "ambiguous-name/field",
                root.span,
                hint="rename-let" if is_let else "rename-field",
                name=name,
                event=kind,
            )
        checker.event_refs[id(root)] = ("event", name)
        checker.types[id(root)] = info.type
        checker.infos[id(root)] = info
        checker.convert(root, info.type)
        return checker.members(chain, info.type, info, None)
    if in_record or checker.schema is None:
        # decided per event: the payload's field when it has one, else the record's or the let's
        checker.name_outside_events(root, outer)
        checker.event_refs[id(root)] = ("either", name)
        checker.types[id(root)] = ANY
        return checker.members(chain, ANY, None, None)
    checker.event_refs[id(root)] = ("event", name)
    checker.types[id(root)] = ANY
    return checker.members(chain, ANY, None, None)
