"""A form's JSON Schema compiled once into a plain Python predicate that says whether data holds
no error at all, so that valid data (nearly every row of an import) is not walked by
`jsonschema`. Pure.

The predicate knows the keywords forms.json_schema writes, each read as the validator of
forms.validation.build_validator reads it (finite numbers only, formats asserted, patterns on
bounded input). It is conservative: True only when that validator would find no error; False
when it finds one or when the predicate cannot tell (a keyword it does not know, a value of a
Python type JSON does not produce), and then the validator is asked and explains every error as
before.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from jsonschema import FormatChecker

from forms.patterns import PATTERN_INPUT_LIMIT, compiled

Check = Callable[[Any], bool]
_Keyword = Callable[[Any, Mapping[str, Any], FormatChecker], Check]

# keywords that are annotations only: they never make data invalid
_ANNOTATIONS: Final = frozenset(
    {"$schema", "$id", "title", "description", "default", "readOnly", "examples"}
)
# the Python types parsed JSON has (bool before int: a bool is no number to JSON Schema)
_JSON_TYPES: Final = frozenset({str, int, float, bool, type(None), dict, list})


def _never(_: Any) -> bool:
    return False


def _is_number(value: Any) -> bool:
    """JSON Schema's `number` as build_validator reads it: no bool, no NaN or infinity."""
    kind = type(value)
    return kind is int or (kind is float and math.isfinite(value))


def _is_integer(value: Any) -> bool:
    kind = type(value)
    return kind is int or (kind is float and value.is_integer())


# JSON Schema's types as jsonschema's draft 2020-12 type checker reads them (a value of a Python
# type parsed JSON does not have, such as Decimal or a dict subclass, is left to the validator)
_TYPES: Final[Mapping[str, Check]] = {
    "string": lambda v: type(v) is str,
    "number": _is_number,
    "integer": _is_integer,
    "boolean": lambda v: type(v) is bool,
    "null": lambda v: v is None,
    "object": lambda v: type(v) is dict,
    "array": lambda v: type(v) is list,
}


# the JSON types that are one Python type each
_EXACT: Final[Mapping[str, type]] = {
    "string": str,
    "boolean": bool,
    "null": type(None),
    "object": dict,
    "array": list,
}


def _applies(is_kind: Check, holds: Check) -> Check:
    """A keyword that constrains values of one JSON type only: `holds` for those, any other
    JSON value passes, a value of another Python type is left to the validator."""

    def check(value: Any) -> bool:
        if is_kind(value):
            return holds(value)
        return _is_other_json(value)

    return check


def _is_other_json(value: Any) -> bool:
    """A value of a JSON type (NaN and infinity are none), which a keyword of another type
    passes."""
    kind = type(value)
    return kind in _JSON_TYPES and (kind is not float or math.isfinite(value))


def _all(checks: Sequence[Check]) -> Check:
    """Every one of `checks` holds."""
    if not checks:
        return lambda _: True
    if len(checks) == 1:
        return checks[0]
    held = tuple(checks)

    # a loop, not all() of a generator: this runs for every value of every row
    def check(value: Any) -> bool:
        for each in held:  # noqa: SIM110
            if not each(value):
                return False
        return True

    return check


def compile_check(schema: Mapping[str, Any], *, format_checker: FormatChecker) -> Check:
    """The predicate of `schema` (see the module's docstring)."""
    checks: list[Check] = []
    for name, value in schema.items():
        if name in _ANNOTATIONS or name.startswith("x-"):
            continue
        build = _KEYWORDS.get(name)
        if build is None:
            return _never  # a keyword not known here: the validator decides
        checks.append(build(value, schema, format_checker))
    return _all(checks)


def _type(value: Any, schema: Mapping[str, Any], formats: FormatChecker) -> Check:
    names = {value} if isinstance(value, str) else set(value)
    if not names <= set(_TYPES):
        return _never
    # one test for all the types named (a bool is no integer; NaN and infinity no number)
    exact = frozenset(_EXACT[name] for name in names if name in _EXACT)
    numbers, integers = "number" in names, "integer" in names

    def check(v: Any) -> bool:
        kind = type(v)
        if kind in exact:
            return True
        if kind is int:
            return numbers or integers
        if kind is float:
            return (numbers and math.isfinite(v)) or (integers and v.is_integer())
        return False

    return check


def _enum(value: Any, schema: Mapping[str, Any], formats: FormatChecker) -> Check:
    # jsonschema compares with its own equality (1 == 1.0, True != 1): only text and null are
    # decided here, by exact value; anything else is left to the validator
    texts = frozenset(item for item in value if type(item) is str)
    allows_null = any(item is None for item in value)
    return lambda v: (type(v) is str and v in texts) or (v is None and allows_null)


def _minimum(value: Any, schema: Mapping[str, Any], formats: FormatChecker) -> Check:
    def check(v: Any) -> bool:
        kind = type(v)
        if kind is int or (kind is float and math.isfinite(v)):
            return bool(v >= value)
        return _is_other_json(v)

    return check


def _maximum(value: Any, schema: Mapping[str, Any], formats: FormatChecker) -> Check:
    def check(v: Any) -> bool:
        kind = type(v)
        if kind is int or (kind is float and math.isfinite(v)):
            return bool(v <= value)
        return _is_other_json(v)

    return check


def _is_text(value: Any) -> bool:
    return type(value) is str


def _max_length(value: Any, schema: Mapping[str, Any], formats: FormatChecker) -> Check:
    return _applies(_is_text, lambda v: len(v) <= value)


def _min_length(value: Any, schema: Mapping[str, Any], formats: FormatChecker) -> Check:
    return _applies(_is_text, lambda v: len(v) >= value)


def _pattern(value: Any, schema: Mapping[str, Any], formats: FormatChecker) -> Check:
    # forms.validation._bounded_pattern: never run on text longer than the field allows
    bound = min(schema.get("maxLength", PATTERN_INPUT_LIMIT), PATTERN_INPUT_LIMIT)
    regex = compiled(value)
    return _applies(_is_text, lambda v: len(v) > bound or regex.search(v) is not None)


def _format(value: Any, schema: Mapping[str, Any], formats: FormatChecker) -> Check:
    # FormatChecker.conforms, its checker called directly: an unknown format holds, a value
    # its checker refuses (False, or one of the exceptions it declares) does not
    found = formats.checkers.get(value)
    if found is None:
        return lambda _: True
    function, raises = found

    def check(v: Any) -> bool:
        try:
            return bool(function(v))
        except raises:
            return False
        except Exception:  # a checker that fails otherwise: the validator says what it says
            return False

    return check


def _items(value: Any, schema: Mapping[str, Any], formats: FormatChecker) -> Check:
    if "prefixItems" in schema or not isinstance(value, Mapping):
        return _never
    item = compile_check(value, format_checker=formats)
    return _applies(_TYPES["array"], lambda v: all(item(each) for each in v))


def _unique_items(value: Any, schema: Mapping[str, Any], formats: FormatChecker) -> Check:
    if not value:
        return lambda _: True
    # decided for lists of text only (jsonschema's equality is its own for other values)
    return _applies(
        _TYPES["array"],
        lambda v: all(type(each) is str for each in v) and len(set(v)) == len(v),
    )


def _min_items(value: Any, schema: Mapping[str, Any], formats: FormatChecker) -> Check:
    return _applies(_TYPES["array"], lambda v: len(v) >= value)


def _max_items(value: Any, schema: Mapping[str, Any], formats: FormatChecker) -> Check:
    return _applies(_TYPES["array"], lambda v: len(v) <= value)


def _properties(value: Any, schema: Mapping[str, Any], formats: FormatChecker) -> Check:
    checks = {key: compile_check(sub, format_checker=formats) for key, sub in value.items()}

    def check(v: Any) -> bool:
        if type(v) is not dict:
            return _is_other_json(v)
        for key, item in v.items():
            each = checks.get(key)
            if each is not None and not each(item):
                return False
        return True

    return check


def _required(value: Any, schema: Mapping[str, Any], formats: FormatChecker) -> Check:
    names = tuple(value)
    return _applies(_TYPES["object"], lambda v: all(name in v for name in names))


def _additional_properties(value: Any, schema: Mapping[str, Any], formats: FormatChecker) -> Check:
    if value is True:
        return lambda _: True
    if value is not False or "patternProperties" in schema:
        return _never
    known = frozenset(schema.get("properties", {}))
    return _applies(_TYPES["object"], lambda v: known.issuperset(v))


_KEYWORDS: Final[Mapping[str, _Keyword]] = {
    "type": _type,
    "enum": _enum,
    "minimum": _minimum,
    "maximum": _maximum,
    "maxLength": _max_length,
    "minLength": _min_length,
    "pattern": _pattern,
    "format": _format,
    "items": _items,
    "uniqueItems": _unique_items,
    "minItems": _min_items,
    "maxItems": _max_items,
    "properties": _properties,
    "required": _required,
    "additionalProperties": _additional_properties,
}
