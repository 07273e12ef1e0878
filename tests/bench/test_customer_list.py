"""The customer list benchmark, short: a few hundred generated customers, every query timed, and
the totals the list reports agree with a count of the generated rows."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from sqlalchemy import create_engine, text

from bench import customer_list


def test_every_query_runs_and_the_totals_match_the_rows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'list.db'}"
    with (tmp_path / "out.txt").open("w") as out:
        console = Console(file=out)
        customer_list.seed(url, customers=300, console=console)
        results = {
            name: total for name, _, _, total in customer_list.run(url, console=console, plans=True)
        }
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            high = connection.execute(
                text("SELECT count(*) FROM customers WHERE tier = 'high'")
            ).scalar_one()
            open_cases = connection.execute(text("SELECT count(*) FROM cases")).scalar_one()
    finally:
        engine.dispose()
    assert results["no filter, id order"] == 300
    assert results["tier=high, score desc"] == high
    assert results["open case, score desc"] == open_cases == 6
    assert len(results) == len(customer_list.QUERIES) + 1
