"""riskdesk: `bench/scorecard.rules` compiled without a form (names read as they come)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from bench.engines.riskdesk import AS_OF, compile_scorecard, loop
from bench.scorecard import Outcome

NAME = "riskdesk, no form"
DESCRIPTION = "riskdesk, ruleset compiled without a form (untyped names), `evaluate`"
DISTRIBUTION = None

_evaluate: Callable[..., Any] | None = None


def prepare() -> None:
    """Compile the scorecard once, without a schema."""
    global _evaluate
    _evaluate = compile_scorecard(with_form=False).evaluate


def score(record: Mapping[str, Any]) -> Outcome:
    """(score, tier, fired) for one customer, read off riskdesk's `Result`."""
    assert _evaluate is not None, "call prepare() first"
    result = _evaluate(record, as_of=AS_OF)
    return result.score, result.tier, result.fired_ids


def score_all(records: Iterable[Mapping[str, Any]]) -> Outcome | None:
    """The timed loop (`bench.engines.riskdesk.loop`); the last outcome."""
    assert _evaluate is not None, "call prepare() first"
    return loop(_evaluate, records)
