"""What a ruleset is compiled against — its form's fields, the event forms, the base currency —
built the same way when a bundle is checked (engine.bundle) and when a published ruleset is loaded
(engine.specs), so that a ruleset that passed the check compiles to the same program. Pure.

- The record: the fields of the form the ruleset names, plus the credit terms when that form is
  `customer` (DESIGN.md, "Credit terms are the engine's").
- The events: every other form of the template is an event kind, keyed like the form
  (`lawsuit`, `overdue_invoice`, ...), its fields being the event's payload (rules-language §3).
- Money: compared in the template's base currency (rules-language §5).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

import dsl
import forms

if TYPE_CHECKING:
    from forms import Form

CUSTOMER_FORM: Final = "customer"


def record_schema(form: Form | None) -> dsl.Schema:
    """What rules read of a record of `form`: its fields, plus the credit terms for `customer`
    (no form: the credit terms alone)."""
    fields: dict[str, dsl.FieldInfo] = dict(form.dsl_schema()) if form is not None else {}
    if form is None or form.key == CUSTOMER_FORM:
        fields.update(forms.TERMS_SCHEMA)
    return fields


def event_schemas(event_forms: Iterable[Form]) -> dict[str, dsl.Schema]:
    """Each event kind's payload fields, by kind: every form given except `customer`."""
    return {form.key: dict(form.dsl_schema()) for form in event_forms if form.key != CUSTOMER_FORM}


def compile_ruleset(
    source: str,
    *,
    filename: str,
    form: Form | None,
    event_forms: Iterable[Form] | None,
    base_currency: str | None,
) -> dsl.CompiledRuleset:
    """`source` compiled against `form` (None: names unchecked), the event kinds of
    `event_forms` (None: event kinds and fields unchecked) and `base_currency`.

    Raises dsl.RulesError listing every error.
    """
    return dsl.compile_ruleset(
        source,
        filename=filename,
        schema=record_schema(form) if form is not None else None,
        events=event_schemas(event_forms) if event_forms is not None else None,
        base_currency=base_currency,
    )


__all__ = ["CUSTOMER_FORM", "compile_ruleset", "event_schemas", "record_schema"]
