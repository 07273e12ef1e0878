"""Hand-made customers for every edge semantic of SCORECARD.md, with the outcome each must give.

`python -m bench` checks every engine on these as well as on the generated portfolio, and the CI
tests (tests/bench/) run them through plain Python and riskdesk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bench.portfolio import Record
from bench.scorecard import Outcome

# A domestic customer on whom no rule fires.
QUIET: Final[Record] = {
    "id": "C9000000",
    "industry": "manufacturing",
    "country": "CN",
    "is_cross_border": False,
    "currency": "CNY",
    "registered_capital": 10_000_000,
    "years_in_business": 10.0,
    "credit_limit": 1_000_000,
    "outstanding_balance": 0,
    "max_overdue_days": 0,
    "overdue_invoice_count": 0,
    "avg_days_to_pay": 30.0,
    "lawsuit_count_12m": 0,
    "enforcement_records": 0,
    "negative_news_30d": 0,
    "equity_changes_12m": 0,
    "order_volume_change_pct": 0.0,
    "contact_frequency_change_pct": 0.0,
    "has_guarantee": False,
    "payment_terms_days": 30,
}


@dataclass(frozen=True, slots=True)
class EdgeCase:
    """A quiet customer with `changes` applied, and the outcome the scorecard gives."""

    name: str
    changes: Record
    expected: Outcome

    @property
    def record(self) -> Record:
        return {**QUIET, **self.changes}


_NONE: Final[Outcome] = (0, "low", ())

EXAMPLE: Final = EdgeCase(
    "SCORECARD example: 45 days overdue, 6 overdue invoices, construction",
    {"max_overdue_days": 45, "overdue_invoice_count": 6, "industry": "construction"},
    (30, "medium", ("R02", "R03", "R08")),
)

EDGE_CASES: Final = (
    EXAMPLE,
    EdgeCase("quiet customer", {}, _NONE),
    # R07 is guarded: a prepaid customer never fires it and never divides by zero.
    EdgeCase("prepaid with a balance", {"credit_limit": 0, "outstanding_balance": 500_000}, _NONE),
    EdgeCase("prepaid, nothing owed", {"credit_limit": 0, "outstanding_balance": 0}, _NONE),
    EdgeCase("utilisation exactly 0.9", {"outstanding_balance": 900_000}, _NONE),
    EdgeCase(
        "utilisation 0.9000005",
        {"credit_limit": 2_000_000, "outstanding_balance": 1_800_001},
        (15, "low", ("R07",)),
    ),
    EdgeCase("over the limit", {"outstanding_balance": 1_200_000}, (15, "low", ("R07",))),
    # Overdue days: 30 fires nothing, 31 and 90 fire R02, 91 fires R01.
    EdgeCase("30 days overdue", {"max_overdue_days": 30}, _NONE),
    EdgeCase("31 days overdue", {"max_overdue_days": 31}, (15, "low", ("R02",))),
    EdgeCase("90 days overdue", {"max_overdue_days": 90}, (15, "low", ("R02",))),
    EdgeCase("91 days overdue", {"max_overdue_days": 91}, (30, "medium", ("R01",))),
    EdgeCase("4 overdue invoices", {"overdue_invoice_count": 4}, _NONE),
    EdgeCase("5 overdue invoices", {"overdue_invoice_count": 5}, (10, "low", ("R03",))),
    # R04: paying exactly 30 days later than terms does not fire.
    EdgeCase("pays exactly 30 days late", {"avg_days_to_pay": 60.0}, _NONE),
    EdgeCase(
        "pays exactly 30 days late on 90-day terms",
        {"avg_days_to_pay": 120.0, "payment_terms_days": 90},
        _NONE,
    ),
    EdgeCase("pays 30.1 days late", {"avg_days_to_pay": 60.1}, (10, "low", ("R04",))),
    EdgeCase(
        "pays 30.1 days late on 45-day terms",
        {"avg_days_to_pay": 75.1, "payment_terms_days": 45},
        (10, "low", ("R04",)),
    ),
    EdgeCase("2 lawsuits", {"lawsuit_count_12m": 2}, _NONE),
    EdgeCase("3 lawsuits", {"lawsuit_count_12m": 3}, (20, "low", ("R05",))),
    EdgeCase("1 enforcement record", {"enforcement_records": 1}, (25, "low", ("R06",))),
    EdgeCase("construction", {"industry": "construction"}, (5, "low", ("R08",))),
    EdgeCase("internet", {"industry": "internet"}, (5, "low", ("R08",))),
    EdgeCase("trade", {"industry": "trade"}, _NONE),
    # R09 needs both a foreign customer and a foreign currency.
    EdgeCase(
        "cross-border in USD",
        {"country": "US", "is_cross_border": True, "currency": "USD"},
        (5, "low", ("R09",)),
    ),
    EdgeCase(
        "cross-border settling in CNY",
        {"country": "HK", "is_cross_border": True, "currency": "CNY"},
        _NONE,
    ),
    EdgeCase("domestic settling in USD", {"currency": "USD"}, _NONE),
    EdgeCase("2.0 years in business", {"years_in_business": 2.0}, _NONE),
    EdgeCase("1.9 years in business", {"years_in_business": 1.9}, (10, "low", ("R10",))),
    EdgeCase("orders down exactly 40%", {"order_volume_change_pct": -40.0}, _NONE),
    EdgeCase("orders down 40.1%", {"order_volume_change_pct": -40.1}, (10, "low", ("R11",))),
    EdgeCase(
        "contacts down exactly 50%", {"contact_frequency_change_pct": -50.0}, (5, "low", ("R12",))
    ),
    EdgeCase("contacts down 49.9%", {"contact_frequency_change_pct": -49.9}, _NONE),
    EdgeCase("2 negative news items", {"negative_news_30d": 2}, (10, "low", ("R13",))),
    EdgeCase("1 negative news item", {"negative_news_30d": 1}, _NONE),
    EdgeCase("2 equity changes", {"equity_changes_12m": 2}, (5, "low", ("R14",))),
    EdgeCase("guarantee", {"has_guarantee": True}, (-10, "low", ("R15",))),
    EdgeCase(
        "capital exactly 50 million", {"registered_capital": 50_000_000}, (-5, "low", ("R16",))
    ),
    EdgeCase("capital just under 50 million", {"registered_capital": 49_990_000}, _NONE),
    EdgeCase(
        "lowest score",
        {"has_guarantee": True, "registered_capital": 100_000_000},
        (-15, "low", ("R15", "R16")),
    ),
    # Tier boundaries: 60 is high, 55 medium, 30 medium (the example), 25 low.
    EdgeCase(
        "score exactly 60",
        {"max_overdue_days": 120, "enforcement_records": 2, "industry": "internet"},
        (60, "high", ("R01", "R06", "R08")),
    ),
    EdgeCase(
        "score 55",
        {"max_overdue_days": 120, "enforcement_records": 2},
        (55, "medium", ("R01", "R06")),
    ),
    EdgeCase(
        "highest score",
        {
            "max_overdue_days": 200,
            "overdue_invoice_count": 12,
            "avg_days_to_pay": 100.0,
            "lawsuit_count_12m": 5,
            "enforcement_records": 3,
            "outstanding_balance": 1_500_000,
            "industry": "construction",
            "country": "DE",
            "is_cross_border": True,
            "currency": "EUR",
            "years_in_business": 0.5,
            "order_volume_change_pct": -80.0,
            "contact_frequency_change_pct": -90.0,
            "negative_news_30d": 4,
            "equity_changes_12m": 3,
        },
        (
            160,
            "high",
            (
                "R01",
                "R03",
                "R04",
                "R05",
                "R06",
                "R07",
                "R08",
                "R09",
                "R10",
                "R11",
                "R12",
                "R13",
                "R14",
            ),
        ),
    ),
)
