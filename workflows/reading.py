"""Helpers for reading a positioned YAML definition: key checks, type words, close-name suggestions.

Pure. Each helper appends positioned diagnostics to a list and returns what could be read, so the
loader collects every problem of a file at once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from dsl import Diagnostic, Span, YamlList, YamlMap
from dsl.diagnostics import error
from dsl.spelling import suggest
from dsl.texts import N_, Text, described, did_you_mean, text
from workflows.durations import DURATION_FORMS, parse_duration
from workflows.model import Duration

# the languages labels are written in
LANGUAGES = ("en", "zh")


def is_identifier(value: Any) -> bool:
    """Letters (any script), digits and `_`, not starting with a digit."""
    return isinstance(value, str) and value.isidentifier()


def check_keys(
    mapping: YamlMap,
    *,
    allowed: Collection[str],
    where: Text,
    diagnostics: list[Diagnostic],
) -> None:
    """Report each key of `mapping` not `allowed` as `unknown-key`, suggesting a close one."""
    for key in mapping:
        if key in allowed:
            continue
        name = str(key)
        diagnostics.append(
            error(
                "unknown-key",
                text(
                    N_("unknown key '%(name)s' %(where)s%(did_you_mean)s"),
                    name=name,
                    where=where,
                    did_you_mean=did_you_mean(name, allowed),
                ),
                mapping.key_span(key),
                hint=None if suggest(name, allowed) else expected_one_of(allowed),
            )
        )


def expect_map(
    value: Any, span: Span, *, what: Text, diagnostics: list[Diagnostic], hint: Text | None = None
) -> YamlMap | None:
    """`value` when it is a mapping, else None with a `wrong-type` error at `span`."""
    if isinstance(value, YamlMap):
        return value
    diagnostics.append(error("wrong-type", expected_found(what, value), span, hint=hint))
    return None


def expect_list(
    value: Any, span: Span, *, what: Text, diagnostics: list[Diagnostic]
) -> YamlList | None:
    """`value` when it is a list, else None with a `wrong-type` error at `span`."""
    if isinstance(value, YamlList):
        return value
    diagnostics.append(error("wrong-type", expected_found(what, value), span))
    return None


def expect_text(
    mapping: YamlMap, key: str, *, what: Text, diagnostics: list[Diagnostic]
) -> str | None:
    """`mapping[key]` when it is non-blank text, else None with a `wrong-type` error."""
    value = mapping[key]
    if isinstance(value, str) and value.strip():
        return value
    diagnostics.append(error("wrong-type", expected_found(what, value), mapping.value_span(key)))
    return None


def require(
    mapping: YamlMap, keys: Iterable[str], *, where: Text, span: Span, diagnostics: list[Diagnostic]
) -> bool:
    """True when every key is present; else a `missing-key` error per absent key at `span`."""
    present = True
    for key in keys:
        if key not in mapping:
            diagnostics.append(
                error(
                    "missing-key",
                    text(N_("missing '%(key)s' %(where)s"), key=key, where=where),
                    span,
                )
            )
            present = False
    return present


def expect_identifier(
    mapping: YamlMap, key: str, *, what: Text, diagnostics: list[Diagnostic]
) -> str | None:
    """`mapping[key]` when it is a name (`is_identifier`), else None with a `bad-id` error."""
    value = mapping[key]
    if is_identifier(value):
        return str(value)
    diagnostics.append(
        error(
            "bad-id",
            text(
                N_(
                    "%(what)s must be a name of letters, digits and '_' not starting with a "
                    "digit, found %(found)s"
                ),
                what=what,
                found=described(value),
            ),
            mapping.value_span(key),
        )
    )
    return None


def expected_found(what: Text, value: Any) -> Text:
    """`expected <what>, found <value in words>`."""
    return text(N_("expected %(what)s, found %(found)s"), what=what, found=described(value))


def expected_one_of(allowed: Iterable[str]) -> Text:
    """`expected one of: a, b, c`, the names as they are."""
    return text(N_("expected one of: %(names)s"), names=", ".join(allowed))


def read_duration(mapping: YamlMap, key: str, *, diagnostics: list[Diagnostic]) -> Duration | None:
    """`mapping[key]` as a duration (`24h`, `5bd`), else None with a `bad-duration` error."""
    value = mapping[key]
    duration = parse_duration(value)
    if duration is None:
        diagnostics.append(
            error(
                "bad-duration",
                text(
                    N_("'%(key)s' must be a duration, found %(found)s"),
                    key=key,
                    found=described(value),
                ),
                mapping.value_span(key),
                hint=text(N_("write %(forms)s"), forms=text(DURATION_FORMS)),
            )
        )
    return duration


def read_flag(
    mapping: YamlMap, key: str, *, where: Text, diagnostics: list[Diagnostic]
) -> bool | None:
    """`mapping[key]` when it is true or false, else None with a `wrong-type` error."""
    flag = mapping[key]
    if isinstance(flag, bool):
        return flag
    diagnostics.append(
        error(
            "wrong-type",
            text(
                N_("'%(key)s' %(where)s must be true or false, found %(found)s"),
                key=key,
                where=where,
                found=described(flag),
            ),
            mapping.value_span(key),
        )
    )
    return None


def read_label(
    mapping: YamlMap, key: str, *, default: str | None, diagnostics: list[Diagnostic]
) -> dict[str, str]:
    """The label at `key`: one text for every language, or a mapping of language to text;
    `default` in every language where it cannot be read."""
    value = mapping[key]
    if isinstance(value, str) and value.strip():
        return dict.fromkeys(LANGUAGES, value)  # one text for every language
    texts = expect_map(
        value,
        mapping.value_span(key),
        what=text(N_("a label: text, or a mapping of language (en, zh) to text")),
        diagnostics=diagnostics,
    )
    if texts is None:
        return dict.fromkeys(LANGUAGES, default or "")
    result: dict[str, str] = {}
    for language, written in texts.items():
        if language not in LANGUAGES:
            diagnostics.append(
                error(
                    "unknown-language",
                    text(
                        N_("unknown language '%(language)s' in a label%(did_you_mean)s"),
                        language=language,
                        did_you_mean=did_you_mean(str(language), LANGUAGES),
                    ),
                    texts.key_span(language),
                    text(
                        N_("labels are written in: %(languages)s"), languages=", ".join(LANGUAGES)
                    ),
                )
            )
        elif expect_text(
            texts, language, what=text(N_("the label's text")), diagnostics=diagnostics
        ):
            result[language] = written
    if not texts:
        diagnostics.append(
            error("wrong-type", text(N_("a label needs at least one language")), texts.span)
        )
    return result or dict.fromkeys(LANGUAGES, default or "")
