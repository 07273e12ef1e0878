"""The `credit_check` section of template.yaml: what a customer's exposure is and when an order is
warned about or held, in the rules language, and who may release a held order. Pure: no I/O.

The section is part of template.yaml's text, so it is published and exported with the template
(the template's spec source); the engine compiles it again from that text (engine.credit_checks,
cached by checksum). Every problem is a positioned diagnostic in template.yaml.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final

import dsl
import workflows
from dsl import Diagnostic, DiagnosticsError, FieldInfo, Schema, Span, ValueType, YamlList, YamlMap
from dsl.diagnostics import error
from dsl.texts import N_, did_you_mean
from dsl.texts import text as worded

SECTION: Final = "credit_check"
LANGUAGES: Final = ("en", "zh")

_MONEY = FieldInfo(ValueType.MONEY)
# What the section's expressions read besides the customer's fields and terms
# (docs/credit-checks.md).
CUSTOMER_EXTRAS: Final[Mapping[str, FieldInfo]] = MappingProxyType(
    {
        "tier": FieldInfo(ValueType.TEXT),  # the customer's current tier (missing before scoring)
        "score": FieldInfo(ValueType.NUMBER),  # and score
    }
)
ORDER_NAMES: Final[Mapping[str, FieldInfo]] = MappingProxyType(
    {
        "order": FieldInfo(
            ValueType.RECORD,
            fields={
                "ref": FieldInfo(ValueType.TEXT),
                "amount": _MONEY,  # in the base currency
                "currency": FieldInfo(ValueType.TEXT),  # as the order was sent
            },
        ),
        "exposure": FieldInfo(
            ValueType.RECORD,
            fields={
                "outstanding": _MONEY,
                "open_orders": _MONEY,
                "this_order": _MONEY,
                "total": _MONEY,
            },
        ),
        "available": _MONEY,
    }
)


@dataclass(frozen=True, slots=True)
class CreditRule:
    """One `warn` or `hold` rule: it holds when `when` is true; `reason` says so (en, zh)."""

    code: str
    when: workflows.Guard
    reason: Mapping[str, str]
    span: Span


@dataclass(frozen=True, slots=True)
class CreditPolicy:
    """A checked `credit_check` section. `releasers`: role → the most (base currency) by which
    an order that role releases may exceed the credit limit."""

    outstanding: workflows.Guard
    warn: tuple[CreditRule, ...]
    hold: tuple[CreditRule, ...]
    releasers: Mapping[str, Decimal]
    span: Span

    def authority_of(self, roles: Collection[str]) -> Decimal | None:
        """The largest overage authority among `roles`; None when none of them is a releaser."""
        found = [self.releasers[r] for r in roles if r in self.releasers]
        return max(found) if found else None


def outstanding_schema(customer_schema: Schema) -> Schema:
    """What `outstanding` reads: the customer's fields and terms, `tier` and `score`."""
    return {**customer_schema, **CUSTOMER_EXTRAS}


def rule_schema(customer_schema: Schema) -> Schema:
    """What a `warn`/`hold` rule reads: as `outstanding`, plus `order`, `exposure`, `available`."""
    return {**customer_schema, **CUSTOMER_EXTRAS, **ORDER_NAMES}


def read_credit_policy(
    document: YamlMap,
    *,
    filename: str,
    source: str,
    customer_schema: Schema,
    roles: Collection[str],
) -> tuple[CreditPolicy | None, list[Diagnostic]]:
    """The `credit_check` section of the template `document` (None when it has none or it has
    errors) and every problem found in it. Its shape has been checked by the template's JSON
    Schema (engine.bundle_json_schema); this compiles the expressions and checks names."""
    section = document.get(SECTION)
    if not isinstance(section, YamlMap):
        return None, []
    reader = _SectionReader(filename, source.splitlines(), customer_schema, roles)
    policy = reader.read(section, document.value_span(SECTION))
    if any(d.is_error for d in reader.diagnostics):
        return None, reader.diagnostics
    return policy, reader.diagnostics


def policy_of_template(
    source: str, *, filename: str, customer_schema: Schema, roles: Collection[str]
) -> CreditPolicy | None:
    """The credit policy of a published template's text (None: it declares no section).

    Raises DiagnosticsError when the section no longer compiles (e.g. against another form)."""
    document = dsl.load_yaml(source, filename=filename)
    if not isinstance(document, YamlMap):
        return None
    policy, diagnostics = read_credit_policy(
        document, filename=filename, source=source, customer_schema=customer_schema, roles=roles
    )
    if any(d.is_error for d in diagnostics):
        raise DiagnosticsError(diagnostics)
    return policy


class _SectionReader:
    def __init__(
        self, filename: str, lines: Sequence[str], schema: Schema, roles: Collection[str]
    ) -> None:
        self.filename = filename
        self.lines = lines
        self.schema = schema
        self.roles = roles
        self.diagnostics: list[Diagnostic] = []

    def compile(self, mapping: YamlMap, key: str, schema: Schema, expect: ValueType) -> Any:
        return workflows.compile_at(
            mapping,
            key,
            filename=self.filename,
            expect=expect,
            schema=schema,
            what=worded(N_("a condition") if expect is ValueType.BOOLEAN else N_("an amount")),
            lines=self.lines,
            diagnostics=self.diagnostics,
        )

    def read(self, section: YamlMap, span: Span) -> CreditPolicy | None:
        outstanding = None
        if isinstance(section.get("outstanding"), str):
            outstanding = self.compile(
                section, "outstanding", outstanding_schema(self.schema), ValueType.MONEY
            )
        codes: set[str] = set()
        warn = self.rules(section, "warn", codes)
        hold = self.rules(section, "hold", codes)
        releasers = self.releasers(section)
        if outstanding is None:
            return None
        return CreditPolicy(
            outstanding=outstanding,
            warn=warn,
            hold=hold,
            releasers=MappingProxyType(releasers),
            span=span,
        )

    def rules(self, section: YamlMap, key: str, codes: set[str]) -> tuple[CreditRule, ...]:
        items = section.get(key)
        if not isinstance(items, YamlList):
            return ()
        schema = rule_schema(self.schema)
        result: list[CreditRule] = []
        for index, item in enumerate(items):
            if not isinstance(item, YamlMap) or not isinstance(item.get("code"), str):
                continue
            code = item["code"]
            if code in codes:
                message = worded(
                    N_("the credit check rule code '%(code)s' is used twice"), code=code
                )
                self.diagnostics.append(error("duplicate-code", message, item.value_span("code")))
            codes.add(code)
            if not isinstance(item.get("when"), str):
                continue
            guard = self.compile(item, "when", schema, ValueType.BOOLEAN)
            if guard is not None:
                reason = _label(item.get("reason"), code)
                result.append(CreditRule(code, guard, reason, items.item_span(index)))
        return tuple(result)

    def releasers(self, section: YamlMap) -> dict[str, Decimal]:
        mapping = section.get("releasers")
        if not isinstance(mapping, YamlMap):
            return {}
        result: dict[str, Decimal] = {}
        for role, amount in mapping.items():
            if role not in self.roles and role != "admin":
                message = worded(
                    N_(
                        "releasers names the role '%(role)s', which is not in roles%(did_you_mean)s"
                    ),
                    role=role,
                    did_you_mean=did_you_mean(str(role), self.roles),
                )
                self.diagnostics.append(error("unknown-role", message, mapping.key_span(role)))
                continue
            if isinstance(amount, int | float) and not isinstance(amount, bool) and amount >= 0:
                result[str(role)] = Decimal(str(amount))
        return result


def _label(value: Any, default: str) -> Mapping[str, str]:
    """A reason in both languages: a text is the same in both; a missing language takes the
    other's."""
    if isinstance(value, str):
        texts = dict.fromkeys(LANGUAGES, value)
    elif isinstance(value, Mapping):
        texts = {str(k): str(v) for k, v in value.items()}
    else:
        texts = {}
    fallback = next(iter(texts.values()), default)
    return MappingProxyType({language: texts.get(language, fallback) for language in LANGUAGES})


__all__ = [
    "CUSTOMER_EXTRAS",
    "ORDER_NAMES",
    "SECTION",
    "CreditPolicy",
    "CreditRule",
    "outstanding_schema",
    "policy_of_template",
    "read_credit_policy",
    "rule_schema",
]
