"""The engines timed on the reference scorecard, one module each.

Each module exposes `NAME` (short), `DESCRIPTION` (how the engine is used), `DISTRIBUTION` (the
package timed, or None for our own code), `prepare()` (compile once; a peer engine is imported
here, so a missing one raises `ModuleNotFoundError`) and `score(record) -> (score, tier, fired)`.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType
from typing import Final

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
