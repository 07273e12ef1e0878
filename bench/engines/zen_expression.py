"""zen-engine 2.1.3, fastest honest use: one compiled expression returning the 16 conditions."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bench.scorecard import Outcome, outcome

NAME = "zen-engine expression"
DESCRIPTION = "zen-engine, one compiled expression returning the 16 conditions"
DISTRIBUTION = "zen-engine"

# ZEN expression language; `and` short-circuits, so R07 never divides by zero (it would give null).
EXPRESSION = """[
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

_evaluate: Callable[[Mapping[str, Any]], list[bool]] | None = None


def prepare() -> None:
    """Compile the expression once."""
    global _evaluate
    import zen

    _evaluate = zen.compile_expression(EXPRESSION).evaluate


def score(record: Mapping[str, Any]) -> Outcome:
    """(score, tier, fired) for one customer."""
    assert _evaluate is not None, "call prepare() first"
    return outcome(_evaluate(record))
