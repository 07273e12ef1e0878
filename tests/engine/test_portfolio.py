"""The synthetic portfolio: deterministic, prefix-stable, valid for the example form, shaped like
the reference scorecard's book under the example ruleset, with events that agree with each record.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import pytest

import forms
from engine.bundle import Bundle, load_bundle
from engine.portfolio import customer, generate_customers, generate_events, upsert_parts
from tests.conftest import EXAMPLE_TEMPLATE

AS_OF = date(2026, 11, 28)
MIX_SIZE = 5_000


@pytest.fixture(scope="module")
def example() -> Bundle:
    return load_bundle(EXAMPLE_TEMPLATE)


def test_a_seed_always_gives_the_same_portfolio() -> None:
    assert list(generate_customers(100, seed=3)) == list(generate_customers(100, seed=3))
    assert list(generate_customers(20, seed=3)) != list(generate_customers(20, seed=4))


def test_the_first_k_records_of_an_n_portfolio_are_the_k_portfolio() -> None:
    assert list(generate_customers(300))[:40] == list(generate_customers(40))
    assert customer(123, seed=7) == list(generate_customers(124, seed=7))[123]


def test_records_carry_identity_form_fields_and_initial_terms(example: Bundle) -> None:
    form = example.customer_form
    field_ids = [field.id for field in form.fields]
    refs = set()
    for record in generate_customers(500, seed=11):
        parts = upsert_parts(record)
        assert list(parts.data) == field_ids
        assert set(parts.terms) == {"credit_limit", "payment_terms_days"}
        assert forms.validate(form, parts.data) == (), parts.ref
        assert forms.validate_terms(parts.terms) == (), parts.ref
        assert parts.name == record["name"] and parts.department
        refs.add(parts.ref)
    assert len(refs) == 500


def test_departments_and_names_look_like_a_chinese_b2b_book() -> None:
    records = list(generate_customers(1_000))
    departments = Counter(r["department"] for r in records)
    assert set(departments) == {"East", "North", "South", "West", "International"}
    domestic = [r for r in records if not r["is_cross_border"]]
    assert all(r["name"].endswith("有限公司") and r["country"] == "CN" for r in domestic)
    assert len({r["name"] for r in records}) > 850


def test_the_example_ruleset_gives_roughly_the_scorecards_tier_mix(example: Bundle) -> None:
    ruleset = example.rulesets["credit"].value
    tiers: Counter[str] = Counter()
    fired = 0
    for record in generate_customers(MIX_SIZE, seed=7):
        result = ruleset.evaluate(record, as_of=AS_OF)
        tiers[result.tier] += 1
        fired += len(result.fired)
    share = {tier: count / MIX_SIZE for tier, count in tiers.items()}
    assert 0.71 <= share["low"] <= 0.77, share
    assert 0.12 <= share["medium"] <= 0.18, share
    assert 0.09 <= share["high"] <= 0.14, share
    assert 2.0 <= fired / MIX_SIZE <= 2.6


def test_some_values_sit_exactly_on_a_rule_threshold() -> None:
    records = list(generate_customers(2_000))
    on_threshold: Counter[str] = Counter()
    for record in records:
        on_threshold["days_90"] += record["max_overdue_days"] == 90
        on_threshold["days_30"] += record["max_overdue_days"] == 30
        on_threshold["years"] += record["years_in_business"] == 2.0
        on_threshold["orders"] += record["order_volume_change_pct"] == -40.0
        limit = record["credit_limit"]
        on_threshold["utilisation"] += limit > 0 and record["outstanding_balance"] * 10 == limit * 9
    assert all(count >= 10 for count in on_threshold.values()), on_threshold


def test_events_are_deterministic_ordered_and_never_after_as_of() -> None:
    for record in generate_customers(200, seed=5):
        events = generate_events(record, seed=5, as_of=AS_OF)
        assert events == generate_events(record, seed=5, as_of=AS_OF)
        times = [datetime.fromisoformat(e["occurred_at"]) for e in events]
        assert times == sorted(times)
        assert all(t.date() <= AS_OF and t.tzinfo is None for t in times)
        assert {e["kind"] for e in events} <= {"lawsuit", "overdue_invoice", "payment"}


def test_events_agree_with_the_record() -> None:
    checked = 0
    for record in generate_customers(400, seed=9):
        events = generate_events(record, seed=9, as_of=AS_OF)
        lawsuits = [e for e in events if e["kind"] == "lawsuit"]
        assert len(lawsuits) == record["lawsuit_count_12m"]
        year_ago = AS_OF - timedelta(days=365)
        assert all(datetime.fromisoformat(e["occurred_at"]).date() > year_ago for e in lawsuits)
        invoices = [e for e in events if e["kind"] == "overdue_invoice"]
        assert len(invoices) == min(record["overdue_invoice_count"], 5)
        if invoices:
            worst = max(e["payload"]["days_overdue"] for e in invoices)
            assert worst == record["max_overdue_days"]
            checked += 1
        assert 1 <= sum(e["kind"] == "payment" for e in events) <= 3
    assert checked > 50


def test_a_year_of_history_moves_tiers_both_ways_and_ends_where_the_record_is(
    example: Bundle,
) -> None:
    from engine.portfolio import HISTORY_MONTHS, past_states

    ruleset = example.rulesets["credit"].value
    worsened = recovered = sudden = 0
    for record in generate_customers(300, seed=7):
        states = past_states(record, seed=7)
        assert [m for m, _ in states] == list(range(HISTORY_MONTHS, 0, -1))
        assert past_states(record, seed=7) == states  # deterministic
        form = example.forms["customer"].value
        for _months_ago, data in states:
            assert not forms.validate(form, data), data  # every month valid for the form
        tiers = [ruleset.evaluate({**record, **d}, as_of=AS_OF).tier for _, d in states]
        now = ruleset.evaluate(record, as_of=AS_OF).tier
        if now == "high" and tiers[0] != "high":
            worsened += 1
            sudden += tiers[-2] != "high" and tiers[-1] == "high"
        if now != "high" and "high" in tiers[:-1]:
            recovered += 1
    # a real book's migration: some got worse over the year, some recovered, a few all at once
    assert worsened >= 15 and recovered >= 15 and sudden >= 3, (worsened, recovered, sudden)
