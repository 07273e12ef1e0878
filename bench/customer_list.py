"""`python -m bench.customer_list`: the customer list's filtered, sorted first page and total at
scale (issue 12: under 200 ms at 1,000,000 customers).

A migrated database is filled with multi-row Core inserts (not the engine's upsert): customers
with a spread of tiers (and their ranks), scores, departments, owners, industries, flags (rows of
customer_flags) and update times, and an open case for one in fifty. Each query of QUERIES is
then timed through engine.customer_list.list_customers, best of REPEAT, with and without the
total, and a page ten pages deep is timed too; SQLite's query plan of each is printed. Figures go to
docs/performance.md ("The customer list").
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import harness

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
# rows per executemany, which SQLAlchemy sends as multi-row INSERTs ("insertmanyvalues")
BATCH = 10_000
REPEAT = 5
TIERS = (("low", 70), ("medium", 22), ("high", 8))
# each tier's rank as the example ruleset's tiers block (high, medium, low) gives it
# (engine.customer_query.tier_rank)
RANKS = {"high": 3, "medium": 2, "low": 1}
DEPARTMENTS = ("East", "West", "North", "South", "International", "Online")
INDUSTRIES = ("manufacturing", "retail", "internet", "construction", "trade", "energy")
FLAGS = (("near_limit", 6), ("litigation", 2), ("order_drop", 4), ("incomplete_profile", 10))
# name → the list's request parameters (engine.customer_query)
QUERIES: dict[str, dict[str, str]] = {
    "no filter, id order": {},
    "tier=high, score desc": {"tier": "high", "sort": "score", "direction": "desc"},
    "department, name": {"department": "West", "sort": "name"},
    "industry, updated desc": {"industry": "retail", "sort": "updated_at", "direction": "desc"},
    "flag=litigation, name": {"flag": "litigation", "sort": "name"},
    "search 'firm 00123', name": {"search": "firm 00123", "sort": "name"},
    "open case, score desc": {"open_case": "yes", "sort": "score", "direction": "desc"},
    "owner + tier, ref": {"owner": "sales07", "tier": "medium", "sort": "ref"},
    "tier desc": {"sort": "tier", "direction": "desc"},
}


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def seed(url: str, *, customers: int, console: Console) -> None:
    """Migrate `url` and insert `customers` customers (their flags, and their open cases) in
    bulk."""
    from sqlalchemy import insert

    from engine.db import Database, upgrade
    from engine.models import Case, Customer, CustomerFlag

    upgrade(url)
    database = Database(url)
    customers_table, cases_table = Customer.__table__, Case.__table__  # type: ignore[attr-defined]
    flags_table = CustomerFlag.__table__  # type: ignore[attr-defined]
    rng = random.Random(12)
    start = time.perf_counter()
    for first in range(0, customers, BATCH):
        rows, cases = [], []
        flagged: list[dict[str, Any]] = []
        for index in range(first, min(first + BATCH, customers)):
            tier = _weighted(rng, TIERS)
            flags = [name for name, pct in FLAGS if rng.randrange(100) < pct]
            # a fresh table numbers the customers from 1
            flagged.extend({"flag": name, "customer_id": index + 1} for name in flags)
            industry = rng.choice(INDUSTRIES)
            rows.append(
                {
                    "external_ref": f"C{index:07d}",
                    "name": f"Firm {rng.randrange(customers):07d} {industry.title()} Co.",
                    "department": rng.choice(DEPARTMENTS),
                    "owner": f"sales{rng.randrange(40):02d}",
                    "data": {"industry": industry, "max_overdue_days": rng.randrange(120)},
                    "score": float({"low": 0, "medium": 30, "high": 60}[tier] + rng.randrange(30)),
                    "tier": tier,
                    "tier_rank": RANKS[tier],
                    "assessed_at": NOW,
                    "currency": "CNY",
                    "created_at": NOW - timedelta(days=400),
                    "updated_at": NOW - timedelta(minutes=rng.randrange(525_600)),
                    "row_version": 2,
                }
            )
            if index % 50 == 0:
                cases.append(
                    {
                        "workflow_key": "high_risk_review",
                        "workflow_version": 1,
                        "customer_id": index + 1,
                        "status": "open",
                        "step": "sales_review",
                        "state": {},
                        "context": {},
                        "opened_at": NOW,
                    }
                )
        with database.transaction() as session:
            session.connection().execute(insert(customers_table), rows)
            if cases:
                session.connection().execute(insert(cases_table), cases)
            if flagged:
                session.connection().execute(insert(flags_table), flagged)
    harness.settle(database)
    console.print(
        f"seeded {customers:,} customers in {time.perf_counter() - start:.1f} s "
        "(multi-row inserts, the list's indexes in place)"
    )
    database.dispose()


def _best(action: Callable[[], Any]) -> float:
    action()  # warm: statement caches, the page cache
    return harness.best_of(action, repeat=REPEAT) * 1000


def run(url: str, *, console: Console, plans: bool) -> list[tuple[str, float, float, int]]:
    """(query, ms with the total, ms without it, the total) for each of QUERIES, then a page
    ten pages deep."""
    from engine.customer_list import list_customers
    from engine.customer_query import customer_query
    from engine.db import Database

    database = Database(url)
    results = []
    try:
        for name, params in QUERIES.items():
            query = customer_query(params)
            with database.transaction() as session:

                def page(counts: bool, q: Any = query, s: Any = session) -> Any:
                    return list_customers(s, query=q, limit=50, counts_total=counts)

                with_total = _best(lambda: page(True))
                without = _best(lambda: page(False))
                total = page(True).total or 0
                if plans and url.startswith("sqlite"):
                    _print_plan(session, query, console, name)
            results.append((name, with_total, without, total))
        deep_query = customer_query(QUERIES["tier=high, score desc"])
        with database.transaction() as session:
            cursor = None
            for _ in range(10):
                cursor = list_customers(
                    session, query=deep_query, cursor=cursor, limit=50, counts_total=False
                ).next_cursor
            deep = _best(
                lambda: list_customers(
                    session, query=deep_query, cursor=cursor, limit=50, counts_total=False
                )
            )
        results.append(("page 11 of tier=high, score desc", deep, deep, 0))
    finally:
        database.dispose()
    return results


def _print_plan(session: Any, query: Any, console: Console, name: str) -> None:
    from sqlalchemy import text
    from sqlmodel import select

    from engine.customer_query import SORT_COLUMNS, conditions
    from engine.models import Customer

    column = SORT_COLUMNS[query.sort]
    order = column.desc() if query.is_descending else column
    statement = (
        select(Customer).where(*conditions(query, dialect="sqlite")).order_by(order).limit(51)
    )
    compiled = statement.compile(
        dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}
    )
    rows = session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
    console.print(f"[dim]{name}: " + "; ".join(str(r[-1]) for r in rows) + "[/dim]")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite", help="sqlite,postgresql")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("RISKDESK_BENCH_POSTGRES_URL", ""),
        help="an empty PostgreSQL database to fill (for --backends postgresql)",
    )
    parser.add_argument("--plans", action="store_true", help="print SQLite's query plans")
    args = parser.parse_args(argv)
    console = Console()
    info = harness.machine()
    load = os.getloadavg()
    console.print(
        f"{info['cpu']}, {info['python']}, {info['date']}, "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    folder = Path(tempfile.mkdtemp(prefix="riskdesk-list-"))
    try:
        for backend in args.backends.split(","):
            url = f"sqlite:///{folder / 'list.db'}" if backend == "sqlite" else args.postgres_url
            if not url:
                console.print("postgresql: pass --postgres-url (an empty database)")
                continue
            seed(url, customers=args.customers, console=console)
            table = Table(title=f"customer list, {backend}, {args.customers:,} customers")
            for heading in ("query", "first page + total (ms)", "page alone (ms)", "total"):
                table.add_column(heading, justify="left" if heading == "query" else "right")
            for name, with_total, without, total in run(url, console=console, plans=args.plans):
                table.add_row(name, f"{with_total:.1f}", f"{without:.1f}", f"{total:,}")
            console.print(table)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
