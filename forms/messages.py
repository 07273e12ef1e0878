"""The sentences of data errors as message ids and params, so each can be said in any language.

Pure. `Text`, `text`, `say`, `described` and `did_you_mean` are dsl.texts' (re-exported: the
definition readers of workflows use them too). A `Text` is an English message id with `%(name)s`
placeholders and the values that fill them; `english()` is the sentence forms has always produced
("Max overdue days must be at least 0"). web/ says the same `Text` in the request's language (`say`
with its catalogs' gettext). A param is a plain value (shown as is, never translated), a nested
`Text` (a piece whose words depend on the language: "the text 'x'"), or a mapping of language →
text (a field's label, `label_of`).

`N_` only marks a message id for extraction (babel.cfg, keyword N_); the catalogs are web's
(web/locale).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Final

from dsl.texts import (
    DEFAULT_LANGUAGE,
    N_,
    Text,
    described,
    did_you_mean,
    restored_text,
    say,
    stored_text,
    text,
)
from forms.field_types import FieldType
from forms.fields import LANGUAGES, Field

__all__ = [
    "DEFAULT_LANGUAGE",
    "N_",
    "Text",
    "described",
    "did_you_mean",
    "expected",
    "label_of",
    "options_text",
    "restored_text",
    "say",
    "stored_text",
    "text",
    "text_problem_of",
]


def label_of(field: Field) -> Mapping[str, str]:
    """The field's label in every language (`Field.title`: else English, else its id in words)."""
    return MappingProxyType({language: field.title(language) for language in LANGUAGES})


def expected(field_type: FieldType) -> Text:
    """What a value of `field_type` must be, in words (`TypeSpec.expected`, marked N_ there)."""
    return text(field_type.spec.expected)


def options_text(options: Sequence[str]) -> Text:
    """The first twelve options, then how many more there are."""
    shown = ", ".join(options[:12])
    if len(options) <= 12:
        return text("%(options)s", options=shown)
    return text(N_("%(options)s (and %(more)d more)"), options=shown, more=len(options) - 12)


# every character `text_problem_of` may refuse (tab and line breaks too): text without any is
# fit to store, found in one scan
_SUSPECT: Final = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def text_problem_of(value: str, *, allow_breaks: bool = False) -> Text | None:
    """What makes `value` unfit to store (forms.validation.text_problem), or None."""
    if _SUSPECT.search(value) is None:
        return None
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
