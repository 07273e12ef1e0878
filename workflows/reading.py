"""Helpers for reading a positioned YAML definition: key checks, type words, close-name suggestions.

Pure. Each helper appends positioned diagnostics to a list and returns what could be read, so the
loader collects every problem of a file at once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from dsl import Diagnostic, Span, YamlList, YamlMap
from dsl.diagnostics import error
from dsl.spelling import describe, did_you_mean, suggest


def is_identifier(value: Any) -> bool:
    """Letters (any script), digits and `_`, not starting with a digit."""
    return isinstance(value, str) and value.isidentifier()


def check_keys(
    mapping: YamlMap,
    *,
    allowed: Collection[str],
    later: Collection[str] = (),
    where: str,
    diagnostics: list[Diagnostic],
) -> None:
    """Report each key of `mapping` not `allowed`; keys a later version reads are told apart."""
    for key in mapping:
        if key in allowed:
            continue
        span = mapping.key_span(key)
        if key in later:
            diagnostics.append(
                error(
                    "not-supported-yet",
                    f"'{key}' {where} is not supported yet",
                    span,
                    hint="this version of riskdesk does not read it; remove it for now",
                )
            )
            continue
        name = str(key)
        diagnostics.append(
            error(
                "unknown-key",
                f"unknown key '{name}' {where}{did_you_mean(name, allowed)}",
                span,
                hint=None if suggest(name, allowed) else "expected one of: " + ", ".join(allowed),
            )
        )


def expect_map(
    value: Any, span: Span, *, what: str, diagnostics: list[Diagnostic], hint: str | None = None
) -> YamlMap | None:
    """`value` when it is a mapping, else None with a `wrong-type` error at `span`."""
    if isinstance(value, YamlMap):
        return value
    diagnostics.append(
        error("wrong-type", f"expected {what}, found {describe(value)}", span, hint=hint)
    )
    return None


def expect_list(
    value: Any, span: Span, *, what: str, diagnostics: list[Diagnostic]
) -> YamlList | None:
    """`value` when it is a list, else None with a `wrong-type` error at `span`."""
    if isinstance(value, YamlList):
        return value
    diagnostics.append(error("wrong-type", f"expected {what}, found {describe(value)}", span))
    return None


def expect_text(
    mapping: YamlMap, key: str, *, what: str, diagnostics: list[Diagnostic]
) -> str | None:
    """`mapping[key]` when it is non-blank text, else None with a `wrong-type` error."""
    value = mapping[key]
    if isinstance(value, str) and value.strip():
        return value
    diagnostics.append(
        error("wrong-type", f"expected {what}, found {describe(value)}", mapping.value_span(key))
    )
    return None


def require(
    mapping: YamlMap, keys: Iterable[str], *, where: str, span: Span, diagnostics: list[Diagnostic]
) -> bool:
    """True when every key is present; else a `missing-key` error per absent key at `span`."""
    present = True
    for key in keys:
        if key not in mapping:
            diagnostics.append(error("missing-key", f"missing '{key}' {where}", span))
            present = False
    return present


def expect_identifier(
    mapping: YamlMap, key: str, *, what: str, diagnostics: list[Diagnostic]
) -> str | None:
    """`mapping[key]` when it is a name (`is_identifier`), else None with a `bad-id` error."""
    value = mapping[key]
    if is_identifier(value):
        return str(value)
    diagnostics.append(
        error(
            "bad-id",
            f"{what} must be a name of letters, digits and '_' not starting with a digit, "
            f"found {describe(value)}",
            mapping.value_span(key),
        )
    )
    return None
