"""Reading one field of a form definition (docs/forms.md, "Fields"). Pure.

`FieldReader` appends every problem of a field to its `diagnostics` and returns what it could
read, so that the loader reports all the problems of a file at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from types import MappingProxyType
from typing import Any

from dsl import Diagnostic, Span, YamlList, YamlMap, is_reserved_word
from dsl.diagnostics import error
from dsl.spelling import number_text, suggest
from dsl.texts import N_, Text, described, did_you_mean, text
from forms.field_defaults import a_field, default_problem
from forms.field_expressions import EXPRESSION_KEYS, option_conflicts, read_expression
from forms.field_types import (
    GROUP_KEYS,
    GROUP_MAX_ITEMS_DEFAULT,
    GROUP_MAX_ITEMS_LIMIT,
    TYPE_NAMES,
    TYPES,
    FieldType,
)
from forms.fields import LANGUAGES, Field, Scalar
from forms.patterns import PATTERN_INPUT_LENGTH, PATTERN_INPUT_LIMIT, pattern_problem
from forms.reading import is_number, is_valid_name
from forms.terms import TERMS_FIELDS

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
    "risk_direction",
    "pattern",
    "section",
    "unique",
    *EXPRESSION_KEYS,
    "fields",
    "multiple",
    "max_items",
)
# Keys and types of the design that a later version reads.
LATER_FIELD_KEYS: tuple[str, ...] = ()
LATER_TYPES: tuple[str, ...] = ()
# Keys of a field that a sub-field of a group does not take (docs/forms.md, "Groups").
NOT_IN_GROUP_KEYS = ("section", "risk_direction", "unique", *EXPRESSION_KEYS)

RISK_DIRECTIONS = ("up", "down")
_LABEL_WHAT = N_("text, or a mapping of language (en, zh) to text")
_YAML_BOOLEANS = N_(
    "only true and false are booleans (YAML 1.2): 'yes', 'no', 'on' and 'off' are text"
)


class FieldReader:
    """Reads the fields of one form file, appending every problem to `diagnostics`."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.diagnostics: list[Diagnostic] = []

    def error(self, code: str, message: Text, span: Span, hint: Text | None = None) -> None:
        self.diagnostics.append(error(code, message, span, hint))

    def field(self, item: Any, span: Span, *, in_group: bool = False) -> Field | None:
        """One field; `in_group`: a sub-field of a group (no group, section or expressions)."""
        if not isinstance(item, YamlMap):
            self.error(
                "wrong-type",
                text(
                    N_("expected a field (a mapping with id and type), found %(found)s"),
                    found=described(item),
                ),
                span,
            )
            return None
        self.check_keys(
            item, allowed=FIELD_KEYS, later=LATER_FIELD_KEYS, where=text(N_("in a field"))
        )
        if in_group:
            self.not_in_group(item)
        field_id = None
        if "id" in item:
            field_id = self.name(item, "id", what=text(N_("a field id")), check_terms=not in_group)
        else:
            self.error("missing-key", text(N_("missing 'id' in a field")), span)
        field_type = self.field_type(item) if "type" in item else None
        if in_group and field_type is FieldType.GROUP:
            self.error(
                "nested-group",
                text(N_("a group cannot hold another group in this version")),
                item.value_span("type"),
                hint=text(N_("put the group's fields in the outer group, or beside it")),
            )
            field_type = None
        sub_fields, multiple, max_items = self.group(item, field_type, span)
        if "type" not in item:
            self.error(
                "missing-key", text(N_("missing 'type' in a field")), span, hint=_type_hint()
            )
        label = self.label(item, "label") if "label" in item else {}
        help_text = self.label(item, "help") if "help" in item else None
        required = self.boolean(item, "required")
        sensitive = self.boolean(item, "sensitive")
        unique = self.unique(item, field_type)
        minimum = self.bound(item, "min", field_type)
        maximum = self.bound(item, "max", field_type)
        if minimum is not None and maximum is not None and minimum > maximum:
            self.error(
                "empty-range",
                text(
                    N_("'max' (%(max)s) is less than 'min' (%(min)s): no value could be valid"),
                    max=number_text(maximum),
                    min=number_text(minimum),
                ),
                item.value_span("max"),
            )
        max_length = self.max_length(item, field_type)
        pattern = self.pattern(item, field_type, max_length=max_length)
        if pattern is not None and max_length is None:
            max_length = PATTERN_INPUT_LENGTH  # a pattern is matched on bounded input only
        risk_direction = self.risk_direction(item, field_type)
        options, option_labels = self.options(item, field_type, span)
        section = self.section_of(item)
        default = None
        if field_type is FieldType.GROUP:
            self.whole_group_keys(item)
        elif "default" in item and field_type is not None:
            default = self.default(
                item,
                field_type,
                options=options,
                minimum=minimum,
                maximum=maximum,
                max_length=max_length,
                pattern=pattern,
            )
        visible_when, required_when, computed = (
            read_expression(item, key, self.error) for key in EXPRESSION_KEYS
        )
        if field_type is not None:
            option_conflicts(item, self.error, field_type=field_type)
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
            option_labels=MappingProxyType(option_labels) if option_labels else None,
            pattern=pattern,
            section=section,
            default=default,
            help=MappingProxyType(help_text) if help_text else None,
            sensitive=sensitive,
            risk_direction=risk_direction,
            visible_when=visible_when,
            required_when=required_when,
            computed=computed,
            unique=unique,
            fields=sub_fields,
            multiple=multiple,
            max_items=max_items,
        )

    def not_in_group(self, item: YamlMap) -> None:
        """Report each key a sub-field of a group does not take."""
        for key in NOT_IN_GROUP_KEYS:
            if key in item:
                self.error(
                    "not-in-group",
                    text(N_("'%(key)s' cannot be used inside a group"), key=key),
                    item.key_span(key),
                    hint=text(N_("write it on the group itself, or move the field out of it")),
                )

    def whole_group_keys(self, item: YamlMap) -> None:
        """`default` and `sensitive` belong to a group's sub-fields, not to the group."""
        for key in ("default", "sensitive"):
            if key in item:
                self.error(
                    "not-applicable",
                    text(
                        N_("'%(key)s' applies to the sub-fields of a group, not to the group"),
                        key=key,
                    ),
                    item.key_span(key),
                    hint=text(N_("write '%(key)s' on its sub-fields instead"), key=key),
                )

    def group(
        self, item: YamlMap, field_type: FieldType | None, span: Span
    ) -> tuple[tuple[Field, ...], bool, int | None]:
        """A group's sub-fields, `multiple` and `max_items` (docs/forms.md, "Groups")."""
        if field_type is not FieldType.GROUP:
            for key in sorted(GROUP_KEYS):
                if key in item:
                    self.applies(item, key, field_type)
            return (), False, None
        multiple = self.boolean(item, "multiple")
        max_items = GROUP_MAX_ITEMS_DEFAULT if multiple else None
        if "max_items" in item:
            value = item["max_items"]
            if not multiple:
                self.error(
                    "not-applicable",
                    text(N_("'max_items' applies only to a group with 'multiple: true'")),
                    item.key_span("max_items"),
                )
            elif (
                not isinstance(value, int)
                or isinstance(value, bool)
                or not 1 <= value <= GROUP_MAX_ITEMS_LIMIT
            ):
                self.error(
                    "bad-max-items",
                    text(
                        N_(
                            "expected a whole number from 1 to %(limit)d for 'max_items', "
                            "found %(found)s"
                        ),
                        limit=GROUP_MAX_ITEMS_LIMIT,
                        found=described(value),
                    ),
                    item.value_span("max_items"),
                )
            else:
                max_items = value
        if "fields" not in item:
            self.error(
                "missing-fields",
                text(N_("a group needs 'fields', the list of its sub-fields")),
                span,
                hint=text(N_("for example: fields: [{id: city, type: text}]")),
            )
            return (), multiple, max_items
        return self.sub_fields(item), multiple, max_items

    def sub_fields(self, item: YamlMap) -> tuple[Field, ...]:
        """The sub-fields of a group, each read as a field; duplicate ids are reported."""
        items = item["fields"]
        if isinstance(items, YamlList) and not items:
            self.error(
                "missing-fields",
                text(N_("a group needs at least one sub-field in 'fields'")),
                item.value_span("fields"),
            )
            return ()
        if not isinstance(items, YamlList):
            self.error(
                "wrong-type",
                text(
                    N_("expected 'fields' to be a list of fields, found %(found)s"),
                    found=described(items),
                ),
                item.value_span("fields"),
            )
            return ()
        result: list[Field] = []
        seen: dict[str, Span] = {}
        for index, sub in enumerate(items):
            field = self.field(sub, items.item_span(index), in_group=True)
            sub_id = sub.get("id") if isinstance(sub, YamlMap) else None
            if isinstance(sub_id, str) and sub_id in seen:
                self.error(
                    "duplicate-field",
                    text(N_("duplicate field id '%(id)s'"), id=sub_id),
                    sub.value_span("id"),
                    hint=text(
                        N_("the first field '%(id)s' is on line %(line)d"),
                        id=sub_id,
                        line=seen[sub_id].line,
                    ),
                )
                continue
            if isinstance(sub_id, str):
                seen[sub_id] = sub.value_span("id")
            if field is not None:
                result.append(field)
        return tuple(result)

    def unique(self, item: YamlMap, field_type: FieldType | None) -> bool:
        """`unique: true`, on a type that can be unique (TypeSpec.unique_key); else reported."""
        if not self.boolean(item, "unique"):
            return False
        if field_type is None or field_type.spec.unique_key is not None:
            return True
        kinds = [str(kind) for kind, spec in TYPES.items() if spec.unique_key is not None]
        self.error(
            "not-applicable",
            text(
                N_("'%(key)s' applies only to fields of type %(types)s, not to %(field)s"),
                key="unique",
                types=", ".join(kinds),
                field=a_field(field_type),
            ),
            item.key_span("unique"),
        )
        return False

    def name(self, mapping: YamlMap, key: str, *, what: Text, check_terms: bool) -> str | None:
        """A form key or field id: a rules-language name, not reserved (and not a terms name)."""
        value = mapping[key]
        span = mapping.value_span(key)
        if not is_valid_name(value):
            self.error(
                "bad-id",
                text(
                    N_(
                        "%(what)s must be letters, digits and '_' (not starting with a digit, "
                        "nor starting or ending with '__'), found %(found)s"
                    ),
                    what=what,
                    found=described(value),
                ),
                span,
            )
            return None
        if is_reserved_word(value):
            self.error(
                "reserved-word",
                text(
                    N_(
                        "'%(name)s' is a reserved word of the rules language and cannot be %(what)s"
                    ),
                    name=value,
                    what=what,
                ),
                span,
                hint=text(N_("choose another name, such as '%(name)s_value'"), name=value),
            )
            return None
        if check_terms and value in TERMS_FIELDS:
            self.error(
                "terms-field",
                text(
                    N_(
                        "'%(name)s' is one of the credit terms: credit terms belong to the "
                        "engine; rules read them by name"
                    ),
                    name=value,
                ),
                span,
                hint=text(
                    N_("remove this field: every customer already has '%(name)s'"), name=value
                ),
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
                text(N_("the field type '%(type)s' is not supported yet"), type=value),
                span,
                hint=text(N_("a later version of riskdesk reads it; use type text for now")),
            )
            return None
        if isinstance(value, str):
            self.error(
                "unknown-type",
                text(
                    N_("unknown field type '%(type)s'%(did_you_mean)s"),
                    type=value,
                    did_you_mean=did_you_mean(value, TYPE_NAMES),
                ),
                span,
                hint=None if suggest(value, TYPE_NAMES) else _type_hint(),
            )
        else:
            self.error(
                "wrong-type",
                text(N_("expected a field type, found %(found)s"), found=described(value)),
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
                "wrong-type",
                text(
                    N_("expected '%(key)s' to be %(what)s, found %(found)s"),
                    key=key,
                    what=text(_LABEL_WHAT),
                    found=described(value),
                ),
                span,
            )
            return {}
        result: dict[str, str] = {}
        for language, written in value.items():
            if language not in LANGUAGES:
                self.error(
                    "unknown-language",
                    text(
                        N_("unknown language '%(language)s' in '%(key)s'%(did_you_mean)s"),
                        language=language,
                        key=key,
                        did_you_mean=did_you_mean(str(language), LANGUAGES),
                    ),
                    value.key_span(language),
                    hint=text(
                        N_("labels are written in: %(languages)s"), languages=", ".join(LANGUAGES)
                    ),
                )
            elif not isinstance(written, str) or not written.strip():
                self.error(
                    "wrong-type",
                    text(
                        N_("expected the %(language)s text of '%(key)s', found %(found)s"),
                        language=language,
                        key=key,
                        found=described(written),
                    ),
                    value.value_span(language),
                )
            else:
                result[str(language)] = written
        return result

    def boolean(self, item: YamlMap, key: str) -> bool:
        if key not in item:
            return False
        value = item[key]
        if isinstance(value, bool):
            return value
        self.error(
            "wrong-type",
            text(
                N_("expected true or false for '%(key)s', found %(found)s"),
                key=key,
                found=described(value),
            ),
            item.value_span(key),
            hint=text(_YAML_BOOLEANS) if isinstance(value, str) else None,
        )
        return False

    def bound(self, item: YamlMap, key: str, field_type: FieldType | None) -> int | float | None:
        if key not in item:
            return None
        value = item[key]
        if not self.applies(item, key, field_type):
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error(
                "wrong-type",
                text(
                    N_("expected a number for '%(key)s', found %(found)s"),
                    key=key,
                    found=described(value),
                ),
                item.value_span(key),
            )
            return None
        return value

    def risk_direction(self, item: YamlMap, field_type: FieldType | None) -> str | None:
        """`up` (more of the field means more risk) or `down`; None when absent or wrong."""
        if "risk_direction" not in item:
            return None
        value = item["risk_direction"]
        if not self.applies(item, "risk_direction", field_type):
            return None
        if value not in RISK_DIRECTIONS:
            self.error(
                "wrong-type",
                text(
                    N_("expected up or down for 'risk_direction', found %(found)s%(did_you_mean)s"),
                    found=described(value),
                    did_you_mean=did_you_mean(value, RISK_DIRECTIONS)
                    if isinstance(value, str)
                    else text(""),
                ),
                item.value_span("risk_direction"),
                hint=text(N_("up: more of it means more risk; down: more of it means less risk")),
            )
            return None
        return str(value)

    def applies(self, item: YamlMap, key: str, field_type: FieldType | None) -> bool:
        """True when `key` applies to fields of `field_type` (TypeSpec.keys); else reported."""
        if field_type is None or key in field_type.spec.keys:
            return True
        kinds = [str(kind) for kind, spec in TYPES.items() if key in spec.keys]
        self.error(
            "not-applicable",
            text(
                N_("'%(key)s' applies only to fields of type %(types)s, not to %(field)s"),
                key=key,
                types=", ".join(kinds),
                field=a_field(field_type),
            ),
            item.key_span(key),
        )
        return False

    def pattern(
        self, item: YamlMap, field_type: FieldType | None, *, max_length: int | None
    ) -> str | None:
        """A regular expression checked now (docs/forms.md, "Patterns"); None when absent or bad."""
        if "pattern" not in item:
            return None
        value = item["pattern"]
        span = item.value_span("pattern")
        if not self.applies(item, "pattern", field_type):
            return None
        if not isinstance(value, str) or not value:
            self.error(
                "wrong-type",
                text(
                    N_("expected a regular expression (text) for 'pattern', found %(found)s"),
                    found=described(value),
                ),
                span,
            )
            return None
        problem = pattern_problem(value)
        if problem is not None:
            self.error(
                "bad-pattern",
                problem,
                span,
                hint=text(
                    N_("patterns are Python regular expressions matched against the whole value")
                ),
            )
            return None
        if max_length is not None and max_length > PATTERN_INPUT_LIMIT:
            self.error(
                "pattern-input-too-long",
                text(
                    N_(
                        "a field with a 'pattern' may allow at most %(limit)d characters, "
                        "but 'max_length' is %(max_length)d"
                    ),
                    limit=PATTERN_INPUT_LIMIT,
                    max_length=max_length,
                ),
                item.value_span("max_length"),
            )
            return None
        return value

    def section_of(self, item: YamlMap) -> str | None:
        """The id of the section the field is in (checked against the form's sections later)."""
        if "section" not in item:
            return None
        value = item["section"]
        if not is_valid_name(value):
            self.error(
                "wrong-type",
                text(
                    N_("expected the id of one of the form's sections, found %(found)s"),
                    found=described(value),
                ),
                item.value_span("section"),
            )
            return None
        return str(value)

    def max_length(self, item: YamlMap, field_type: FieldType | None) -> int | None:
        if "max_length" not in item:
            return None
        value = item["max_length"]
        if not self.applies(item, "max_length", field_type):
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            self.error(
                "wrong-type",
                text(
                    N_("expected a whole number of at least 1 for 'max_length', found %(found)s"),
                    found=described(value),
                ),
                item.value_span("max_length"),
            )
            return None
        return value

    def options(
        self, item: YamlMap, field_type: FieldType | None, span: Span
    ) -> tuple[tuple[str, ...] | None, dict[str, Mapping[str, str]]]:
        """The options (plain text, or `{value: ..., label: ...}`) and the labels they have."""
        needs_options = field_type is not None and "options" in field_type.spec.keys
        if "options" not in item:
            if needs_options:
                self.error(
                    "missing-options",
                    text(
                        N_("a %(type)s field needs 'options', the list of its values"),
                        type=str(field_type),
                    ),
                    span,
                    hint=text(N_("for example: options: [low, medium, high]")),
                )
            return None, {}
        value = item["options"]
        if not self.applies(item, "options", field_type):
            return None, {}
        if not isinstance(value, YamlList) or not value:
            self.error(
                "missing-options" if isinstance(value, YamlList) else "wrong-type",
                text(
                    N_("expected 'options' to be a list of at least one value, found %(found)s"),
                    found=described(value),
                ),
                item.value_span("options"),
            )
            return None, {}
        result: dict[str, None] = {}  # a dict keeps the order and finds a duplicate in O(1)
        labels: dict[str, Mapping[str, str]] = {}
        for index, option in enumerate(value):
            option_span = value.item_span(index)
            label: dict[str, str] = {}
            if isinstance(option, YamlMap):
                option, option_span, label = self.labelled_option(option, option_span)
                if option is None:
                    continue
            if not isinstance(option, str) or not option.strip():
                self.error(
                    "wrong-type",
                    text(
                        N_("a choice option must be text, found %(found)s"), found=described(option)
                    ),
                    option_span,
                    hint=text(N_("write it in quotes to make it text"))
                    if option is not None
                    else None,
                )
            elif option in result:
                self.error(
                    "duplicate-option",
                    text(N_("duplicate option '%(option)s'"), option=option),
                    option_span,
                )
            else:
                result[option] = None
                if label:
                    labels[option] = MappingProxyType(label)
        return tuple(result), labels

    def labelled_option(self, option: YamlMap, span: Span) -> tuple[object, Span, dict[str, str]]:
        """`{value: a, label: {en: ..., zh: ...}}`: its value (None when absent), where the
        value is written, and its label."""
        self.check_keys(
            option, allowed=("value", "label"), later=(), where=text(N_("in an option"))
        )
        if "value" not in option:
            self.error("missing-key", text(N_("missing 'value' in an option")), span)
            return None, span, {}
        label = self.label(option, "label") if "label" in option else {}
        return option["value"], option.value_span("value"), label

    def default(
        self,
        item: YamlMap,
        field_type: FieldType,
        *,
        options: tuple[str, ...] | None,
        minimum: int | float | None,
        maximum: int | float | None,
        max_length: int | None,
        pattern: str | None,
    ) -> Scalar | None:
        """The default as the field's data holds it (a date as ISO text, a multi_choice's as a
        tuple, a phone number as E.164), or None when wrong."""
        value = item["default"]
        span = item.value_span("default")
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            value = value.isoformat()  # an unquoted YAML date
        elif isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.isoformat()  # an unquoted YAML timestamp with its offset
        problem = default_problem(
            value, field_type, options=options, max_length=max_length, pattern=pattern
        )
        if problem is None and is_number(value):
            if minimum is not None and value < minimum:
                problem = text(
                    N_("the default %(value)s is less than 'min' (%(min)s)"),
                    value=number_text(value),
                    min=number_text(minimum),
                )
            if maximum is not None and value > maximum:
                problem = text(
                    N_("the default %(value)s is more than 'max' (%(max)s)"),
                    value=number_text(value),
                    max=number_text(maximum),
                )
        if problem is None:
            if isinstance(value, list):
                return tuple(value)
            # _default_problem checked the type (bool is an int)
            assert isinstance(value, str | int | float)
            normalise = field_type.spec.normalise
            return normalise(value) if normalise is not None else value
        hint = None
        if field_type is FieldType.BOOLEAN and isinstance(value, str):
            hint = text(_YAML_BOOLEANS)
        elif value is None:
            hint = text(N_("remove 'default' for a field without one"))
        self.error("bad-default", problem, span, hint=hint)
        return None

    def check_keys(
        self, mapping: YamlMap, *, allowed: Collection[str], later: Collection[str], where: Text
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
                    text(N_("'%(name)s' %(where)s is not supported yet"), name=name, where=where),
                    span,
                    hint=text(N_("a later version of riskdesk reads it; remove it for now")),
                )
                continue
            close = suggest(name, allowed)
            self.error(
                "unknown-key",
                text(
                    N_("unknown key '%(name)s' %(where)s%(did_you_mean)s"),
                    name=name,
                    where=where,
                    did_you_mean=did_you_mean(name, allowed),
                ),
                span,
                hint=None if close else expected_one_of(allowed),
            )


def _type_hint() -> Text:
    return text(N_("the field types are: %(types)s"), types=", ".join(TYPE_NAMES))


def expected_one_of(allowed: Collection[str]) -> Text:
    """`expected one of: a, b, c`, the names as they are."""
    return text(N_("expected one of: %(names)s"), names=", ".join(allowed))
