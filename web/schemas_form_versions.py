"""The REST API's shape of a form draft's impact on stored data (`FormImpactPublic`) and the
mapping a form publish takes (docs/api.md, "Form versions")."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from dsl import in_language
from engine.form_versions import FieldImpact, FormImpact
from engine.unique_values import Duplicates
from web.i18n import translator


class FieldImpactPublic(BaseModel):
    field: str
    label: dict[str, str]
    change: str = Field(description="removed or narrowed")
    reasons: list[str] = Field(
        description="how a narrowed field narrows: type, minimum, maximum, max_length, pattern, "
        "options, required"
    )
    candidates: list[str] = Field(description="added fields of the same type (rename targets)")
    customers: int = Field(
        description="customers holding a value the new version drops (removed) or refuses "
        "(narrowed)"
    )
    examples: list[str] = Field(description="a few of those customers' refs")
    needs_mapping: bool

    @classmethod
    def of(cls, found: FieldImpact) -> FieldImpactPublic:
        return cls(
            field=found.field_id,
            label=dict(found.label),
            change=found.change,
            reasons=list(found.reasons),
            candidates=list(found.candidates),
            customers=found.customers,
            examples=list(found.examples),
            needs_mapping=found.needs_mapping,
        )


class DuplicatesPublic(BaseModel):
    field: str
    label: dict[str, str]
    customers: int = Field(
        description="stored customers holding a value of this field that another one holds too"
    )
    examples: list[str] = Field(description="a few of those customers' refs")

    @classmethod
    def of(cls, found: Duplicates) -> DuplicatesPublic:
        return cls(
            field=found.field_id,
            label=dict(found.label),
            customers=found.customers,
            examples=list(found.examples),
        )


class FormImpactPublic(BaseModel):
    key: str
    version: int = Field(description="the number the draft would be published as")
    published_version: int | None
    customers: int = Field(description="stored customers read")
    added: list[str] = Field(description="fields the draft adds (free)")
    fields: list[FieldImpactPublic]
    needs_mapping: list[str] = Field(description="the fields the publish's `mapping` must name")
    blocked: bool = Field(
        description="published rulesets or workflows read removed fields, or stored customers "
        "share a value of a field the draft makes unique"
    )
    readers: list[dict[str, Any]] = Field(
        description="each blocking reading, a diagnostic at its position in the reader"
    )
    duplicates: list[DuplicatesPublic] = Field(
        description="the fields the draft makes unique whose stored values repeat: correct "
        "those customers' values before publishing"
    )

    @classmethod
    def of(cls, found: FormImpact, language: str) -> FormImpactPublic:
        translate = translator(language).gettext
        return cls(
            key=found.key,
            version=found.version,
            published_version=found.published_version,
            customers=found.customers,
            added=list(found.added),
            fields=[FieldImpactPublic.of(f) for f in found.fields],
            needs_mapping=list(found.needs_mapping),
            blocked=found.is_blocked,
            readers=[in_language(d, language, translate).to_dict() for d in found.readers],
            duplicates=[DuplicatesPublic.of(d) for d in found.duplicates],
        )
