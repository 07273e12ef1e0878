"""The rules-language options of fields (`visible_when`, `required_when`, `computed`): read from
a form file, then compiled once per form with dsl against the form's fields and the credit terms
(docs/forms.md, "Conditions" and "Computed fields"). Pure.

Every problem is a positioned diagnostic: an expression that does not compile (its own position
inside the YAML string), a computed value whose type does not fit its field, computed fields that
read each other in a cycle, and options that make no sense together.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

import dsl
from dsl import CompiledExpression, Diagnostic, DiagnosticsError, Span, ValueType, YamlMap
from dsl.diagnostics import error
from dsl.texts import N_, Text, described, text
from forms.field_defaults import a_field
from forms.field_types import TYPES, FieldType
from forms.fields import Field, FieldExpression
from forms.terms import TERMS_SCHEMA

# The options written in the rules language, and what each expression must give.
CONDITION_KEYS: Final = ("visible_when", "required_when")
EXPRESSION_KEYS: Final = (*CONDITION_KEYS, "computed")
# Options a computed field cannot have: its value is what its expression gives.
NOT_WITH_COMPUTED: Final = ("required", "required_when", "default", "sensitive", "unique")

Report = Callable[[str, Text, Span], None]


@dataclass(frozen=True, slots=True)
class FormExpressions:
    """A form's compiled field expressions: `(field id, option)` → the compiled expression, and
    the computed fields in the order they are computed (one read by another comes first)."""

    compiled: Mapping[tuple[str, str], CompiledExpression]
    computed_order: tuple[str, ...]


NO_EXPRESSIONS: Final = FormExpressions(MappingProxyType({}), ())


def read_expression(item: YamlMap, key: str, report: Report) -> FieldExpression | None:
    """`item[key]` as a field expression (non-empty text), or None (reported) when it is not."""
    if key not in item:
        return None
    source = item[key]
    span = item.value_span(key)
    if not isinstance(source, str) or not source.strip():
        report(
            "wrong-type",
            text(
                N_("expected '%(key)s' to be a rules-language expression (text), found %(found)s"),
                key=key,
                found=described(source),
            ),
            span,
        )
        return None
    line, column = dsl.expression_origin(item, key)
    return FieldExpression(source=source, span=span, line=line, column=column)


def option_conflicts(item: YamlMap, report: Report, *, field_type: FieldType) -> None:
    """Report the options that cannot go together with `computed` or `required_when`."""
    if "computed" in item:
        if not field_type.spec.is_computable:
            computable = ", ".join(str(kind) for kind, spec in TYPES.items() if spec.is_computable)
            report(
                "not-computable",
                text(
                    N_("%(field)s cannot be computed; computed fields are of type %(types)s"),
                    field=a_field(field_type),
                    types=computable,
                ),
                item.key_span("computed"),
            )
        for key in NOT_WITH_COMPUTED:
            if key in item and item[key] is not False:
                report(
                    "not-with-computed",
                    text(
                        N_("'%(key)s' does not apply to a computed field: its value is computed"),
                        key=key,
                    ),
                    item.key_span(key),
                )
    if "required_when" in item and item.get("required") is True:
        report(
            "always-required",
            text(N_("'required_when' has no effect on a field that is always required")),
            item.key_span("required_when"),
        )


def compile_expressions(
    fields: Sequence[Field], *, filename: str
) -> tuple[FormExpressions, list[Diagnostic]]:
    """Compile every field expression of a form against its fields and the credit terms.

    Returns the compiled expressions and every problem found (nothing raised).
    """
    schema = {**TERMS_SCHEMA, **{f.id: f.field_info() for f in fields}}
    compiled: dict[tuple[str, str], CompiledExpression] = {}
    diagnostics: list[Diagnostic] = []
    for field in fields:
        for key in EXPRESSION_KEYS:
            written: FieldExpression | None = getattr(field, key)
            if written is None:
                continue
            expect = field.type.value_type if key == "computed" else ValueType.BOOLEAN
            try:
                compiled[(field.id, key)] = dsl.compile_expression(
                    written.source,
                    filename=filename,
                    schema=schema,
                    line=written.line,
                    column=written.column,
                    expect=expect,
                )
            except DiagnosticsError as exc:
                diagnostics.extend(exc.diagnostics)
    computed = {f.id: f for f in fields if f.computed is not None}
    reads = {
        field_id: sorted(compiled[(field_id, "computed")].names & computed.keys())
        for field_id in computed
        if (field_id, "computed") in compiled
    }
    order, cycle = _computed_order(reads)
    if cycle:
        first = computed[cycle[0]].computed
        assert first is not None
        diagnostics.append(
            error(
                "computed-cycle",
                text(
                    N_("computed fields read each other in a cycle: %(cycle)s"),
                    cycle=" → ".join((*cycle, cycle[0])),
                ),
                first.span,
                hint=text(N_("a computed field may read other computed fields, but not itself")),
            )
        )
    return FormExpressions(MappingProxyType(compiled), order), diagnostics


def _computed_order(reads: Mapping[str, Sequence[str]]) -> tuple[tuple[str, ...], list[str]]:
    """The computed fields, each after those it reads; and a cycle among them ([] when none)."""
    order: list[str] = []
    state: dict[str, int] = {}  # 1: being visited, 2: done
    path: list[str] = []

    def visit(name: str) -> list[str]:
        if state.get(name) == 2:
            return []
        if state.get(name) == 1:
            return path[path.index(name) :]
        state[name] = 1
        path.append(name)
        for read in reads.get(name, ()):
            cycle = visit(read)
            if cycle:
                return cycle
        path.pop()
        state[name] = 2
        order.append(name)
        return []

    for name in reads:
        cycle = visit(name)
        if cycle:
            return tuple(order), cycle
    return tuple(order), []
