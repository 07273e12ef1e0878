"""Helpers shared by the rules-language tests."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

import dsl

AS_OF = date(2025, 6, 30)


def rendered(source: str, *, schema: dsl.Schema | None = None, filename: str = "r.rules") -> str:
    """Every diagnostic of `source`, rendered as a user reads it."""
    return "\n".join(
        dsl.render(d, source) for d in dsl.check_ruleset(source, filename=filename, schema=schema)
    )


def evaluate(source: str, record: dict[str, Any], **kwargs: Any) -> dsl.Result:
    return dsl.compile_ruleset(source, filename="r.rules", **kwargs).evaluate(record, as_of=AS_OF)


def ruleset(*lines: str, tiers: str = "tiers\n  low otherwise") -> str:
    return "\n".join(["ruleset test", *lines, tiers, ""])


@pytest.fixture
def as_of() -> date:
    return AS_OF


def messages_of(source: str, schema: dsl.Schema | None = None) -> list[str]:
    """`severity: message` of every diagnostic, in order."""
    return [
        f"{d.severity}: {d.message}"
        for d in dsl.check_ruleset(source, filename="r.rules", schema=schema)
    ]
