"""One request validation error (pydantic's, through FastAPI) as `{path, message, code}`, its
message in the request's language.

English keeps pydantic's own sentence; Chinese has one sentence per error type below, filled from
the error's `ctx`. A type not in the table keeps pydantic's English sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from web.i18n import DEFAULT_LANGUAGE, N_, gettext

# how pydantic joins the last two allowed values of a literal: "'a', 'b' or 'c'"
_OR = N_(" or ")
_NUMBER = N_("should be a number")
_WHOLE_NUMBER = N_("should be a whole number")
_OBJECT = N_("should be an object")
_DATE = N_("should be a date (YYYY-MM-DD)")
_DATETIME = N_("should be a date and time (ISO 8601, e.g. 2026-12-01T09:00:00+08:00)")

# pydantic error type → message id; `%(name)s` is the error's ctx[name]
MESSAGES: dict[str, str] = {
    "missing": N_("is required"),
    "extra_forbidden": N_("is not expected here"),
    "string_type": N_("should be a text"),
    "string_too_short": N_("should have at least %(min_length)s character(s)"),
    "string_too_long": N_("should have at most %(max_length)s character(s)"),
    "string_pattern_mismatch": N_("should match the pattern %(pattern)s"),
    "int_type": _WHOLE_NUMBER,
    "int_parsing": _WHOLE_NUMBER,
    "int_from_float": _WHOLE_NUMBER,
    "int_parsing_size": N_("is too large a number"),
    "float_type": _NUMBER,
    "float_parsing": _NUMBER,
    "decimal_type": _NUMBER,
    "decimal_parsing": _NUMBER,
    "finite_number": N_("should be a finite number"),
    "bool_type": N_("should be true or false"),
    "bool_parsing": N_("should be true or false"),
    "greater_than": N_("should be greater than %(gt)s"),
    "greater_than_equal": N_("should be at least %(ge)s"),
    "less_than": N_("should be less than %(lt)s"),
    "less_than_equal": N_("should be at most %(le)s"),
    "literal_error": N_("should be %(expected)s"),
    "enum": N_("should be %(expected)s"),
    "list_type": N_("should be a list"),
    "too_short": N_("should have at least %(min_length)s item(s)"),
    "too_long": N_("should have at most %(max_length)s item(s)"),
    "dict_type": _OBJECT,
    "model_type": _OBJECT,
    "model_attributes_type": _OBJECT,
    "date_type": _DATE,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "datetime_type": _DATETIME,
    "datetime_parsing": _DATETIME,
    "datetime_from_date_parsing": _DATETIME,
    "timezone_aware": N_("should carry a time zone offset"),
    "json_invalid": N_("is not valid JSON: %(error)s"),
    "json_type": N_("should be JSON"),
}


def format_path(path: Sequence[str | int]) -> str:
    """A field path as text: `contacts[2].phone`."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _message(error: dict[str, Any], language: str) -> str:
    original = str(error.get("msg", "is invalid"))
    message = MESSAGES.get(str(error.get("type", "")))
    if language == DEFAULT_LANGUAGE or message is None:
        return original
    context = {str(k): v for k, v in dict(error.get("ctx") or {}).items()}
    if isinstance(context.get("expected"), str):
        context["expected"] = context["expected"].replace(" or ", gettext(language, _OR))
    try:
        return gettext(language, message, **context) if context else gettext(language, message)
    except (KeyError, TypeError, ValueError):
        # a ctx without the value the sentence names: pydantic's sentence is still true
        return original


def request_error(error: dict[str, Any], language: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
    """`{path, message, code}` for one of `RequestValidationError.errors()`; the path without its
    leading "body", the message in `language`."""
    location = list(error.get("loc", ()))
    if location and location[0] == "body":
        location = location[1:]
    return {
        "path": format_path(location) or "body",
        "message": _message(error, language),
        "code": str(error.get("type", "invalid")),
    }
