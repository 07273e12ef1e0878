"""What starts a workflow: one entry per trigger kind, read by the loader, by `fires` and by the
docs test. Pure.

`TRIGGERS[kind]` says which parameters a trigger of that kind takes (`severity`, `rule`,
`fields`, `kind`), which fact each one is compared with, and what its `when` guard reads beyond
the customer's fields and terms (`assessment`, `raised_alert`, `event`, `order`, `check`,
`changed`, `previous`, `review`, `started_by`).

An `Occurrence` is something that happened to one customer (its tier changed, an alert was
raised, an event arrived ...) with those facts. `fires(workflow, occurrence, record)` says
whether it starts the workflow: the kind matches, each of the kind's parameters matches its
fact, and the `when` guard holds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from dsl import ALERT_SEVERITIES, FieldInfo, Schema, ValueType
from workflows.model import TERMS_NAMES, TriggerKind, Workflow

TEXT = FieldInfo(ValueType.TEXT)
NUMBER = FieldInfo(ValueType.NUMBER)
MONEY = NUMBER  # money is a JSON number in the base currency in this cut (DESIGN.md)
DATE = FieldInfo(ValueType.DATE)

ASSESSMENT = FieldInfo(
    ValueType.RECORD,
    fields=MappingProxyType({"tier": TEXT, "previous_tier": TEXT, "score": NUMBER}),
)
# `alert` and `rule` are keywords of the rules language (rules-language §1): a guard reads the
# alert that fired the trigger as `raised_alert.rule_name`, `raised_alert.severity`, ...
ALERT = FieldInfo(
    ValueType.RECORD,
    fields=MappingProxyType(
        {
            "rule_name": TEXT,
            "severity": FieldInfo(ValueType.TEXT, options=ALERT_SEVERITIES),
            "message": TEXT,
        }
    ),
)
ORDER = FieldInfo(
    ValueType.RECORD,
    fields=MappingProxyType({"ref": TEXT, "amount": MONEY, "currency": TEXT}),
)
CHECK = FieldInfo(
    ValueType.RECORD,
    fields=MappingProxyType(
        {
            "decision": FieldInfo(ValueType.TEXT, options=("pass", "warn", "hold")),
            "total": MONEY,
            "available": MONEY,
            "credit_limit": MONEY,
        }
    ),
)
REVIEW = FieldInfo(ValueType.RECORD, fields=MappingProxyType({"due": DATE}))


class ParamNames(StrEnum):
    """What the values of a trigger parameter name, and so how the loader checks them."""

    SEVERITY = "severity"  # an alert severity of the rules language (ALERT_SEVERITIES)
    RULE = "rule"  # a rule name of the scoring ruleset (a name; the ruleset is not at hand)
    FIELD = "field"  # a customer field or a credit term (checked against the schema)
    EVENT_FORM = "event_form"  # the key of an event form (checked against the forms given)


@dataclass(frozen=True, slots=True)
class TriggerParam:
    """A parameter of a trigger kind: one text or a list of texts (`fact` must equal one of
    them; when the fact is a list, one of its items must; when it is a mapping of names to
    flags, one of the names flagged true must)."""

    name: str
    names: ParamNames
    fact: tuple[str, ...]  # the path of the compared fact in `Occurrence.facts`
    required: bool = False


# What a guard of the kind reads beyond the customer's record: built from the trigger's checked
# parameters, the customer schema (fields + terms) and the non-customer forms by key (None:
# unknown, so their fields are not checked).
GuardReads = Callable[
    [Mapping[str, tuple[str, ...]], Schema | None, Mapping[str, Schema] | None],
    Mapping[str, FieldInfo],
]


@dataclass(frozen=True, slots=True)
class TriggerSpec:
    """One trigger kind: its parameters, what its guard reads (`reads` builds the names,
    `documented` lists them as docs/workflows.md names them)."""

    kind: TriggerKind
    params: tuple[TriggerParam, ...]
    reads: GuardReads
    documented: tuple[str, ...]

    def param(self, name: str) -> TriggerParam | None:
        return next((p for p in self.params if p.name == name), None)


def _fixed(names: Mapping[str, FieldInfo]) -> GuardReads:
    frozen = MappingProxyType(dict(names))
    return lambda params, schema, forms: frozen


def _field_changed(
    params: Mapping[str, tuple[str, ...]], schema: Schema | None, forms: Mapping[str, Schema] | None
) -> Mapping[str, FieldInfo]:
    # `changed.F` is true for each watched field F that changed (missing for the others);
    # `previous.F` holds its old value, typed like the field itself.
    watched = params.get("fields", ())
    changed = MappingProxyType(dict.fromkeys(watched, FieldInfo(ValueType.BOOLEAN)))
    previous = (
        None
        if schema is None
        else MappingProxyType({name: schema[name] for name in watched if name in schema})
    )
    return {
        "changed": FieldInfo(ValueType.RECORD, fields=changed if watched else None),
        "previous": FieldInfo(ValueType.RECORD, fields=previous),
    }


def _event_received(
    params: Mapping[str, tuple[str, ...]], schema: Schema | None, forms: Mapping[str, Schema] | None
) -> Mapping[str, FieldInfo]:
    kinds = params.get("kind", ())
    fields: dict[str, FieldInfo] | None = None
    if forms is not None and len(kinds) == 1 and kinds[0] in forms:
        fields = dict(forms[kinds[0]])
    elif forms is not None and kinds and all(k in forms for k in kinds):
        # several kinds: only the fields every one of them has, with the same type
        first, *others = (forms[k] for k in kinds)
        fields = {n: i for n, i in first.items() if all(o.get(n) == i for o in others)}
    if fields is not None:
        fields.update(kind=TEXT, occurred_at=DATE)
    event = FieldInfo(ValueType.RECORD, fields=None if fields is None else MappingProxyType(fields))
    return {"event": event}


TRIGGERS: Mapping[TriggerKind, TriggerSpec] = MappingProxyType(
    {
        TriggerKind.TIER_CHANGED: TriggerSpec(
            TriggerKind.TIER_CHANGED,
            params=(),
            reads=_fixed({"assessment": ASSESSMENT}),
            documented=("assessment.tier", "assessment.previous_tier", "assessment.score"),
        ),
        TriggerKind.ALERT_RAISED: TriggerSpec(
            TriggerKind.ALERT_RAISED,
            params=(
                TriggerParam("severity", ParamNames.SEVERITY, ("raised_alert", "severity")),
                TriggerParam("rule", ParamNames.RULE, ("raised_alert", "rule_name")),
            ),
            reads=_fixed({"raised_alert": ALERT, "assessment": ASSESSMENT}),
            documented=(
                "raised_alert.rule_name",
                "raised_alert.severity",
                "raised_alert.message",
                "assessment.tier",
                "assessment.previous_tier",
                "assessment.score",
            ),
        ),
        TriggerKind.FIELD_CHANGED: TriggerSpec(
            TriggerKind.FIELD_CHANGED,
            params=(TriggerParam("fields", ParamNames.FIELD, ("changed",), required=True),),
            reads=_field_changed,
            documented=("changed.FIELD", "previous.FIELD"),
        ),
        TriggerKind.EVENT_RECEIVED: TriggerSpec(
            TriggerKind.EVENT_RECEIVED,
            params=(TriggerParam("kind", ParamNames.EVENT_FORM, ("event", "kind"), required=True),),
            reads=_event_received,
            documented=("event.FIELD", "event.kind", "event.occurred_at"),
        ),
        TriggerKind.REVIEW_DUE: TriggerSpec(
            TriggerKind.REVIEW_DUE,
            params=(),
            reads=_fixed({"review": REVIEW}),
            documented=("review.due",),
        ),
        TriggerKind.ORDER_HELD: TriggerSpec(
            TriggerKind.ORDER_HELD,
            params=(),
            reads=_fixed({"order": ORDER, "check": CHECK}),
            documented=(
                "order.ref",
                "order.amount",
                "order.currency",
                "check.decision",
                "check.total",
                "check.available",
                "check.credit_limit",
            ),
        ),
        TriggerKind.MANUAL: TriggerSpec(
            TriggerKind.MANUAL,
            params=(),
            reads=_fixed({"started_by": TEXT}),
            documented=("started_by",),
        ),
    }
)


def guard_reads(
    kind: TriggerKind,
    params: Mapping[str, tuple[str, ...]],
    *,
    schema: Schema | None,
    forms: Mapping[str, Schema] | None,
) -> Mapping[str, FieldInfo]:
    """What the `when` guard of a `kind` trigger with `params` reads beyond the customer."""
    return TRIGGERS[kind].reads(params, schema, forms)


def customer_fields(schema: Schema) -> tuple[str, ...]:
    """The customer form's own fields in a customer schema (fields + terms)."""
    return tuple(name for name in schema if name not in TERMS_NAMES)


@dataclass(frozen=True, slots=True)
class Occurrence:
    """`kind` happened; `facts` are what its guard reads besides the customer's record;
    `reason` is what the case history says about it (JSON-native)."""

    kind: TriggerKind
    facts: Mapping[str, Any] = field(default_factory=dict)
    reason: Mapping[str, Any] = field(default_factory=dict)


def fires(workflow: Workflow, occurrence: Occurrence, record: Mapping[str, Any]) -> bool:
    """Whether `occurrence` starts `workflow` for the customer whose record is `record`: the
    kind is the trigger's, every parameter of the trigger matches its fact, the guard holds."""
    trigger = workflow.trigger
    if trigger.on is not occurrence.kind:
        return False
    spec = TRIGGERS[trigger.on]
    for name, allowed in trigger.params.items():
        param = spec.param(name)
        if param is not None and not _matches(_fact(occurrence.facts, param.fact), allowed):
            return False
    return workflow.matches({**record, **occurrence.facts})


def _fact(facts: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = facts
    for part in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _matches(fact: Any, allowed: tuple[str, ...]) -> bool:
    # A fact is one name, a list of names, or a mapping of names to flags (`changed`).
    if isinstance(fact, Mapping):
        return any(name in allowed for name, flag in fact.items() if flag is True)
    if isinstance(fact, list | tuple | set | frozenset):
        return any(item in allowed for item in fact)
    return fact in allowed
