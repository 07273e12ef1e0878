"""The HTTP load generator: its arithmetic and request mix here; a short real run under `bench`."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import load


def _result(latencies: list[float], *, sent: int | None = None) -> load.RateResult:
    return load.RateResult(
        target_rps=10,
        sent=len(latencies) if sent is None else sent,
        ok=len(latencies),
        errors=0 if sent is None else sent - len(latencies),
        seconds=1.0,
        latencies_ms=tuple(latencies),
    )


def test_percentiles_are_nearest_rank_over_every_request_sent() -> None:
    result = _result([float(ms) for ms in range(1, 101)])
    assert (result.percentile(50), result.percentile(95), result.percentile(99)) == (50, 95, 99)
    assert result.achieved_rps == 100


def test_a_request_without_an_answer_counts_as_slower_than_all() -> None:
    result = _result([1.0] * 95, sent=100)
    assert result.percentile(50) == 1.0
    assert result.percentile(99) == float("inf")


def test_one_request_in_five_creates_a_customer_the_others_change_one() -> None:
    customers = load.Customers(seed=7)
    bodies = [customers.next() for _ in range(500)]
    created = [body for _, body in bodies if "terms" in body]
    assert 60 <= len(created) <= 140
    refs = {ref for ref, _ in bodies}
    assert len(refs) == len(created)  # every change is to a customer created before it
    changed = [body for _, body in bodies if "terms" not in body]
    assert all(isinstance(body["data"]["outstanding_balance"], float) for body in changed)


def test_profile_samples_are_shared_out_by_their_innermost_known_frame(tmp_path: Path) -> None:
    raw = tmp_path / "raw.txt"
    raw.write_text(
        "main (x.py:1);execute (sqlalchemy/engine/base.py:9) 30\n"
        "main (x.py:1);upsert (engine/customers.py:1);_execute (sqlalchemy/orm/session.py:1) 50\n"
        "main (x.py:1);upsert (engine/customers.py:1) 20\n"
        "run (threading.py:1);select (selectors.py:468) 900\n"
    )
    shares = dict(load.summarise_profile(raw))
    assert shares["SQLAlchemy"] == 80
    assert shares["riskdesk engine"] == 20


@pytest.mark.bench
def test_a_short_run_against_a_real_server(tmp_path: Path) -> None:
    results, _ = load.run_one(
        "sqlite", workers=1, rates=[5], seconds=1, requests=5, pg_url=load.DEFAULT_PG, profile=False
    )
    (result,) = results
    assert result.sent == 5 and result.errors == 0 and result.ok == 5
