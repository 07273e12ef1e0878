"""The baseline: the scorecard written by hand in plain Python, one `if` per rule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bench.scorecard import Outcome

NAME = "plain Python"
DESCRIPTION = "hand-written Python, one `if` per rule"
DISTRIBUTION = None


def prepare() -> None:
    """Nothing to compile: the rules are this module's source."""


def score(r: Mapping[str, Any]) -> Outcome:  # Any: JSON values, compared as the rules say
    """(score, tier, fired rule ids in R01..R16 order) for one customer, per SCORECARD.md."""
    s = 0
    fired: list[str] = []
    days = r["max_overdue_days"]
    if days > 90:
        s += 30
        fired.append("R01")
    if days > 30 and days <= 90:
        s += 15
        fired.append("R02")
    if r["overdue_invoice_count"] >= 5:
        s += 10
        fired.append("R03")
    if r["avg_days_to_pay"] - r["payment_terms_days"] > 30:
        s += 10
        fired.append("R04")
    if r["lawsuit_count_12m"] >= 3:
        s += 20
        fired.append("R05")
    if r["enforcement_records"] > 0:
        s += 25
        fired.append("R06")
    limit = r["credit_limit"]
    if limit > 0 and r["outstanding_balance"] / limit > 0.9:
        s += 15
        fired.append("R07")
    if r["industry"] in ("construction", "internet"):
        s += 5
        fired.append("R08")
    if r["is_cross_border"] and r["currency"] != "CNY":
        s += 5
        fired.append("R09")
    if r["years_in_business"] < 2:
        s += 10
        fired.append("R10")
    if r["order_volume_change_pct"] < -40:
        s += 10
        fired.append("R11")
    if r["contact_frequency_change_pct"] <= -50:
        s += 5
        fired.append("R12")
    if r["negative_news_30d"] >= 2:
        s += 10
        fired.append("R13")
    if r["equity_changes_12m"] >= 2:
        s += 5
        fired.append("R14")
    if r["has_guarantee"]:
        s -= 10
        fired.append("R15")
    if r["registered_capital"] >= 50_000_000:
        s -= 5
        fired.append("R16")
    # Inline rather than `tier_of()`: the baseline is the fastest honest Python.
    tier = "high" if s >= 60 else "medium" if s >= 30 else "low"
    return s, tier, tuple(fired)
