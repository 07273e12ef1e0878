"""Helpers shared by the rules-language tests."""

from __future__ import annotations

import dataclasses
import os
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

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


def tree_shape(node: Any) -> Any:
    """A syntax tree as nested tuples without its spans: two texts that parse to equal shapes
    have the same meaning, however they are laid out."""
    if isinstance(node, dsl.Span):
        return None
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        values = (tree_shape(getattr(node, f.name)) for f in dataclasses.fields(node))
        return (type(node).__name__, *values)
    if isinstance(node, (tuple, list)):
        return tuple(tree_shape(item) for item in node)
    return node


# ---- hypothesis profiles: short in CI, long under `make fuzz` ---------------------------------
#
# `ci` (the default) keeps `make test` quick; `fuzz` is loaded when the run selects the fuzz tests
# (`pytest -m fuzz`, as `make fuzz` does). `HYPOTHESIS_PROFILE=fuzz` (or `ci`) forces one.
settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "fuzz",
    max_examples=2_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("ci")


def pytest_configure(config: pytest.Config) -> None:
    markers = str(config.getoption("markexpr", "") or "")
    chosen = os.environ.get("HYPOTHESIS_PROFILE")
    if chosen is None:
        chosen = "fuzz" if "fuzz" in markers and "not fuzz" not in markers else "ci"
    settings.load_profile(chosen)
