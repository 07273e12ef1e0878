"""Reading a workflow's `trigger`: its kind, the kind's parameters and its `when` guard. Pure.

Part of the loader. What each kind takes and what its guard reads is one entry of
`workflows.triggers.TRIGGERS`; this module only reads the YAML against it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from dsl import ALERT_SEVERITIES, Diagnostic, FieldInfo, Schema, Span, ValueType, YamlList, YamlMap
from dsl.diagnostics import error, warning
from dsl.texts import N_, Text, described, did_you_mean, text
from workflows.expressions import compile_at, guard_schema
from workflows.model import Trigger, TriggerKind
from workflows.reading import check_keys, is_identifier, require
from workflows.triggers import TRIGGERS, ParamNames, TriggerParam, guard_reads

KINDS: tuple[str, ...] = tuple(str(kind) for kind in TRIGGERS)
# Every parameter name of any kind: accepted (not checked) when the kind itself is wrong.
ANY_PARAM: tuple[str, ...] = tuple(
    dict.fromkeys(p.name for spec in TRIGGERS.values() for p in spec.params)
)


class TriggerReader:
    """Reads the trigger of one workflow document; `reads` is then what its guard reads beyond
    the customer (empty until a trigger was read)."""

    def __init__(
        self,
        *,
        filename: str,
        lines: Sequence[str],
        schema: Schema | None,
        forms: Mapping[str, Schema] | None,
        diagnostics: list[Diagnostic],
    ) -> None:
        self.filename = filename
        self.lines = lines
        self.schema = schema
        self.forms = forms
        self.diagnostics = diagnostics
        self.reads: Mapping[str, FieldInfo] = {}

    def error(self, code: str, message: Text, span: Span, hint: Text | None = None) -> None:
        self.diagnostics.append(error(code, message, span, hint))

    def trigger(self, top: YamlMap) -> Trigger | None:
        value = top["trigger"]
        if not isinstance(value, YamlMap):
            self.error(
                "wrong-type",
                text(
                    N_("expected %(what)s, found %(found)s"),
                    what=text(N_('a trigger like {on: tier_changed, when: "..."}')),
                    found=described(value),
                ),
                top.value_span("trigger"),
            )
            return None
        trigger = value
        on = trigger.get("on")
        kind = TriggerKind(on) if isinstance(on, str) and on in KINDS else None
        where = (
            text(N_("in the trigger"))
            if kind is None
            else text(N_("in the %(kind)s trigger"), kind=str(kind))
        )
        allowed = ("on", "when", *(ANY_PARAM if kind is None else _names(kind)))
        check_keys(trigger, allowed=allowed, where=where, diagnostics=self.diagnostics)
        if not require(
            trigger,
            ("on",),
            where=text(N_("in the trigger")),
            span=top.key_span("trigger"),
            diagnostics=self.diagnostics,
        ):
            return None
        if kind is None:
            self.reads = _unchecked(*TRIGGERS)
            self.error(
                "unknown-trigger",
                text(
                    N_("unknown trigger '%(on)s'%(did_you_mean)s"),
                    on=on,
                    did_you_mean=did_you_mean(str(on), KINDS),
                ),
                trigger.value_span("on"),
                hint=text(N_("workflows start on: %(kinds)s"), kinds=", ".join(KINDS)),
            )
            return None
        params = self.params(trigger, kind, where=where, span=top.key_span("trigger"))
        if params is None:
            self.reads = _unchecked(kind)
            return None
        self.reads = guard_reads(kind, params, schema=self.schema, forms=self.forms)
        self.hidden_fields(kind, trigger.value_span("on"))
        when = None
        if "when" in trigger:
            when = compile_at(
                trigger,
                "when",
                filename=self.filename,
                expect=ValueType.BOOLEAN,
                schema=guard_schema(self.schema, self.reads),
                what=text(N_("a condition")),
                lines=self.lines,
                diagnostics=self.diagnostics,
            )
            if when is None:
                return None
        return Trigger(
            on=kind, when=when, span=top.key_span("trigger"), params=MappingProxyType(params)
        )

    def hidden_fields(self, kind: TriggerKind, span: Span) -> None:
        """A warning for each customer field the trigger's facts hide in the expressions."""
        for name in self.reads:
            if self.schema is None or name not in self.schema:
                continue
            self.diagnostics.append(
                warning(
                    "hidden-field",
                    text(
                        N_(
                            "the customer field '%(name)s' cannot be read in this workflow: the "
                            "%(kind)s trigger gives the name '%(name)s' to its own facts"
                        ),
                        name=name,
                        kind=str(kind),
                    ),
                    span,
                    hint=text(N_("rename the customer field")),
                )
            )

    def params(
        self, trigger: YamlMap, kind: TriggerKind, *, where: Text, span: Span
    ) -> dict[str, tuple[str, ...]] | None:
        spec = TRIGGERS[kind]
        required = [p.name for p in spec.params if p.required]
        ok = require(trigger, required, where=where, span=span, diagnostics=self.diagnostics)
        result: dict[str, tuple[str, ...]] = {}
        for param in spec.params:
            if param.name in trigger:
                values = self.values(trigger, param, where=where)
                if values is None:
                    ok = False
                else:
                    result[param.name] = values
        return result if ok else None

    def values(
        self, trigger: YamlMap, param: TriggerParam, *, where: Text
    ) -> tuple[str, ...] | None:
        """One name or a list of names, each checked for what it names."""
        value = trigger[param.name]
        written: list[tuple[Any, Span]]
        if isinstance(value, YamlList):
            written = [(item, value.item_span(i)) for i, item in enumerate(value)]
        else:
            written = [(value, trigger.value_span(param.name))]
        if not written or isinstance(value, YamlMap):
            self.error(
                "wrong-type",
                text(
                    N_("'%(key)s' %(where)s takes a name or a list of names, found %(found)s"),
                    key=param.name,
                    where=where,
                    found=described(value),
                ),
                trigger.value_span(param.name),
            )
            return None
        ok = True
        for item, span in written:
            ok = self.value(item, span, param) and ok
        return tuple(dict.fromkeys(str(item) for item, _ in written)) if ok else None

    def value(self, item: Any, span: Span, param: TriggerParam) -> bool:
        if not is_identifier(item):
            self.error(
                "bad-id",
                text(
                    N_(
                        "'%(key)s' takes names of letters, digits and '_' not starting with a "
                        "digit, found %(found)s"
                    ),
                    key=param.name,
                    found=described(item),
                ),
                span,
            )
            return False
        name = str(item)
        if param.names is ParamNames.SEVERITY and name not in ALERT_SEVERITIES:
            self._unknown(
                "unknown-severity",
                text(N_("unknown alert severity '%(name)s'%(did_you_mean)s"),
                     name=name, did_you_mean=did_you_mean(name, ALERT_SEVERITIES)),
                span,
                text(N_("alerts have the severities: %(names)s"),
                     names=", ".join(ALERT_SEVERITIES)),
            )  # fmt: skip
            return False
        if param.names is ParamNames.FIELD and self.schema is not None and name not in self.schema:
            self._unknown(
                "unknown-field",
                text(N_("unknown field '%(name)s'%(did_you_mean)s"),
                     name=name, did_you_mean=did_you_mean(name, self.schema)),
                span,
                None,
            )  # fmt: skip
            return False
        forms = self.forms
        if param.names is ParamNames.EVENT_FORM and forms is not None and name not in forms:
            close = did_you_mean(name, forms)
            self._unknown(
                "unknown-form",
                text(N_("unknown event kind '%(name)s': the template has no such "
                        "form%(did_you_mean)s"),
                     name=name, did_you_mean=close),
                span,
                None if str(close) else text(N_("the template's forms are: %(forms)s"),
                                             forms=", ".join(forms) or "-"),
            )  # fmt: skip
            return False
        return True

    def _unknown(self, code: str, message: Text, span: Span, hint: Text | None) -> None:
        self.error(code, message, span, hint=hint)


def _names(kind: TriggerKind) -> tuple[str, ...]:
    return tuple(p.name for p in TRIGGERS[kind].params)


def _unchecked(*kinds: TriggerKind) -> Mapping[str, FieldInfo]:
    """What the guards of `kinds` read, unchecked: for expressions of a workflow whose trigger
    could not be read, so that its errors are not repeated at every name."""
    names = (name for kind in kinds for name in guard_reads(kind, {}, schema=None, forms=None))
    return dict.fromkeys(names, FieldInfo(ValueType.ANY))
