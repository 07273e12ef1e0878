"""`python -m bench.dashboard`: how long the dashboard's figures (engine.dashboard) take on a
large portfolio.

A fresh database gets the example template and `--customers` customers seeded with bulk inserts
(not timed): the generated records of engine.portfolio (one in twenty owing in USD, converted at
a stored rate), each with two assessments (a first one in the last year and the latest, about
one in six in another tier than the first, so the migration has months to fold), a critical
alert and an open review case for each high-risk customer (some past their deadline), orders
held for one in a hundred. Scores and tiers are drawn in the example ruleset's proportions
(about 74% low, 15% medium, 11% high) rather than evaluated: the benchmark times the reads.

Then `dashboard()` is timed `--repeat` times for a caller who sees every department and for one
scoped to one department (East), the best and the median reported.

SQLite by default (a file in a temporary folder); `--database-url` points it at an empty
PostgreSQL database (its tables are created and left there). The seeded tables are analysed
(`ANALYZE`; on PostgreSQL `VACUUM (ANALYZE)`, as autovacuum does after bulk inserts) before
timing, as a live database's are.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, date, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console

from bench import harness
from bench.rescore import EXAMPLE_TEMPLATE, NOW, _database, _keys_file

SEED = 20261203
BATCH = 20_000
DISTINCT = 20_000  # distinct generated records; customer i is a copy of record i % DISTINCT
TIERS = (("low", 74), ("medium", 15), ("high", 11))
SCORES = {"low": (-20, 29), "medium": (30, 59), "high": (60, 120)}


def _tier(rng: random.Random) -> str:
    draw = rng.randrange(100)
    for tier, share in TIERS:
        if draw < share:
            return tier
        draw -= share
    return TIERS[-1][0]


def seed(url: str, keys_file: Path, *, customers: int, console: Console) -> None:
    """The template, a USD rate, then `customers` customers with assessments, alerts, cases and
    held orders, with bulk inserts (row ids of fresh tables are counted from 1)."""
    from sqlalchemy import insert

    import forms
    from engine import crypto, portfolio, specs
    from engine.db import session_keys, upgrade
    from engine.exposure import exposure_columns
    from engine.fx import set_rate
    from engine.models import Alert, Assessment, Case, CreditCheck, Customer
    from engine.templates import import_template

    upgrade(url)
    database = _database(url, keys_file)
    with database.transaction() as session:
        import_template(session, EXAMPLE_TEMPLATE, actor="bench", now=NOW, base_currency="CNY")
        set_rate(session, "USD", "7.1", valid_from=date(2026, 1, 1), actor="bench", now=NOW)
        form = specs.customer_form(session)
        sensitive = forms.sensitive_ids(form.value)
        keys = session_keys(session)
        review = specs.load_workflow(session, "high_risk_review")
    records = [
        portfolio.upsert_parts(r)
        for r in portfolio.generate_customers(min(customers, DISTINCT), seed=SEED)
    ]
    rng = random.Random(SEED)
    start = time.perf_counter()
    for first in range(0, customers, BATCH):
        rows: list[dict[str, Any]] = []
        assessments: list[dict[str, Any]] = []
        alerts: list[dict[str, Any]] = []
        cases: list[dict[str, Any]] = []
        checks: list[dict[str, Any]] = []
        for index in range(first, min(first + BATCH, customers)):
            parts = records[index % len(records)]
            ref = f"D{index:07d}"
            data = dict(parts.data)
            if index % 20 == 0:
                data["outstanding_balance"] = {
                    "amount": round(float(data.get("outstanding_balance") or 0) / 7.1, 2),
                    "currency": "USD",
                }
            tier = _tier(rng)
            before = tier if rng.randrange(6) else _tier(rng)
            score = rng.randint(*SCORES[tier])
            latest = NOW.date() - timedelta(days=rng.randrange(330))
            stored = crypto.seal_data(keys, data, ref=ref, sensitive=sensitive)
            rows.append(
                {
                    "external_ref": ref,
                    "name": parts.name,
                    "department": parts.department,
                    "data": stored,
                    **exposure_columns(stored),
                    "form_key": form.key,
                    "form_version": form.version,
                    "score": score,
                    "tier": tier,
                    "assessed_at": NOW,
                    "credit_limit": parts.terms.get("credit_limit", 0),
                    "payment_terms_days": parts.terms.get("payment_terms_days", 30),
                    "order_hold": index % 50 == 0,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
            customer_id = index + 1
            for as_of, previous, now_tier in (
                (latest - timedelta(days=30), None, before),
                (latest, before, tier),
            ):
                assessments.append(
                    {
                        "customer_id": customer_id,
                        "ruleset_key": "credit",
                        "ruleset_version": 1,
                        "as_of": as_of,
                        "score": score,
                        "tier": now_tier,
                        "previous_tier": previous,
                        "result": {},
                        "created_at": NOW,
                    }
                )
            if tier == "high":
                alerts.append(
                    {
                        "customer_id": customer_id,
                        "assessment_id": 2 * customer_id,
                        "rule": "court_enforcement",
                        "severity": "critical",
                        "message": "Court enforcement: 1 record(s)",
                        "status": "open",
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                )
                cases.append(
                    {
                        "workflow_key": review.key,
                        "workflow_version": review.version,
                        "customer_id": customer_id,
                        "status": "open",
                        "step": "sales_review",
                        "assigned_role": "sales_manager",
                        "due_at": NOW + timedelta(hours=rng.randrange(-72, 24)),
                        "state": {},
                        "context": {},
                        "opened_at": NOW,
                    }
                )
            if index % 100 == 0:
                checks.append(
                    {
                        "customer_id": customer_id,
                        "order_ref": f"SO-{ref}",
                        "amount": 250_000,
                        "currency": "CNY",
                        "amount_base": 250_000,
                        "decision": "hold",
                        "status": "held",
                        "exposure": {},
                        "credit_limit": parts.terms.get("credit_limit", 0),
                        "available": 0,
                        "reasons": [],
                        "created_at": NOW - timedelta(hours=index % 48),
                    }
                )
        with database.transaction() as session:
            session.execute(insert(Customer), rows)
            session.execute(insert(Assessment), assessments)
            for table, values in ((Alert, alerts), (Case, cases), (CreditCheck, checks)):
                if values:
                    session.execute(insert(table), values)
    harness.settle(database)
    console.print(
        f"seeded {customers:,} customers in {time.perf_counter() - start:.1f} s (bulk inserts)"
    )
    database.dispose()


def timed(url: str, keys_file: Path, *, scope: frozenset[str] | None, repeat: int) -> list[float]:
    """The seconds of each of `repeat` dashboards at NOW for `scope`, each in its own
    transaction (a page's)."""
    from engine.dashboard import dashboard

    database = _database(url, keys_file)
    seconds = []
    board = None
    for _ in range(repeat):
        start = time.perf_counter()
        with database.transaction() as session:
            board = dashboard(session, scope=scope, now=NOW, tz=UTC)
        seconds.append(time.perf_counter() - start)
    database.dispose()
    assert board is not None and board.customers > 0, board
    return seconds


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.dashboard", description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000, help="default 100000")
    parser.add_argument(
        "--database-url", default=None, help="an empty database (default: SQLite in a temp folder)"
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed dashboards (default 5)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    console = Console()
    for name, value in harness.machine().items():
        console.print(f"{name}: {value}")
    with tempfile.TemporaryDirectory(prefix="riskdesk-dashboard-") as name:
        folder = Path(name)
        url = args.database_url or f"sqlite:///{folder / 'dashboard.db'}"
        backend = url.split(":", 1)[0].split("+", 1)[0]
        keys_file = _keys_file(folder)
        seed(url, keys_file, customers=args.customers, console=console)
        for label, scope in (("every department", None), ("one department", frozenset({"East"}))):
            seconds = timed(url, keys_file, scope=scope, repeat=args.repeat)
            console.print(
                f"dashboard ({backend}, {args.customers:,} customers, {label}): "
                f"best {min(seconds) * 1000:,.0f} ms, median "
                f"{statistics.median(seconds) * 1000:,.0f} ms of {len(seconds)}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
