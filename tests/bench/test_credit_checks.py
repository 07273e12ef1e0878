"""The credit-check load generator: its order mix and verdict here; a short real run under
`bench`."""

from __future__ import annotations

import pytest

from bench import credit_checks, load


def test_orders_are_new_with_unique_references_and_one_in_ten_a_replay() -> None:
    orders = credit_checks.Orders(["A", "B", "C"], seed=7)
    sent = [orders.next() for _ in range(1000)]
    refs = [body["order_ref"] for _, body in sent]
    new = set(refs)
    assert 60 <= len(refs) - len(new) <= 140  # the replays
    assert {customer for customer, _ in sent} == {"A", "B", "C"}
    by_ref: dict[str, tuple[str, float]] = {}
    for customer, body in sent:  # a replay repeats its order exactly
        seen = by_ref.setdefault(body["order_ref"], (customer, body["amount"]))
        assert seen == (customer, body["amount"])


def _result(rate: float, p99: float, errors: int = 0) -> credit_checks.ChecksResult:
    latencies = tuple([1.0] * 98 + [p99, p99])  # nearest rank: the 99th of 100
    found = load.RateResult(
        target_rps=rate, sent=100, ok=100, errors=errors, seconds=2, latencies_ms=latencies
    )
    return credit_checks.ChecksResult(rate=found, decisions=(("pass", 100),))


def test_the_verdict_is_the_p99_at_fifty_checks_a_second_on_sqlite() -> None:
    assert credit_checks.verdict([_result(25, 50), _result(50, 19)], "sqlite") == (
        "target p99 < 20 ms at 50 checks/s on SQLite: met (19.0 ms)"
    )
    assert credit_checks.verdict([_result(50, 21)], "sqlite") == (
        "target p99 < 20 ms at 50 checks/s on SQLite: NOT met (21.0 ms)"
    )
    assert credit_checks.verdict([_result(50, 21)], "postgresql") is None
    assert credit_checks.verdict([_result(25, 1)], "sqlite") is None


@pytest.mark.bench
def test_a_short_run_against_a_real_server() -> None:
    results, _ = credit_checks.run_one(
        "sqlite", workers=1, rates=[5], seconds=1, requests=5, pg_url=load.DEFAULT_PG, profile=False
    )
    (result,) = results
    assert result.rate.sent == 5 and result.rate.errors == 0 and result.rate.ok == 5
    assert sum(n for _, n in result.decisions) == 5
