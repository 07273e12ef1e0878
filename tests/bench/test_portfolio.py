"""The benchmark's portfolio generator: deterministic, prefix-stable, shaped like SCORECARD.md."""

from __future__ import annotations

import pytest

from bench.engines import plain
from bench.portfolio import customer, on_threshold, portfolio
from bench.scorecard import FIELDS

N = 2_000


@pytest.fixture(scope="module")
def records() -> list[dict[str, object]]:
    return portfolio(N, seed=7)


def test_same_seed_gives_the_same_records(records: list[dict[str, object]]) -> None:
    assert portfolio(200, seed=7) == records[:200]


def test_first_k_of_n_records_equal_the_k_record_portfolio(
    records: list[dict[str, object]],
) -> None:
    assert portfolio(50, seed=7) == records[:50]
    assert customer(7, 1_234) == records[1_234]


def test_another_seed_gives_other_records() -> None:
    assert portfolio(20, seed=8) != portfolio(20, seed=7)


def test_records_have_the_scorecard_fields_and_types(records: list[dict[str, object]]) -> None:
    types = {
        "id": str,
        "industry": str,
        "country": str,
        "is_cross_border": bool,
        "currency": str,
        "registered_capital": int,
        "years_in_business": float,
        "credit_limit": int,
        "outstanding_balance": int,
        "max_overdue_days": int,
        "overdue_invoice_count": int,
        "avg_days_to_pay": float,
        "lawsuit_count_12m": int,
        "enforcement_records": int,
        "negative_news_30d": int,
        "equity_changes_12m": int,
        "order_volume_change_pct": float,
        "contact_frequency_change_pct": float,
        "has_guarantee": bool,
        "payment_terms_days": int,
    }
    assert tuple(types) == FIELDS
    for record in records:
        assert tuple(record) == FIELDS
        assert {name: type(value) for name, value in record.items()} == types
        assert record["is_cross_border"] == (record["country"] != "CN")
        assert record["payment_terms_days"] in (30, 45, 60, 90)
        for name in ("years_in_business", "avg_days_to_pay", "order_volume_change_pct"):
            assert record[name] == round(record[name], 1)  # type: ignore[call-overload]
    assert records[0]["id"] == "C0000000"
    assert records[1_999]["id"] == "C0001999"


def test_every_thresholded_field_sits_on_its_threshold_about_3_percent_of_the_time(
    records: list[dict[str, object]],
) -> None:
    hits: dict[str, int] = {}
    for record in records:
        for name in on_threshold(record):
            hits[name] = hits.get(name, 0) + 1
    assert len(hits) == 11
    assert all(0.015 <= count / N <= 0.05 for count in hits.values()), hits


def test_the_r07_corner_cases_occur(records: list[dict[str, object]]) -> None:
    prepaid_owing = [r for r in records if r["credit_limit"] == 0 and r["outstanding_balance"] > 0]  # type: ignore[operator]
    just_over = [
        r
        for r in records
        if r["credit_limit"] and r["outstanding_balance"] == r["credit_limit"] * 9 // 10 + 1  # type: ignore[operator]
    ]
    assert prepaid_owing
    assert just_over


def test_tier_mix_and_fired_count_are_near_the_scorecard_targets(
    records: list[dict[str, object]],
) -> None:
    outcomes = [plain.score(record) for record in records]
    share = {
        t: sum(1 for _, tier, _ in outcomes if tier == t) / N for t in ("low", "medium", "high")
    }
    fired_per_customer = sum(len(fired) for _, _, fired in outcomes) / N
    assert 0.70 <= share["low"] <= 0.78, share
    assert 0.12 <= share["medium"] <= 0.18, share
    assert 0.08 <= share["high"] <= 0.14, share
    assert 2.1 <= fired_per_customer <= 2.45
