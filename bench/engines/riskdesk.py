"""riskdesk: `bench/scorecard.rules` compiled once against the customer form, then `evaluate`d.

The engine publishes a ruleset only against its form (rules-language §5), so the form's field
types are given here as a `Schema`; `riskdesk_no_form` times the same file compiled without one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any, Final

from bench.portfolio import INDUSTRIES
from bench.scorecard import FIELDS, Outcome

NAME = "riskdesk"
DESCRIPTION = "riskdesk, ruleset compiled against the customer form, `evaluate`"
DISTRIBUTION = None

RULES_FILE: Final = Path(__file__).resolve().parent.parent / "scorecard.rules"
# The scorecard reads no dates; a fixed evaluation date keeps runs reproducible.
AS_OF: Final = date(2026, 11, 28)

_evaluate: Callable[..., Any] | None = None


def customer_schema() -> Any:
    """The scorecard customer's form as the dsl sees it: each field's type, choices' options."""
    from dsl import FieldInfo, ValueType

    choices = {
        "industry": tuple(str(name) for name, _ in INDUSTRIES),
        "currency": ("CNY", "USD", "EUR", "HKD", "JPY"),
    }
    text = {"id", "country"}
    boolean = {"is_cross_border", "has_guarantee"}
    schema = {}
    for name in FIELDS:
        if name in choices:
            schema[name] = FieldInfo(ValueType.TEXT, options=choices[name])
        elif name in text:
            schema[name] = FieldInfo(ValueType.TEXT)
        elif name in boolean:
            schema[name] = FieldInfo(ValueType.BOOLEAN)
        else:
            schema[name] = FieldInfo(ValueType.NUMBER)
    return schema


def compile_scorecard(*, with_form: bool = True) -> Any:
    """The compiled reference scorecard; raises the dsl's error if it does not compile."""
    import dsl

    source = RULES_FILE.read_text(encoding="utf-8")
    schema = customer_schema() if with_form else None
    return dsl.compile_ruleset(source, filename=RULES_FILE.name, schema=schema)


def prepare() -> None:
    """Compile the scorecard once."""
    global _evaluate
    _evaluate = compile_scorecard().evaluate


def score(record: Mapping[str, Any]) -> Outcome:
    """(score, tier, fired) for one customer, read off riskdesk's `Result`."""
    assert _evaluate is not None, "call prepare() first"
    result = _evaluate(record, as_of=AS_OF)
    return result.score, result.tier, result.fired_ids


def score_all(records: Iterable[Mapping[str, Any]]) -> Outcome | None:
    """The timed loop: each customer scored and its outcome read; the last outcome."""
    assert _evaluate is not None, "call prepare() first"
    return loop(_evaluate, records)


def loop(evaluate: Callable[..., Any], records: Iterable[Mapping[str, Any]]) -> Outcome | None:
    """What a caller scoring a portfolio writes: `evaluate` each record, read the outcome."""
    outcome = None
    for record in records:
        result = evaluate(record, as_of=AS_OF)
        outcome = result.score, result.tier, result.fired_ids
    return outcome
