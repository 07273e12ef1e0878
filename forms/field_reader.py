"""Reading one field of a form definition (docs/forms.md, "Fields"). Pure.

`FieldReader` appends every problem of a field to its `diagnostics` and returns what it could
read, so that the loader reports all the problems of a file at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from types import MappingProxyType
from typing import Any

from dsl import Diagnostic, Span, YamlList, YamlMap, is_reserved_word
from dsl.diagnostics import error
from dsl.spelling import describe, did_you_mean, number_text, suggest
from forms.fields import EXPECTED, LANGUAGES, Field, FieldType, Scalar
from forms.reading import is_number, is_valid_name
from forms.terms import TERMS_FIELDS
from forms.validation import is_iso_date

FIELD_KEYS = (
    "id",
    "type",
    "label",
    "required",
    "min",
    "max",
    "max_length",
    "options",
    "default",
    "help",
    "sensitive",
)
# Keys and types of the design that a later version reads.
LATER_FIELD_KEYS = ("computed", "visible_when", "required_when", "unique")
LATER_TYPES = ("uscc", "phone")

TYPE_NAMES = tuple(str(t) for t in FieldType)
NUMERIC_TYPES = (FieldType.INTEGER, FieldType.DECIMAL, FieldType.MONEY)
_LABEL_WHAT = "text, or a mapping of language (en, zh) to text"
_YAML_BOOLEANS = "only true and false are booleans (YAML 1.2): 'yes', 'no', 'on' and 'off' are text"


class FieldReader:
    """Reads the fields of one form file, appending every problem to `diagnostics`."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.diagnostics: list[Diagnostic] = []

    def error(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        self.diagnostics.append(error(code, message, span, hint))

    def field(self, item: Any, span: Span) -> Field | None:
        if not isinstance(item, YamlMap):
            self.error(
                "wrong-type",
                f"expected a field (a mapping with id and type), found {describe(item)}",
                span,
            )
            return None
        self.check_keys(item, allowed=FIELD_KEYS, later=LATER_FIELD_KEYS, where="in a field")
        field_id = None
        if "id" in item:
            field_id = self.name(item, "id", what="a field id", check_terms=True)
        else:
            self.error("missing-key", "missing 'id' in a field", span)
        field_type = self.field_type(item) if "type" in item else None
        if "type" not in item:
            self.error("missing-key", "missing 'type' in a field", span, hint=_type_hint())
        label = self.label(item, "label") if "label" in item else {}
        help_text = self.label(item, "help") if "help" in item else None
        required = self.boolean(item, "required")
        sensitive = self.boolean(item, "sensitive")
        minimum = self.bound(item, "min", field_type)
        maximum = self.bound(item, "max", field_type)
        if minimum is not None and maximum is not None and minimum > maximum:
            self.error(
                "empty-range",
                f"'max' ({number_text(maximum)}) is less than 'min' ({number_text(minimum)}): "
                "no value could be valid",
                item.value_span("max"),
            )
        max_length = self.max_length(item, field_type)
        options = self.options(item, field_type, span)
        default = None
        if "default" in item and field_type is not None:
            default = self.default(
                item,
                field_type,
                options=options,
                minimum=minimum,
                maximum=maximum,
                max_length=max_length,
            )
        if field_id is None or field_type is None:
            return None
        return Field(
            id=field_id,
            type=field_type,
            label=MappingProxyType(label),
            span=item.value_span("id"),
            required=required,
            minimum=minimum,
            maximum=maximum,
            max_length=max_length,
            options=options,
            default=default,
            help=MappingProxyType(help_text) if help_text else None,
            sensitive=sensitive,
        )

    def name(self, mapping: YamlMap, key: str, *, what: str, check_terms: bool) -> str | None:
        """A form key or field id: a rules-language name, not reserved (and not a terms name)."""
        value = mapping[key]
        span = mapping.value_span(key)
        if not is_valid_name(value):
            self.error(
                "bad-id",
                f"{what} must be letters, digits and '_' (not starting with a digit, nor "
                f"starting or ending with '__'), found {describe(value)}",
                span,
            )
            return None
        if is_reserved_word(value):
            self.error(
                "reserved-word",
                f"'{value}' is a reserved word of the rules language and cannot be {what}",
                span,
                hint=f"choose another name, such as '{value}_value'",
            )
            return None
        if check_terms and value in TERMS_FIELDS:
            self.error(
                "terms-field",
                f"'{value}' is one of the credit terms: credit terms belong to the engine; "
                "rules read them by name",
                span,
                hint=f"remove this field: every customer already has '{value}'",
            )
            return None
        return str(value)

    def field_type(self, item: YamlMap) -> FieldType | None:
        value = item["type"]
        span = item.value_span("type")
        if isinstance(value, str) and value in TYPE_NAMES:
            return FieldType(value)
        if value in LATER_TYPES:
            self.error(
                "not-supported-yet",
                f"the field type '{value}' is not supported yet",
                span,
                hint="use type text (with max_length) for now",
            )
            return None
        if isinstance(value, str):
            self.error(
                "unknown-type",
                f"unknown field type '{value}'{did_you_mean(value, TYPE_NAMES)}",
                span,
                hint=None if suggest(value, TYPE_NAMES) else _type_hint(),
            )
        else:
            self.error(
                "wrong-type",
                f"expected a field type, found {describe(value)}",
                span,
                hint=_type_hint(),
            )
        return None

    def label(self, mapping: YamlMap, key: str) -> dict[str, str]:
        """Text for every language, or a mapping of language to text; {} when unreadable."""
        value = mapping[key]
        span = mapping.value_span(key)
        if isinstance(value, str) and value.strip():
            return dict.fromkeys(LANGUAGES, value)
        if not isinstance(value, YamlMap) or not value:
            self.error(
                "wrong-type", f"expected '{key}' to be {_LABEL_WHAT}, found {describe(value)}", span
            )
            return {}
        result: dict[str, str] = {}
        for language, text in value.items():
            if language not in LANGUAGES:
                self.error(
                    "unknown-language",
                    f"unknown language '{language}' in '{key}'"
                    + did_you_mean(str(language), LANGUAGES),
                    value.key_span(language),
                    hint="labels are written in: " + ", ".join(LANGUAGES),
                )
            elif not isinstance(text, str) or not text.strip():
                self.error(
                    "wrong-type",
                    f"expected the {language} text of '{key}', found {describe(text)}",
                    value.value_span(language),
                )
            else:
                result[str(language)] = text
        return result

    def boolean(self, item: YamlMap, key: str) -> bool:
        if key not in item:
            return False
        value = item[key]
        if isinstance(value, bool):
            return value
        self.error(
            "wrong-type",
            f"expected true or false for '{key}', found {describe(value)}",
            item.value_span(key),
            hint=_YAML_BOOLEANS if isinstance(value, str) else None,
        )
        return False

    def bound(self, item: YamlMap, key: str, field_type: FieldType | None) -> int | float | None:
        if key not in item:
            return None
        value = item[key]
        if field_type is not None and field_type not in NUMERIC_TYPES:
            self.error(
                "not-applicable",
                f"'{key}' applies only to integer, decimal and money fields, "
                f"not to {_a(field_type)} field",
                item.key_span(key),
            )
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error(
                "wrong-type",
                f"expected a number for '{key}', found {describe(value)}",
                item.value_span(key),
            )
            return None
        return value

    def max_length(self, item: YamlMap, field_type: FieldType | None) -> int | None:
        if "max_length" not in item:
            return None
        value = item["max_length"]
        if field_type is not None and field_type is not FieldType.TEXT:
            self.error(
                "not-applicable",
                f"'max_length' applies only to text fields, not to {_a(field_type)} field",
                item.key_span("max_length"),
            )
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            self.error(
                "wrong-type",
                f"expected a whole number of at least 1 for 'max_length', found {describe(value)}",
                item.value_span("max_length"),
            )
            return None
        return value

    def options(
        self, item: YamlMap, field_type: FieldType | None, span: Span
    ) -> tuple[str, ...] | None:
        if "options" not in item:
            if field_type is FieldType.CHOICE:
                self.error(
                    "missing-options",
                    "a choice field needs 'options', the list of its values",
                    span,
                    hint="for example: options: [low, medium, high]",
                )
            return None
        value = item["options"]
        if field_type is not None and field_type is not FieldType.CHOICE:
            self.error(
                "not-applicable",
                f"'options' applies only to choice fields, not to {_a(field_type)} field",
                item.key_span("options"),
            )
            return None
        if not isinstance(value, YamlList) or not value:
            self.error(
                "missing-options" if isinstance(value, YamlList) else "wrong-type",
                f"expected 'options' to be a list of at least one value, found {describe(value)}",
                item.value_span("options"),
            )
            return None
        result: dict[str, None] = {}  # a dict keeps the order and finds a duplicate in O(1)
        for index, option in enumerate(value):
            option_span = value.item_span(index)
            if not isinstance(option, str) or not option.strip():
                self.error(
                    "wrong-type",
                    f"a choice option must be text, found {describe(option)}",
                    option_span,
                    hint="write it in quotes to make it text" if option is not None else None,
                )
            elif option in result:
                self.error("duplicate-option", f"duplicate option '{option}'", option_span)
            else:
                result[option] = None
        return tuple(result)

    def default(
        self,
        item: YamlMap,
        field_type: FieldType,
        *,
        options: tuple[str, ...] | None,
        minimum: int | float | None,
        maximum: int | float | None,
        max_length: int | None,
    ) -> Scalar | None:
        """The default as the field's data holds it (a date as ISO text), or None when wrong."""
        value = item["default"]
        span = item.value_span("default")
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            value = value.isoformat()  # an unquoted YAML date
        problem = _default_problem(value, field_type, options=options, max_length=max_length)
        if problem is None and is_number(value):
            if minimum is not None and value < minimum:
                problem = (
                    f"the default {number_text(value)} is less than 'min' ({number_text(minimum)})"
                )
            if maximum is not None and value > maximum:
                problem = (
                    f"the default {number_text(value)} is more than 'max' ({number_text(maximum)})"
                )
        if problem is None:
            # _default_problem checked the type (bool is an int)
            assert isinstance(value, str | int | float)
            return value
        hint = None
        if field_type is FieldType.BOOLEAN and isinstance(value, str):
            hint = _YAML_BOOLEANS
        elif value is None:
            hint = "remove 'default' for a field without one"
        self.error("bad-default", problem, span, hint=hint)
        return None

    def check_keys(
        self, mapping: YamlMap, *, allowed: Collection[str], later: Collection[str], where: str
    ) -> None:
        """Report each key not `allowed`; keys a later version reads are told apart."""
        for key in mapping:
            if key in allowed:
                continue
            span = mapping.key_span(key)
            name = str(key)
            if key in later:
                self.error(
                    "not-supported-yet",
                    f"'{name}' {where} is not supported yet",
                    span,
                    hint="a later version of riskdesk reads it; remove it for now",
                )
                continue
            close = suggest(name, allowed)
            self.error(
                "unknown-key",
                f"unknown key '{name}' {where}{did_you_mean(name, allowed)}",
                span,
                hint=None if close else "expected one of: " + ", ".join(allowed),
            )


def _default_problem(
    value: object,
    field_type: FieldType,
    *,
    options: tuple[str, ...] | None,
    max_length: int | None,
) -> str | None:
    """What is wrong with `value` as the default of a field of `field_type`, or None."""
    wrong = (
        f"the default of {_a(field_type)} field must be {EXPECTED[field_type]}, "
        f"found {describe(value)}"
    )
    match field_type:
        case FieldType.TEXT:
            if not isinstance(value, str):
                return wrong
            if max_length is not None and len(value) > max_length:
                return (
                    f"the default is {len(value)} characters long, more than 'max_length' "
                    f"({max_length})"
                )
        case FieldType.INTEGER:
            if not isinstance(value, int) or isinstance(value, bool):
                return wrong
        case FieldType.DECIMAL | FieldType.MONEY:
            if not is_number(value):
                return wrong
        case FieldType.BOOLEAN:
            if not isinstance(value, bool):
                return wrong
        case FieldType.DATE:
            if not isinstance(value, str) or not is_iso_date(value):
                return wrong
        case FieldType.CHOICE:
            if options is None:
                # the missing options are reported already, but not a default that is no text
                return None if isinstance(value, str) else wrong
            if not isinstance(value, str) or value not in options:
                close = did_you_mean(value, options) if isinstance(value, str) else ""
                return (
                    f"the default must be one of the options ({', '.join(options)}), "
                    f"found {describe(value)}{close}"
                )
    return None


def _type_hint() -> str:
    return "the field types are: " + ", ".join(TYPE_NAMES)


def _a(field_type: FieldType) -> str:
    """`a text`, `an integer`: the field type with its article."""
    return ("an " if field_type[0] in "aeiou" else "a ") + field_type
