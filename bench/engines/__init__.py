"""The engines timed on the reference scorecard, one module each.

Each module exposes `NAME` (short), `DESCRIPTION` (how the engine is used), `DISTRIBUTION` (the
package timed, or None for our own code), `prepare()` (compile once; a peer engine is imported
here, so a missing one raises `ModuleNotFoundError`) and `score(record) -> (score, tier, fired)`,
which the agreement check calls.

An engine may also expose `score_all(records) -> the last outcome`: the loop its caller writes to
score a portfolio, which is what is timed (`score_loop`). Without it the timed loop calls `score`
for each record: right for plain Python, whose `score` is the hand-written function itself, and
for the peer engines, whose `score` converts the engine's answer as their caller must (one more
Python call, under 1% of their time). riskdesk's `score_all` calls `evaluate` and reads the
`Result` inline, as a caller does, instead of through `score`, which would add a Python call per
record that no caller makes (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from importlib import import_module
from types import ModuleType
from typing import Any, Final

# In table order; the first is the baseline every other engine is checked and timed against.
ENGINE_MODULES: Final = (
    "plain",
    "riskdesk",
    "riskdesk_no_form",
    "zen_expression",
    "zen_decision_table",
    "rule_engine_one_rule",
    "cel_compiled",
)


def load(key: str) -> ModuleType:
    """The engine module `key` (one of `ENGINE_MODULES`); importing it imports no peer engine."""
    if key not in ENGINE_MODULES:
        raise KeyError(f"unknown engine {key!r}; expected one of {', '.join(ENGINE_MODULES)}")
    return import_module(f"bench.engines.{key}")


def score_loop(engine: ModuleType) -> Callable[[Iterable[Any]], object]:
    """The engine's timed loop: its `score_all`, or a loop calling its `score`."""
    own: Callable[[Iterable[Any]], object] | None = getattr(engine, "score_all", None)
    return own if own is not None else adapter_loop(engine)


def adapter_loop(engine: ModuleType) -> Callable[[Iterable[Any]], object]:
    """A loop calling the engine's `score` for each record; returns the last outcome."""
    score = engine.score

    def score_all(records: Iterable[Any]) -> object:
        outcome = None
        for record in records:
            outcome = score(record)
        return outcome

    return score_all
