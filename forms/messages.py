"""The sentences of data errors as message ids and params, so each can be said in any language.

Pure. A `Text` is an English message id with `%(name)s` placeholders and the values that fill them;
`english()` is the sentence forms has always produced ("Max overdue days must be at least 0").
web/ says the same `Text` in the request's language (`say` with its catalogs' gettext). A param is
a plain value (shown as is, never translated), a nested `Text` (a piece whose words depend on the
language: "the text 'x'"), or a mapping of language → text (a field's label, `label_of`).

`N_` only marks a message id for extraction (babel.cfg, keyword N_); the catalogs are web's
(web/locale).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from dsl.spelling import number_text, suggest
from forms.fields import EXPECTED, LANGUAGES, Field, FieldType

DEFAULT_LANGUAGE = "en"


def N_(message: str) -> str:
    """Mark `message` as a message id for the catalogs, unchanged."""
    return message


@dataclass(frozen=True, slots=True)
class Text:
    """A message id and its params; see the module's docstring for what a param may be."""

    id: str
    params: Mapping[str, Any]

    def english(self) -> str:
        """The sentence in English (the message id filled with the params' English)."""
        return say(self, DEFAULT_LANGUAGE, _same)

    def in_language(self, language: str, translate: Callable[[str], str]) -> str:
        """The sentence in `language`, message ids passed through `translate` (`say`)."""
        return say(self, language, translate)

    def __str__(self) -> str:
        return self.english()


def text(message_id: str, /, **params: Any) -> Text:
    """`Text(message_id, params)`, the params read-only."""
    return Text(message_id, MappingProxyType(params))


def _same(message: str) -> str:
    return message


def say(message: Text, language: str, translate: Callable[[str], str]) -> str:
    """`message` in `language`: every message id passed through `translate` (the catalog of
    `language`), every label read in `language`."""
    values = {name: _param(value, language, translate) for name, value in message.params.items()}
    template = translate(message.id) if message.id else ""  # gettext("") is the catalog's header
    return template % values if values else template


def _param(value: Any, language: str, translate: Callable[[str], str]) -> Any:
    if isinstance(value, Text):
        return say(value, language, translate)
    if isinstance(value, Mapping):
        return value.get(language) or value.get(DEFAULT_LANGUAGE) or ""
    return value


def label_of(field: Field) -> Mapping[str, str]:
    """The field's label in every language (`Field.title`: else English, else its id in words)."""
    return MappingProxyType({language: field.title(language) for language in LANGUAGES})


# A value of each type, in words: "Max overdue days must be a whole number" (forms.fields.EXPECTED).
_EXPECTED_IDS: Mapping[FieldType, str] = {
    FieldType.TEXT: N_("text"),
    FieldType.INTEGER: N_("a whole number"),
    FieldType.DECIMAL: N_("a number"),
    FieldType.MONEY: N_("an amount (a number)"),
    FieldType.BOOLEAN: N_("true or false"),
    FieldType.DATE: N_("a date written YYYY-MM-DD"),
    FieldType.CHOICE: N_("one of its options"),
}
assert all(_EXPECTED_IDS[kind] == EXPECTED[kind] for kind in FieldType)


def expected(field_type: FieldType) -> Text:
    """What a value of `field_type` must be, in words."""
    return text(_EXPECTED_IDS[field_type])


def described(value: Any) -> Text:
    """A value in words, as dsl.spelling.describe says it in English: `a list`, `the text 'x'`,
    `the number 3`; the value itself is never translated."""
    if isinstance(value, Mapping):
        return text(N_("a mapping"))
    if isinstance(value, list | tuple):
        return text(N_("a list"))
    if value is None:
        return text(N_("nothing"))
    if isinstance(value, bool):
        return text("true" if value else "false")
    if isinstance(value, float) and not math.isfinite(value):
        return text("NaN" if math.isnan(value) else f"{'-' if value < 0 else ''}Infinity")
    if isinstance(value, float) and "e" not in repr(value):
        return text(N_("the number %(number)s"), number=repr(value))
    if isinstance(value, int | float):
        return text(N_("the number %(number)s"), number=number_text(value))
    if isinstance(value, dt.date):
        return text(N_("the date %(date)s"), date=value.isoformat())
    return text(N_("the text '%(text)s'"), text=str(value))


def did_you_mean(name: str, candidates: Iterable[str]) -> Text:
    """`; did you mean 'x'?` when a candidate is close (dsl.spelling.suggest), else nothing."""
    close = suggest(name, candidates)
    return text(N_("; did you mean '%(name)s'?"), name=close) if close else text("")


def options_text(options: Sequence[str]) -> Text:
    """The first twelve options, then how many more there are."""
    shown = ", ".join(options[:12])
    if len(options) <= 12:
        return text("%(options)s", options=shown)
    return text(N_("%(options)s (and %(more)d more)"), options=shown, more=len(options) - 12)


def text_problem_of(value: str, *, allow_breaks: bool = False) -> Text | None:
    """What makes `value` unfit to store (forms.validation.text_problem), or None."""
    for char in value:
        code = ord(char)
        if code == 0:
            return text(N_("holds a NUL character (U+0000)"))
        if 0xD800 <= code <= 0xDFFF:
            return text(
                N_("holds an unpaired surrogate (U+%(code)s), which is not text"),
                code=f"{code:04X}",
            )
        if (code < 0x20 or 0x7F <= code <= 0x9F) and not (allow_breaks and char in "\t\n\r"):
            return text(N_("holds the control character U+%(code)s"), code=f"{code:04X}")
    return None
