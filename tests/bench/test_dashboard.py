"""The dashboard benchmark, short: a few hundred seeded customers, whose figures the dashboard
must add up (every high-risk customer has one critical alert and one open case; one in a
hundred has an order held), and the printed report."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from bench import dashboard as bench
from bench.rescore import NOW, _database, _keys_file
from engine.dashboard import dashboard


def test_the_seeded_portfolio_adds_up_on_the_dashboard(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'dashboard.db'}"
    keys_file = _keys_file(tmp_path)
    bench.seed(url, keys_file, customers=300, console=Console(quiet=True))
    database = _database(url, keys_file)
    try:
        with database.transaction() as session:
            board = dashboard(session, scope=None, now=NOW)
            east = dashboard(session, scope=frozenset({"East"}), now=NOW)
    finally:
        database.dispose()
    high = next(t for t in board.tiers if t.tier == "high")
    assert board.customers == 300 and 0 < high.customers < 300
    assert (board.critical_active, board.cases_open) == (high.customers, high.customers)
    assert 0 < board.cases_past_due < board.cases_open
    assert board.holds.orders == 3 and board.holds.amount == 750_000
    assert sum(t.order_hold for t in board.tiers) == 6
    assert board.exposure > 0 and not board.unconverted  # the USD balances have their rate
    assert sum(m.total for m in board.migration) > 0
    assert 0 < east.customers < board.customers


def test_the_benchmark_prints_its_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--customers", "200", "--repeat", "2"]) == 0
    out = capsys.readouterr().out
    assert "dashboard (sqlite, 200 customers, every department): best" in out
    assert "one department" in out
