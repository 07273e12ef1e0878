"""A generated ruleset of any size, for timing riskdesk's compiler (`python -m bench` compiles 500).

The rules cycle through templates that use what the first cut of the language offers (let,
arithmetic, comparisons, `between`, `in`/`not in`, `and`/`or`/`not`, `if`, `is present`, `%`),
with thresholds and points varying by rule number, so the text is deterministic and every rule
differs from the others.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

_TEMPLATES: Final[tuple[Callable[[int], str], ...]] = (
    lambda k: f"max_overdue_days > {30 + k % 90}",
    lambda k: f"max_overdue_days between {k % 60} and {60 + k % 90}",
    lambda k: f"overdue_invoice_count >= {k % 10} and lawsuit_count_12m > 0",
    lambda k: f"avg_days_to_pay - payment_terms_days > {k % 60}",
    lambda k: f"utilisation > {50 + k % 50}%",
    lambda k: f'industry in ["construction", "internet"] and years_in_business < {k % 10}',
    lambda k: f'currency not in ["CNY", "HKD"] and is_cross_border and credit_limit > {k * 1_000}',
    lambda k: f"order_volume_change_pct < -{k % 60} or contact_frequency_change_pct <= -{k % 70}",
    lambda k: f"negative_news_30d >= {k % 5} and not has_guarantee",
    lambda k: f"registered_capital >= {1 + k % 90}_000_000 and years_in_business >= {k % 20}",
    lambda k: f"enforcement_records is present and enforcement_records > {k % 3}",
    lambda k: f"(max_overdue_days + overdue_invoice_count * 3) / 2 > {k % 50}",
    lambda k: f"(if has_guarantee then 0 else exposure) > {k * 10_000}",
    lambda k: f'equity_changes_12m >= {k % 4} and industry != "energy"',
    lambda k: f"not (years_in_business >= {k % 15}) or lawsuit_count_12m >= {k % 6}",
    lambda k: f"-order_volume_change_pct * 2 + negative_news_30d * {k % 7} >= {k % 100}",
)


def ruleset_source(n_rules: int) -> str:
    """The text of a ruleset with `n_rules` generated rules, two lets and the scorecard's tiers."""
    lines = [
        f'ruleset generated_{n_rules} "Generated ruleset with {n_rules} rules"',
        "",
        "let utilisation = if credit_limit > 0 then outstanding_balance / credit_limit else 0",
        "let exposure = outstanding_balance - (if has_guarantee then credit_limit * 50% else 0)",
        "",
    ]
    for k in range(n_rules):
        condition = _TEMPLATES[k % len(_TEMPLATES)](k)
        effect = f"subtract {1 + k % 5}" if k % 7 == 3 else f"add {1 + k % 20}"
        lines += [
            f'rule G{k:04d} "generated rule {k}"',
            f"  when {condition}",
            f"  then {effect}",
            "",
        ]
    lines += [
        "tiers",
        "  high when score >= 60",
        "  medium when score >= 30",
        "  low otherwise",
        "",
    ]
    return "\n".join(lines)
