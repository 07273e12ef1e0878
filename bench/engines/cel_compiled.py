"""cel-python 0.5.0, fastest honest use: one CEL list expression run by the `CompiledRunner`.

CEL does not mix int and double in arithmetic or comparisons, and `int / int` is integer
division, so the conditions convert with `double()` and compare doubles with double literals; the
record's values are converted to CEL types with `json_to_cel` on each call (part of the work).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bench.scorecard import Outcome, outcome

NAME = "cel-python"
DESCRIPTION = "cel-python, compiled runner"
DISTRIBUTION = "cel-python"

# `&&` short-circuits (and absorbs errors), so R07 never divides by zero.
EXPRESSION = """[
  max_overdue_days > 90,
  max_overdue_days > 30 && max_overdue_days <= 90,
  overdue_invoice_count >= 5,
  avg_days_to_pay - double(payment_terms_days) > 30.0,
  lawsuit_count_12m >= 3,
  enforcement_records > 0,
  credit_limit > 0 && double(outstanding_balance) / double(credit_limit) > 0.9,
  industry in ['construction', 'internet'],
  is_cross_border && currency != 'CNY',
  years_in_business < 2.0,
  order_volume_change_pct < -40.0,
  contact_frequency_change_pct <= -50.0,
  negative_news_30d >= 2,
  equity_changes_12m >= 2,
  has_guarantee,
  registered_capital >= 50000000
]"""

_evaluate: Callable[[Mapping[str, Any]], Any] | None = None
_to_cel: Callable[[Any], Any] | None = None


def prepare() -> None:
    """Compile the expression once, for the compiled runner."""
    global _evaluate, _to_cel
    import celpy

    environment = celpy.Environment(runner_class=celpy.CompiledRunner)
    _evaluate = environment.program(environment.compile(EXPRESSION)).evaluate
    _to_cel = celpy.json_to_cel


def score(record: Mapping[str, Any]) -> Outcome:
    """(score, tier, fired) for one customer."""
    assert _evaluate is not None and _to_cel is not None, "call prepare() first"
    to_cel = _to_cel
    return outcome(_evaluate({name: to_cel(value) for name, value in record.items()}))
