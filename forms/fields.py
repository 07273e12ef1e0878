"""The field of a form: its type, label, constraints and default, as loaded. Pure data.

What each field type means (to the rules language, JSON Schema, validation) is one entry of
`forms.field_types.TYPES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from dsl import FieldInfo, Span, ValueType
from forms.field_types import TYPES, FieldType
from forms.reading import humanise, is_valid_name

LANGUAGES: tuple[str, ...] = ("en", "zh")

# A value a form's data may hold in this cut: JSON's scalars (a date is ISO `YYYY-MM-DD` text),
# and a multi_choice's options as a tuple (a JSON list).
Scalar = str | int | float | bool | tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Section:
    """A titled group of a form's fields (docs/forms.md, "Sections")."""

    id: str
    label: Mapping[str, str]
    span: Span | None = None

    def title(self, language: str = "en") -> str:
        return (
            self.label.get(language)
            or self.label.get("en")
            or next(iter(self.label.values()), None)
            or humanise(self.id)
        )


# A value of each type, in words: "Max overdue days must be a whole number" (TYPES' `expected`).
EXPECTED: Mapping[FieldType, str] = MappingProxyType(
    {kind: TYPES[kind].expected for kind in FieldType}
)


@dataclass(frozen=True, slots=True)
class FieldExpression:
    """A rules-language expression written in a field's option (`visible_when`, `required_when`,
    `computed`): its text and where it is written. Compiled once per form (forms.conditions)."""

    source: str
    span: Span
    line: int  # where the expression's first character is (after an opening quote)
    column: int


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
    # an option's label per language, for the options written {value: ..., label: ...}
    option_labels: Mapping[str, Mapping[str, str]] | None = None
    # a regular expression every value matches whole (`re.fullmatch`); text and long_text only
    pattern: str | None = None
    section: str | None = None  # the id of one of the form's sections
    default: Scalar | None = None
    help: Mapping[str, str] | None = None
    # encrypted at rest, masked for users without `view_sensitive` (docs/forms.md, "Sensitive")
    sensitive: bool = False
    # `up`: more of it means more risk (a higher value never lowers the score or the tier);
    # `down`: the opposite; None: no direction declared. Checked before publishing a ruleset
    # (engine.policy_checks).
    risk_direction: str | None = None
    # rules-language conditions over the record (docs/forms.md, "Conditions"): the field is shown
    # (may hold a value) only when `visible_when` is true, and must hold one when `required_when`
    # is true (or when `required` and shown)
    visible_when: FieldExpression | None = None
    required_when: FieldExpression | None = None
    # a rules-language expression: the engine computes the value on every write; never sent
    computed: FieldExpression | None = None
    # no two customers hold the same value (compared by forms.unique.comparison_key); the
    # engine enforces it across customers (docs/forms.md, "Unique values")
    unique: bool = False
    # a group's sub-fields (docs/forms.md, "Groups"); `multiple`: a list of such objects, of at
    # most `max_items` (forms.field_types.GROUP_MAX_ITEMS_DEFAULT when not written)
    fields: tuple[Field, ...] = ()
    multiple: bool = False
    max_items: int | None = None

    def title(self, language: str = "en") -> str:
        """The label in `language`, else in English, else any, else the id in words."""
        return (
            self.label.get(language)
            or self.label.get("en")
            or next(iter(self.label.values()), None)
            or humanise(self.id)
        )

    def option_title(self, option: str, language: str = "en") -> str:
        """An option's label in `language` (else English, else any), or the option itself."""
        labels = (self.option_labels or {}).get(option) or {}
        return labels.get(language) or labels.get("en") or next(iter(labels.values()), option)

    def sub_field(self, field_id: str) -> Field | None:
        """The sub-field of this group named `field_id`, or None."""
        return next((f for f in self.fields if f.id == field_id), None)

    @property
    def is_group_list(self) -> bool:
        """A group with `multiple: true`: a list of objects."""
        return self.type is FieldType.GROUP and self.multiple

    def field_info(self) -> FieldInfo:
        """What the rules checker knows of this field.

        A multi_choice field is read as a group of true/false fields, one per option that is a
        rules-language name (`certifications.iso9001`); docs/forms.md, "Multiple choices".
        A group is a record of its sub-fields (`address.country`); a list of groups is a record
        with no fields the rules can read (`contacts.phone` is an unknown field).
        """
        if self.type is FieldType.GROUP:
            inside = {} if self.multiple else {f.id: f.field_info() for f in self.fields}
            return FieldInfo(type=ValueType.RECORD, fields=MappingProxyType(inside))
        if self.type is FieldType.MULTI_CHOICE:
            flag = FieldInfo(type=ValueType.BOOLEAN)
            return FieldInfo(
                type=ValueType.RECORD,
                fields=MappingProxyType(
                    {option: flag for option in self.options or () if is_valid_name(option)}
                ),
            )
        return FieldInfo(
            type=self.type.value_type,
            options=self.options,
            minimum=self.minimum,
            maximum=self.maximum,
        )
