"""Sentences as message ids and params, so each can be said in any language.

Pure. A `Text` is an English message id with `%(name)s` placeholders and the values that fill them;
`english()` is the sentence as riskdesk has always written it. The web layer says the same `Text` in
a request's language (`say` with its catalogs' gettext). A param is a plain value (shown as is,
never translated), a nested `Text` (a piece whose words depend on the language: "the text 'x'"),
or a mapping of language → text (a field's label).

`N_` only marks a message id for extraction (babel.cfg, keyword N_); the catalogs are web's
(web/locale). forms.messages builds on this module; the definition readers of forms, workflows and
engine word their diagnostics with it (dsl.diagnostics.error takes a `Text`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from dsl.spelling import number_text, suggest

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


def stored_text(message: Text) -> dict[str, Any]:
    """`message` as JSON, to keep and say later in a reader's language (`restored_text`): its
    message id and params, a nested text as {"text": ...}, a mapping of languages as
    {"labels": ...}, a plain value as it is (JSON-native)."""

    def param(value: Any) -> Any:
        if isinstance(value, Text):
            return {"text": stored_text(value)}
        if isinstance(value, Mapping):
            return {"labels": dict(value)}
        return value

    return {"id": message.id, "params": {name: param(v) for name, v in message.params.items()}}


def restored_text(stored: Mapping[str, Any]) -> Text:
    """The `Text` that `stored_text` kept as `stored`."""

    def param(value: Any) -> Any:
        if isinstance(value, Mapping) and "text" in value:
            return restored_text(value["text"])
        if isinstance(value, Mapping) and "labels" in value:
            return MappingProxyType(dict(value["labels"]))
        return value

    params = {name: param(v) for name, v in dict(stored.get("params") or {}).items()}
    return Text(str(stored.get("id", "")), MappingProxyType(params))


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


def joined(pieces: Iterable[Text], separator: str = ", ") -> Text:
    """Several texts one after another, `separator` between them (never translated)."""
    parts = {f"p{i}": piece for i, piece in enumerate(pieces)}
    return Text(separator.join(f"%({name})s" for name in parts), MappingProxyType(parts))


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
