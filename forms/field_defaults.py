"""Whether a field's `default` fits the field: its type, options, length and pattern (docs/forms.md,
"Fields"). Pure; the field reader reports what this finds at the default's position."""

from __future__ import annotations

from dsl.texts import N_, Text, described, did_you_mean, text
from forms.field_types import FieldType
from forms.messages import expected
from forms.patterns import matches
from forms.reading import is_number


def default_problem(
    value: object,
    field_type: FieldType,
    *,
    options: tuple[str, ...] | None,
    max_length: int | None,
    pattern: str | None,
) -> Text | None:
    """What is wrong with `value` as the default of a field of `field_type`, or None."""
    wrong = text(
        N_("the default of %(field)s must be %(expected)s, found %(found)s"),
        field=a_field(field_type),
        expected=expected(field_type),
        found=described(value),
    )
    spec = field_type.spec
    match field_type:
        case FieldType.TEXT | FieldType.LONG_TEXT:
            if not isinstance(value, str):
                return wrong
            if max_length is not None and len(value) > max_length:
                return text(
                    N_(
                        "the default is %(length)d characters long, more than 'max_length' "
                        "(%(max_length)d)"
                    ),
                    length=len(value),
                    max_length=max_length,
                )
            if pattern is not None and not matches(pattern, value):
                return text(
                    N_("the default %(found)s does not match the pattern"), found=described(value)
                )
        case FieldType.INTEGER:
            if not isinstance(value, int) or isinstance(value, bool):
                return wrong
        case FieldType.DECIMAL | FieldType.PERCENT:
            if not is_number(value):
                return wrong
        case FieldType.MONEY:  # an amount in the base currency: the currency may change
            if not is_number(value):
                return text(
                    N_(
                        "the default of a money field must be a number (in the base currency), "
                        "found %(found)s"
                    ),
                    found=described(value),
                )
        case FieldType.BOOLEAN:
            if not isinstance(value, bool):
                return wrong
        case FieldType.MULTI_CHOICE:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                return wrong
            if options is None:
                return None
            unknown = [v for v in value if v not in options]
            if unknown or len(set(value)) != len(value):
                return text(
                    N_("the default must list distinct options (%(options)s), found %(found)s"),
                    options=", ".join(options),
                    found=", ".join(value),
                )
        case FieldType.CHOICE:
            if options is None:
                # the missing options are reported already, but not a default that is no text
                return None if isinstance(value, str) else wrong
            if not isinstance(value, str) or value not in options:
                close = did_you_mean(value, options) if isinstance(value, str) else text("")
                return text(
                    N_(
                        "the default must be one of the options (%(options)s), "
                        "found %(found)s%(close)s"
                    ),
                    options=", ".join(options),
                    found=described(value),
                    close=close,
                )
        case _:  # a formatted text: date, datetime, e-mail, phone, URL, codes
            if not isinstance(value, str):
                return wrong
            if spec.check is not None and not spec.check(value):
                return wrong
            if spec.enum is not None and value not in spec.enum:
                return wrong
    return None


def a_field(field_type: FieldType) -> Text:
    """`a text field`, `an integer field`: the field type with its article."""
    if field_type[0] in "aeiou" and field_type not in (FieldType.USCC, FieldType.URL):
        return text(N_("an %(type)s field"), type=str(field_type))
    return text(N_("a %(type)s field"), type=str(field_type))
