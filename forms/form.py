"""A loaded form: an immutable value with its identity (key, checksum) and what it means to the
JSON Schema validator and to the rules checker. Pure."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from jsonschema import Draft202012Validator

from dsl import DiagnosticsError, FieldInfo
from forms.field_expressions import NO_EXPRESSIONS, FormExpressions
from forms.fields import Field, Section
from forms.json_schema import object_schema
from forms.reading import humanise
from forms.schema_check import Check
from forms.validation import build_check, build_validator


class FormError(DiagnosticsError):
    """A form definition that cannot be loaded; `diagnostics` lists every problem found."""


@dataclass(frozen=True, slots=True)
class Form:
    """A form definition, validated completely when loaded and never changed after.

    `label` and `description` map a language to text; `checksum` is the sha256 of the source.
    """

    key: str
    label: Mapping[str, str]
    fields: tuple[Field, ...]
    checksum: str
    filename: str = ""
    description: Mapping[str, str] | None = None
    sections: tuple[Section, ...] = ()  # titled groups of fields, in the order shown
    # the fields' rules-language options, compiled by the loader (forms.field_expressions)
    expressions: FormExpressions = dataclasses.field(
        default=NO_EXPRESSIONS, repr=False, compare=False
    )
    # derived from the fields, built once (STYLE §2: derived data lives beside the spec)
    _schema: Mapping[str, Any] = dataclasses.field(init=False, repr=False, compare=False)
    _validator: Draft202012Validator = dataclasses.field(init=False, repr=False, compare=False)
    _check: Check = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        title = self.label.get("en") or next(iter(self.label.values()), None) or self.key
        schema = object_schema(self.fields, title=title, schema_id=f"riskdesk:form:{self.key}")
        object.__setattr__(self, "_schema", MappingProxyType(schema))
        object.__setattr__(self, "_validator", build_validator(schema))
        object.__setattr__(self, "_check", build_check(schema))

    def title(self, language: str = "en") -> str:
        """The label in `language`, else in English, else any, else the key in words."""
        return (
            self.label.get(language)
            or self.label.get("en")
            or next(iter(self.label.values()), None)
            or humanise(self.key)
        )

    def field(self, field_id: str) -> Field | None:
        """The field named `field_id`, or None."""
        return next((f for f in self.fields if f.id == field_id), None)

    def fields_by_section(self) -> tuple[tuple[Section | None, tuple[Field, ...]], ...]:
        """The fields as a page shows them: those without a section first, then each section
        with its fields (in form order); a section without fields is left out."""
        groups: list[tuple[Section | None, tuple[Field, ...]]] = []
        loose = tuple(f for f in self.fields if f.section is None)
        if loose:
            groups.append((None, loose))
        for section in self.sections:
            inside = tuple(f for f in self.fields if f.section == section.id)
            if inside:
                groups.append((section, inside))
        return tuple(groups)

    def json_schema(self) -> dict[str, Any]:
        """The JSON Schema (draft 2020-12) of this form's data; a fresh copy each call."""
        return copy.deepcopy(dict(self._schema))

    def dsl_schema(self) -> Mapping[str, FieldInfo]:
        """What the rules checker knows of this form: field id → `FieldInfo`, in form order."""
        return MappingProxyType({f.id: f.field_info() for f in self.fields})

    def validator(self) -> Draft202012Validator:
        """The JSON Schema validator of this form's data (used by `forms.validate`)."""
        return self._validator

    def schema_check(self) -> Check:
        """The predicate that valid data holds no JSON Schema error (forms.schema_check): True
        spares the validator; False means ask it."""
        return self._check
