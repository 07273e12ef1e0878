"""Checking a form's data against its JSON Schema, with every error in the form's own words.

Pure. `jsonschema` finds the errors; this module turns each into a `DataError` with the field's
path and a message that names the field by its label ("Max overdue days must be at least 0"), so
nothing downstream reads jsonschema's text. Each message is also kept as a message id with its
params (`DataError.wording`, forms.messages), so web/ says it in the request's language.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from jsonschema import Draft202012Validator, FormatChecker, TypeChecker, ValidationError, validators

from dsl.spelling import number_text
from forms import formats, money
from forms.conditions import condition_errors, field_states
from forms.field_types import TYPES, FieldType
from forms.fields import Field
from forms.json_schema import is_demanded
from forms.messages import (
    N_,
    Text,
    described,
    did_you_mean,
    expected,
    label_of,
    options_text,
    say,
    text,
    text_problem_of,
)
from forms.patterns import PATTERN_INPUT_LIMIT, compiled
from forms.schema_check import Check, compile_check

if TYPE_CHECKING:
    from forms.form import Form

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class DataError:
    """One problem with submitted data: where (`("contacts", 2, "phone")`), what, and a stable
    code (`required`, `unknown-field`, `wrong-type`, `below-minimum`, `above-maximum`,
    `out-of-range`, `too-long`, `not-an-option`, `duplicate-choice`, `pattern-mismatch`,
    `control-character`, `too-many-items` (a list of groups longer than its `max_items`),
    `computed-field` (a value sent for a computed field), `not-visible` (a
    value for a field its `visible_when` hides), and each field type's own: `bad-date`,
    `bad-datetime`, `bad-email`, `bad-phone`, `bad-url`, `bad-country`, `bad-currency`,
    `bad-uscc`)."""

    path: Path
    message: str  # in English
    code: str
    # the message as a message id and params (forms.messages); None: `message` is its own id.
    # Not compared: two errors saying the same thing in English are the same error.
    wording: Text | None = dataclasses.field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, path: Path, code: str, wording: Text) -> DataError:
        """The error at `path` saying `wording` (its English is `message`)."""
        return cls(path, wording.english(), code, wording)

    def message_in(self, language: str, translate: Callable[[str], str]) -> str:
        """The message in `language`, message ids passed through `translate` (its catalog)."""
        if self.wording is None:
            return translate(self.message)
        return say(self.wording, language, translate)

    def to_dict(self) -> dict[str, str]:
        """`{"path": "contacts[2].phone", "message": ..., "code": ...}`."""
        return {"path": path_text(self.path), "message": self.message, "code": self.code}


def path_text(path: Iterable[str | int]) -> str:
    """A path as one string: `("contacts", 2, "phone")` → `contacts[2].phone`; `()` → ``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


# What the engine can store of each numeric type: integers as 64-bit, amounts and decimals as
# NUMERIC(20, 4) (engine.types.MoneyType), so at most 16 digits before the point. A larger value
# would be stored, then read by the rules as a number too big to compare (missing).
INTEGER_MIN: Final = -(2**63)
INTEGER_MAX: Final = 2**63 - 1
AMOUNT_DIGITS: Final = 16
AMOUNT_LIMIT: Final = 10**AMOUNT_DIGITS  # exclusive


def text_problem(text: str, *, allow_breaks: bool = False) -> str | None:
    """What makes `text` unfit to store, in words ("holds a NUL character"), or None.

    NUL, other control characters (C0, DEL, C1) and unpaired surrogates are refused; tab and
    line breaks only when `allow_breaks` (free text). PostgreSQL cannot store NUL, and an
    unpaired surrogate is not text in any encoding.
    """
    problem = text_problem_of(text, allow_breaks=allow_breaks)
    return problem.english() if problem is not None else None


def json_text_errors(value: Any, path: Path = ()) -> Iterator[DataError]:
    """A `control-character` error for every key (no control character at all) and text value
    (tab and line breaks allowed) of parsed JSON `value` that `text_problem` refuses."""
    if isinstance(value, str):
        problem = text_problem_of(value, allow_breaks=True)
        if problem is not None:
            where = path_text(path)
            wording = (
                text(N_("%(path)s %(problem)s"), path=where, problem=problem)
                if where
                else text(N_("the value %(problem)s"), problem=problem)
            )
            yield DataError.of(path, "control-character", wording)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            key_problem = text_problem_of(str(key))
            if key_problem is not None:
                name = ascii(path_text((*path, key)))
                wording = text(N_("the name %(name)s %(problem)s"), name=name, problem=key_problem)
                yield DataError.of((*path, key), "control-character", wording)
            else:
                yield from json_text_errors(item, (*path, key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from json_text_errors(item, (*path, index))


FORMATS = FormatChecker(formats=())
# The formats of the field types (forms.field_types.TYPES), checked for real: JSON Schema's
# `format` is only an annotation unless a validator asserts it.
for _spec in TYPES.values():
    if _spec.format is not None and _spec.check is not None:
        FORMATS.checks(_spec.format)(
            # a value of another JSON type is the type keyword's to report
            lambda instance, check=_spec.check: not isinstance(instance, str) or check(instance)
        )


def is_iso_date(instance: object) -> bool:
    """`YYYY-MM-DD` exactly, and a real day (`2024-02-30` is not)."""
    return formats.is_iso_date(instance)


def _is_number(checker: TypeChecker, instance: object) -> bool:
    """JSON's numbers: Python's parser also reads NaN and ±Infinity, which JSON does not have."""
    if isinstance(instance, float) and not math.isfinite(instance):
        return False
    return bool(Draft202012Validator.TYPE_CHECKER.is_type(instance, "number"))


def _bounded_pattern(
    validator: Draft202012Validator, pattern: str, instance: object, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    """JSON Schema's `pattern`, never run on text longer than the field allows (its maxLength
    says so) nor than PATTERN_INPUT_LIMIT: a pattern's time grows with its input."""
    if not isinstance(instance, str):
        return
    bound = schema.get("maxLength", PATTERN_INPUT_LIMIT)
    if len(instance) > min(bound, PATTERN_INPUT_LIMIT):
        return
    if compiled(pattern).search(instance) is None:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


# types-jsonschema leaves `extend` unannotated; it returns a validator class like the one given.
_Validator = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator,
    validators={"pattern": _bounded_pattern},
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("number", _is_number),
)


def build_validator(schema: Mapping[str, Any]) -> Draft202012Validator:
    """A draft 2020-12 validator for `schema` that really checks the formats of the field types
    (`date`, `date-time`, `email`, `phone`, `http-url`, `uscc`), takes only finite numbers for
    `number` and bounds the input of `pattern`."""
    validator: Draft202012Validator = _Validator(dict(schema), format_checker=FORMATS)
    return validator


def build_check(schema: Mapping[str, Any]) -> Check:
    """The predicate that tells, without walking `schema` with jsonschema, that data holds no
    error `build_validator(schema)` would find (forms.schema_check; False: ask the validator)."""
    return compile_check(schema, format_checker=FORMATS)


def validate(
    form: Form,
    data: object,
    *,
    terms: Mapping[str, Any] | None = None,
    as_of: dt.date | None = None,
) -> tuple[DataError, ...]:
    """Every problem of `data` (a form's values, as JSON) against `form`, in the form's field
    order, at most one per field; empty when the data is valid.

    The fields' conditions (forms.conditions) read `data`, the credit `terms` (None: missing)
    and `as_of` (the date `today()` reads).
    """
    if isinstance(data, Mapping) and not isinstance(data, dict):
        data = dict(data)  # JSON Schema's "object" is a dict
    conditional: list[DataError] = []
    if isinstance(data, dict):
        conditional = [
            DataError.of(path, code, wording)
            for path, code, wording in condition_errors(form, data, terms=terms, as_of=as_of)
        ]
    return explain(
        form.validator(),
        data,
        holds=form.schema_check(),
        fields=form.fields,
        subject=text(N_("the data")),
        unknown=text(N_("unknown field")),
        extra=conditional,
    )


def normalise(
    form: Form,
    data: Mapping[str, Any],
    *,
    terms: Mapping[str, Any] | None = None,
    as_of: dt.date | None = None,
) -> dict[str, Any]:
    """`data` (already validated) in its stored shape, as a new dict in the form's field order:
    defaults filled in (not for a field its `visible_when` hides), computed values computed,
    nulls dropped (null means "not given"), whole numbers of integer fields as ints, a
    multi_choice's options in the order the form lists them, phone numbers as E.164.
    Keys the form does not know are kept after the form's fields. `terms` and `as_of` are what
    the fields' expressions read (as for `validate`)."""
    states = None
    if form.expressions.compiled:
        states = field_states(form, data, terms=terms, as_of=as_of)
    result: dict[str, Any] = {}
    for field in form.fields:
        value = data.get(field.id)
        if states is not None and field.computed is not None:
            value = states.computed.get(field.id)
        elif value is None and (states is None or states.is_visible(field.id)):
            value = field.default
        if value is None:
            continue
        result[field.id] = _stored(field, value)
    known = {field.id for field in form.fields}
    result.update((key, value) for key, value in data.items() if key not in known)
    return result


def _stored(field: Field, value: Any) -> Any:
    """A field's valid value in its stored shape (`normalise`)."""
    if field.type is FieldType.INTEGER and isinstance(value, float) and value.is_integer():
        return int(value)
    if field.type is FieldType.MULTI_CHOICE and isinstance(value, list | tuple):
        order = {option: index for index, option in enumerate(field.options or ())}
        return sorted(value, key=lambda option: order.get(option, len(order)))
    if field.type is FieldType.GROUP:
        if field.multiple and isinstance(value, list | tuple):
            return [_stored_group(field, item) for item in value]
        return _stored_group(field, value)
    if field.type.spec.normalise is not None:
        return field.type.spec.normalise(value)
    return value


def _stored_group(field: Field, value: Any) -> Any:
    """One object of a group: its sub-fields' defaults filled in, nulls dropped, in order."""
    if not isinstance(value, Mapping):
        return value
    result: dict[str, Any] = {}
    for sub in field.fields:
        item = value.get(sub.id)
        if item is None:
            item = sub.default
        if item is not None:
            result[sub.id] = _stored(sub, item)
    return result


def explain(
    validator: Draft202012Validator,
    data: object,
    *,
    fields: Sequence[Field],
    subject: Text,
    unknown: Text,
    prefix: Path = (),
    extra: Iterable[DataError] = (),
    holds: Check | None = None,
) -> tuple[DataError, ...]:
    """The validator's errors for `data` as `DataError`s, one per path, in field order.

    `subject` names the whole object in a message ("the data"), `unknown` starts the message for
    a key no field has ("unknown field"), `prefix` is put before every path (`("terms",)`);
    `extra` are errors found elsewhere (the fields' conditions), kept where no worse one is;
    `holds` (`build_check` of the validator's schema), when it says the data holds no error,
    spares walking the validator.
    """
    by_id = {field.id: field for field in fields}
    found: dict[Path, DataError] = {}
    errors = () if holds is not None and holds(data) else validator.iter_errors(data)
    for error in errors:
        for path, wording, code in _explain(error, by_id, subject=subject, unknown=unknown):
            full = (*prefix, *path)
            held = found.get(full)
            if held is None or _PRIORITY[code] < _PRIORITY[held.code]:
                found[full] = DataError.of(full, code, wording)
    for item in (*_value_errors(data, fields, prefix=prefix), *extra):
        held = found.get(item.path)
        if held is None or _PRIORITY[item.code] < _PRIORITY[held.code]:
            found[item.path] = item
    if not found:
        return ()
    order: dict[str | int | None, int] = {field_id: index for index, field_id in enumerate(by_id)}
    position = {key: index for index, key in enumerate(data)} if isinstance(data, dict) else {}

    # inside a group: its items in order, each item's errors in its sub-fields' order
    inner: dict[tuple[object, object], int] = {
        (field.id, sub.id): index for field in fields for index, sub in enumerate(field.fields)
    }

    def place(item: DataError) -> tuple[int, int, tuple[tuple[int, int, str], ...]]:
        head = item.path[len(prefix)] if len(item.path) > len(prefix) else None
        rest = tuple(
            (part, 0, "")
            if isinstance(part, int)
            else (-1, inner.get((head, part), len(inner)), part)
            for part in item.path[len(prefix) + 1 :]
        )
        return (order.get(head, len(order)), position.get(head, 0), rest)

    return tuple(sorted(found.values(), key=place))


# When one value breaks several constraints, the first of these is the one worth telling.
_PRIORITY: dict[str, int] = {
    code: rank
    for rank, code in enumerate(
        (
            "not-an-object",
            "required",
            "unknown-field",
            "computed-field",
            "not-visible",
            "wrong-type",
            "not-an-option",
            "duplicate-choice",
            "too-many-items",
            *sorted({spec.refused for spec in TYPES.values()} - {"wrong-type", "not-an-option"}),
            "pattern-mismatch",
            "below-minimum",
            "above-maximum",
            "out-of-range",
            "too-long",
            "control-character",
            "invalid",
        )
    )
}

_Explained = list[tuple[Path, Text, str]]


def _value_errors(data: object, fields: Sequence[Field], *, prefix: Path) -> Iterator[DataError]:
    """What JSON Schema cannot say: numbers beyond what their type stores, text that cannot be
    stored (NUL, control characters, unpaired surrogates)."""
    if not isinstance(data, dict):
        return
    for field in fields:
        value = data.get(field.id)
        path = (*prefix, field.id)
        if field.type is FieldType.GROUP:
            yield from _group_value_errors(field, value, path)
            continue
        if field.type is FieldType.MONEY and isinstance(value, Mapping):
            path, value = (*path, money.AMOUNT), value.get(money.AMOUNT)
        if field.type.is_numeric and money.is_amount(value):
            wording = _range_problem(field, value)
            if wording is not None:
                yield DataError.of(path, "out-of-range", wording)
        elif field.type.spec.is_text and isinstance(value, str):
            problem = text_problem_of(value, allow_breaks=field.type.spec.allows_breaks)
            if problem is not None:
                wording = text(N_("%(label)s %(problem)s"), label=label_of(field), problem=problem)
                yield DataError.of(path, "control-character", wording)


def _group_value_errors(field: Field, value: object, path: Path) -> Iterator[DataError]:
    """`_value_errors` of each object of a group (of each item of a list of groups)."""
    if isinstance(value, dict):
        yield from _value_errors(value, field.fields, prefix=path)
    elif field.multiple and isinstance(value, list):
        for index, item in enumerate(value[: field.max_items]):
            yield from _value_errors(item, field.fields, prefix=(*path, index))


def _range_problem(field: Field, value: int | float) -> Text | None:
    if field.type is FieldType.INTEGER:
        if INTEGER_MIN <= value <= INTEGER_MAX:
            return None
        return text(
            N_("%(label)s must be a whole number from %(min)s to %(max)s"),
            label=label_of(field),
            min=str(INTEGER_MIN),
            max=str(INTEGER_MAX),
        )
    if abs(value) < AMOUNT_LIMIT:
        return None
    return text(
        N_("%(label)s is too large: at most %(digits)d digits before the point"),
        label=label_of(field),
        digits=AMOUNT_DIGITS,
    )


def _explain(
    error: ValidationError, fields: Mapping[str, Field], *, subject: Text, unknown: Text
) -> _Explained:
    path: Path = tuple(error.absolute_path)
    if not path:
        return _explain_object(error, fields, subject=subject, unknown=unknown)
    field = fields.get(str(path[0]))
    if field is not None and field.type is FieldType.GROUP:
        return _explain_group(error, field, path, unknown=unknown)
    if field is not None and field.type is FieldType.MULTI_CHOICE and len(path) == 2:
        # an item of a multi_choice's list: reported at the field, like any of its values
        message, code = _option(field, error.instance)
        return [(path[:1], message, code)]
    if field is not None and field.type.spec.alternative is not None and _in_object(error):
        # inside money's object shape: its amount, its currency, or a key missing or unknown
        part = str(path[1]) if len(path) > 1 else ""
        message, code = money.part_error(
            field, label_of(field), part, str(error.validator), error.instance
        )
        return [(path[:2] if part in (money.AMOUNT, money.CURRENCY) else path[:1], message, code)]
    if field is None or len(path) != 1:  # nested values come with a later cut
        return [(path, text(N_("%(path)s is not valid"), path=path_text(path)), "invalid")]
    explain_keyword = _BY_KEYWORD.get(str(error.validator))
    if explain_keyword is None:
        return [(path, text(N_("%(label)s is not valid"), label=label_of(field)), "invalid")]
    message, code = explain_keyword(field, error.instance)
    return [(path, message, code)]


def _in_object(error: ValidationError) -> bool:
    """An error of the keywords that only an object value meets (the object shape of money)."""
    return len(error.absolute_path) > 1 or (
        isinstance(error.instance, Mapping)
        and error.validator in ("required", "additionalProperties")
    )


def _explain_group(
    error: ValidationError, field: Field, path: Path, *, unknown: Text
) -> _Explained:
    """An error inside a group: about the list (too many items), an object (a sub-field missing,
    a key no sub-field has) or a sub-field's value, at its path (`contacts[2].phone`)."""
    head, rest = path[:1], path[1:]
    if field.multiple and rest and isinstance(rest[0], int):
        head, rest = path[:2], path[2:]
    keyword = str(error.validator)
    instance: Any = error.instance
    if rest:  # a sub-field's value
        sub = field.sub_field(str(rest[0]))
        where = (*head, rest[0])
        if sub is not None and sub.type is FieldType.MULTI_CHOICE and len(rest) == 2:
            message, code = _option(sub, instance)
            return [(where, message, code)]
        explain_keyword = _BY_KEYWORD.get(keyword)
        if sub is None or len(rest) != 1 or explain_keyword is None:
            return [(path, text(N_("%(path)s is not valid"), path=path_text(path)), "invalid")]
        if keyword == "type" and instance is None and is_demanded(sub):
            return [(where, _missing(where), "required")]
        message, code = explain_keyword(sub, instance)
        return [(where, message, code)]
    if len(head) == 1 and field.multiple:  # the list itself
        if keyword == "maxItems":
            wording = text(
                N_("%(label)s holds at most %(max)d items, found %(count)d"),
                label=label_of(field),
                max=field.max_items,
                count=len(instance),
            )
            return [(head, wording, "too-many-items")]
        if keyword == "minItems":
            return [(head, text(N_("required field '%(id)s' is empty"), id=field.id), "required")]
        if keyword == "type" and instance is None:
            return [(head, _missing(head), "required")]
        wording = text(
            N_("%(label)s must be a list of objects of its sub-fields, found %(found)s"),
            label=label_of(field),
            found=described(instance),
        )
        return [(head, wording, "wrong-type")]
    if keyword == "required" and isinstance(instance, dict):
        demanded: Any = error.validator_value
        return [
            ((*head, name), _missing((*head, name)), "required")
            for name in demanded
            if name not in instance
        ]
    if keyword == "additionalProperties" and isinstance(instance, dict):
        known = [sub.id for sub in field.fields]
        return [
            (
                (*head, key),
                text(
                    N_("%(unknown)s '%(key)s'%(hint)s"),
                    unknown=unknown,
                    key=path_text((*head, key)),
                    hint=did_you_mean(str(key), known),
                ),
                "unknown-field",
            )
            for key in instance
            if key not in known
        ]
    if keyword == "type" and instance is None:
        return [(head, _missing(head), "required")]
    wording = text(
        N_("%(label)s must be %(expected)s, found %(found)s"),
        label=label_of(field) if len(head) == 1 else path_text(head),
        expected=expected(field.type),
        found=described(instance),
    )
    return [(head, wording, "wrong-type")]


def _missing(path: Path) -> Text:
    return text(N_("required field '%(id)s' is missing"), id=path_text(path))


def _explain_object(
    error: ValidationError, fields: Mapping[str, Field], *, subject: Text, unknown: Text
) -> _Explained:
    """An error about the whole object: not an object, a field missing, keys no field has."""
    instance = error.instance
    if error.validator == "type" or not isinstance(instance, dict):
        wording = text(
            N_("%(subject)s must be an object of field ids and values, found %(found)s"),
            subject=subject,
            found=described(instance),
        )
        return [((), wording, "not-an-object")]
    if error.validator == "required" and isinstance(error.validator_value, list):
        return [
            ((name,), text(N_("required field '%(id)s' is missing"), id=name), "required")
            for name in error.validator_value
            if name not in instance
        ]
    if error.validator == "additionalProperties":
        return [
            (
                (key,),
                text(
                    N_("%(unknown)s '%(key)s'%(hint)s"),
                    unknown=unknown,
                    key=key,
                    hint=did_you_mean(str(key), fields),
                ),
                "unknown-field",
            )
            for key in instance
            if key not in fields
        ]
    return [((), text(N_("%(subject)s is not valid"), subject=subject), "invalid")]


def _type(field: Field, value: Any) -> tuple[Text, str]:
    if value is None and is_demanded(field):
        return text(N_("required field '%(id)s' is missing"), id=field.id), "required"
    if field.type is FieldType.CHOICE or (
        field.type.spec.enum is not None and isinstance(value, str)
    ):
        return _enum(field, value)
    wording = text(
        N_("%(label)s must be %(expected)s, found %(found)s"),
        label=label_of(field),
        expected=expected(field.type),
        found=described(value),
    )
    return wording, "wrong-type"


def _enum(field: Field, value: Any) -> tuple[Text, str]:
    """A value not among the options of a choice, or not a code a country or currency has."""
    if field.type.spec.enum is None:
        return _option(field, value)
    return _refused(field, value)


def _refused(field: Field, value: Any) -> tuple[Text, str]:
    """A value of the right JSON type that the field's type refuses (its format or codes)."""
    wording = text(
        N_("%(label)s must be %(expected)s, found %(found)s"),
        label=label_of(field),
        expected=expected(field.type),
        found=described(value),
    )
    return wording, field.type.spec.refused


def _option(field: Field, value: Any) -> tuple[Text, str]:
    options = field.options or ()
    wording = text(
        N_("%(label)s must be one of %(options)s, found %(found)s%(hint)s"),
        label=label_of(field),
        options=options_text(options),
        found=described(value),
        hint=did_you_mean(value, options) if isinstance(value, str) else text(""),
    )
    return wording, "not-an-option"


def _minimum(field: Field, value: Any) -> tuple[Text, str]:
    assert field.minimum is not None
    wording = text(
        N_("%(label)s must be at least %(min)s"),
        label=label_of(field),
        min=number_text(field.minimum),
    )
    return wording, "below-minimum"


def _maximum(field: Field, value: Any) -> tuple[Text, str]:
    assert field.maximum is not None
    wording = text(
        N_("%(label)s must be at most %(max)s"),
        label=label_of(field),
        max=number_text(field.maximum),
    )
    return wording, "above-maximum"


def _max_length(field: Field, value: Any) -> tuple[Text, str]:
    wording = text(
        N_("%(label)s must be at most %(max)s characters long, found %(length)d"),
        label=label_of(field),
        max=field.max_length,
        length=len(value),
    )
    return wording, "too-long"


def _min_length(field: Field, value: Any) -> tuple[Text, str]:
    return text(N_("required field '%(id)s' is empty"), id=field.id), "required"


def _unique_items(field: Field, value: Any) -> tuple[Text, str]:
    repeated = next((item for index, item in enumerate(value) if item in value[:index]), None)
    wording = text(
        N_("%(label)s lists %(found)s more than once"),
        label=label_of(field),
        found=described(repeated),
    )
    return wording, "duplicate-choice"


def _pattern(field: Field, value: Any) -> tuple[Text, str]:
    if field.pattern is None:  # a pattern of the type itself (uscc)
        return _refused(field, value)
    wording = text(
        N_("%(label)s must match the pattern %(pattern)s, found %(found)s"),
        label=label_of(field),
        pattern=field.pattern,
        found=described(value),
    )
    return wording, "pattern-mismatch"


# One explanation per JSON Schema keyword that a field's schema uses (forms.json_schema).
_BY_KEYWORD: Mapping[str, Callable[[Field, Any], tuple[Text, str]]] = {
    "type": _type,
    "enum": _enum,
    "minimum": _minimum,
    "maximum": _maximum,
    "maxLength": _max_length,
    "minLength": _min_length,
    "minItems": _min_length,
    "uniqueItems": _unique_items,
    "pattern": _pattern,
    "format": _refused,
}
