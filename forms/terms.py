"""The credit terms every customer has: their names, their types for the rules checker, their JSON
Schema and the check of a `terms` object. Pure.

Credit terms belong to the engine, not to a form (DESIGN.md, "Runtime state"): a form may not
define fields with these names, and rules read them by name like form fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from dsl import FieldInfo
from forms.field_types import FieldType
from forms.fields import Field
from forms.json_schema import object_schema
from forms.messages import N_, text
from forms.validation import DataError, build_check, build_validator, explain

# Defined as fields so that the JSON Schema and the messages come from the same place as a form's.
TERMS: tuple[Field, ...] = (
    Field(
        "credit_limit",
        FieldType.MONEY,
        MappingProxyType({"en": "Credit limit", "zh": "信用额度"}),
        minimum=0,
    ),
    Field(
        "payment_terms_days",
        FieldType.INTEGER,
        MappingProxyType({"en": "Payment terms (days)", "zh": "账期（天）"}),
        minimum=0,
        maximum=365,
    ),
    Field(
        "prepayment_pct",
        FieldType.PERCENT,  # a fraction: 0.3 is 30%
        MappingProxyType({"en": "Prepayment (fraction, 0.3 = 30%)", "zh": "预付比例"}),
        minimum=0,
        maximum=1,
    ),
    Field(
        "order_hold",
        FieldType.BOOLEAN,
        MappingProxyType({"en": "Order hold", "zh": "暂停发货"}),
    ),
    Field(
        "next_review_at",
        FieldType.DATE,
        MappingProxyType({"en": "Next review date", "zh": "下次复核日期"}),
    ),
)

TERMS_FIELDS: tuple[str, ...] = tuple(field.id for field in TERMS)

# What rules and guards know of the terms; credit_limit is money, read as a NUMBER in this cut.
TERMS_SCHEMA: Mapping[str, FieldInfo] = MappingProxyType(
    {field.id: field.field_info() for field in TERMS}
)

_TERMS_JSON_SCHEMA = object_schema(TERMS, title="Credit terms", schema_id="riskdesk:terms")
_TERMS_VALIDATOR = build_validator(_TERMS_JSON_SCHEMA)
_TERMS_CHECK = build_check(_TERMS_JSON_SCHEMA)


def terms_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a `terms` object: every entry optional, nothing else
    allowed; credit_limit >= 0, payment_terms_days a whole number 0..365, prepayment_pct 0..1,
    order_hold true/false, next_review_at a `YYYY-MM-DD` date (or null)."""
    return object_schema(TERMS, title="Credit terms", schema_id="riskdesk:terms")


def validate_terms(data: object) -> tuple[DataError, ...]:
    """Every problem of a `terms` object, with paths under `("terms", ...)`; empty when valid."""
    return explain(
        _TERMS_VALIDATOR,
        data,
        holds=_TERMS_CHECK,
        fields=TERMS,
        subject=text(N_("the terms")),
        unknown=text(N_("unknown terms field")),
        prefix=("terms",),
    )
