"""The reference scorecard's rule ids, points and tiers (SCORECARD.md), shared by the engines.

The peer engines evaluate the 16 conditions in their own language and return 16 booleans; turning
those into `(score, tier, fired)` is the same small step for each of them, done here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

Outcome = tuple[int, str, tuple[str, ...]]

# (id, name, points) in R01..R16 order: `fired` lists ids in this order.
RULES: Final = (
    ("R01", "severe_overdue", 30),
    ("R02", "moderate_overdue", 15),
    ("R03", "many_overdue_invoices", 10),
    ("R04", "pays_late_vs_terms", 10),
    ("R05", "lawsuits", 20),
    ("R06", "court_enforcement", 25),
    ("R07", "high_utilisation", 15),
    ("R08", "volatile_industry", 5),
    ("R09", "cross_border_fx", 5),
    ("R10", "young_company", 10),
    ("R11", "order_drop", 10),
    ("R12", "contact_drop", 5),
    ("R13", "negative_news", 10),
    ("R14", "equity_churn", 5),
    ("R15", "guarantee", -10),
    ("R16", "large_capital", -5),
)
IDS_AND_POINTS: Final = tuple((rule_id, points) for rule_id, _, points in RULES)
FIELDS: Final = (
    "id",
    "industry",
    "country",
    "is_cross_border",
    "currency",
    "registered_capital",
    "years_in_business",
    "credit_limit",
    "outstanding_balance",
    "max_overdue_days",
    "overdue_invoice_count",
    "avg_days_to_pay",
    "lawsuit_count_12m",
    "enforcement_records",
    "negative_news_30d",
    "equity_changes_12m",
    "order_volume_change_pct",
    "contact_frequency_change_pct",
    "has_guarantee",
    "payment_terms_days",
)


def tier_of(score: int) -> str:
    """The tier of a score: high from 60, medium from 30, low below."""
    return "high" if score >= 60 else "medium" if score >= 30 else "low"


def outcome(conditions: Iterable[object]) -> Outcome:
    """`(score, tier, fired)` from the truth of the 16 conditions, in R01..R16 order."""
    score = 0
    fired = []
    for (rule_id, points), holds in zip(IDS_AND_POINTS, conditions, strict=True):
        if holds:
            score += points
            fired.append(rule_id)
    return score, tier_of(score), tuple(fired)
