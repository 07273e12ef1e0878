"""The field of a form: its type, label, constraints and default, as loaded. Pure data.

Also what each field type means to the rules language (`FieldType.value_type`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from dsl import FieldInfo, Span, ValueType
from forms.reading import humanise

LANGUAGES: tuple[str, ...] = ("en", "zh")

# A value a form's data may hold in this cut: JSON's scalars (a date is ISO `YYYY-MM-DD` text).
Scalar = str | int | float | bool


class FieldType(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    MONEY = "money"  # a JSON number in the base currency until the money issue
    BOOLEAN = "boolean"
    DATE = "date"
    CHOICE = "choice"

    @property
    def value_type(self) -> ValueType:
        """What the rules language reads: numbers are NUMBER (money too, in this cut)."""
        return _VALUE_TYPES[self]

    @property
    def is_numeric(self) -> bool:
        return self in (FieldType.INTEGER, FieldType.DECIMAL, FieldType.MONEY)


_VALUE_TYPES: Mapping[FieldType, ValueType] = {
    FieldType.TEXT: ValueType.TEXT,
    FieldType.INTEGER: ValueType.NUMBER,
    FieldType.DECIMAL: ValueType.NUMBER,
    FieldType.MONEY: ValueType.NUMBER,
    FieldType.BOOLEAN: ValueType.BOOLEAN,
    FieldType.DATE: ValueType.DATE,
    FieldType.CHOICE: ValueType.TEXT,
}


# A value of each type, in words: "Max overdue days must be a whole number".
EXPECTED: Mapping[FieldType, str] = {
    FieldType.TEXT: "text",
    FieldType.INTEGER: "a whole number",
    FieldType.DECIMAL: "a number",
    FieldType.MONEY: "an amount (a number)",
    FieldType.BOOLEAN: "true or false",
    FieldType.DATE: "a date written YYYY-MM-DD",
    FieldType.CHOICE: "one of its options",
}


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a form. `label` and `help` map a language to text (either may be empty);
    `default` is None when the field has none (a date default is ISO text)."""

    id: str
    type: FieldType
    label: Mapping[str, str]
    span: Span | None = None  # where the field is defined; None for the engine's terms fields
    required: bool = False
    minimum: int | float | None = None
    maximum: int | float | None = None
    max_length: int | None = None
    options: tuple[str, ...] | None = None
    default: Scalar | None = None
    help: Mapping[str, str] | None = None
    # encrypted at rest, masked for users without `view_sensitive` (docs/forms.md, "Sensitive")
    sensitive: bool = False
    # `up`: more of it means more risk (a higher value never lowers the score or the tier);
    # `down`: the opposite; None: no direction declared. Checked before publishing a ruleset
    # (engine.policy_checks).
    risk_direction: str | None = None

    def title(self, language: str = "en") -> str:
        """The label in `language`, else in English, else any, else the id in words."""
        return (
            self.label.get(language)
            or self.label.get("en")
            or next(iter(self.label.values()), None)
            or humanise(self.id)
        )

    def field_info(self) -> FieldInfo:
        """What the rules checker knows of this field."""
        return FieldInfo(
            type=self.type.value_type,
            options=self.options,
            minimum=self.minimum,
            maximum=self.maximum,
        )
