"""rule-engine 5.1.0, fastest honest use: one rule whose value is the 16 conditions.

The default (untyped) context is used: declaring the field types makes evaluation slower, not
faster. rule-engine computes in `decimal.Decimal`; the inputs have one decimal on purpose so that
gives the same truth as binary floats.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bench.scorecard import Outcome, outcome

NAME = "rule-engine"
DESCRIPTION = "rule-engine, one rule evaluating the 16 conditions"
DISTRIBUTION = "rule-engine"

# `and` short-circuits, so R07 never divides by zero (rule-engine would raise).
RULE = """[
  max_overdue_days > 90,
  max_overdue_days > 30 and max_overdue_days <= 90,
  overdue_invoice_count >= 5,
  avg_days_to_pay - payment_terms_days > 30,
  lawsuit_count_12m >= 3,
  enforcement_records > 0,
  credit_limit > 0 and outstanding_balance / credit_limit > 0.9,
  industry in ['construction', 'internet'],
  is_cross_border and currency != 'CNY',
  years_in_business < 2,
  order_volume_change_pct < -40,
  contact_frequency_change_pct <= -50,
  negative_news_30d >= 2,
  equity_changes_12m >= 2,
  has_guarantee,
  registered_capital >= 50000000
]"""

_evaluate: Callable[[Mapping[str, Any]], tuple[bool, ...]] | None = None


def prepare() -> None:
    """Parse the rule once."""
    global _evaluate
    import rule_engine

    _evaluate = rule_engine.Rule(RULE).evaluate


def score(record: Mapping[str, Any]) -> Outcome:
    """(score, tier, fired) for one customer."""
    assert _evaluate is not None, "call prepare() first"
    return outcome(_evaluate(record))
