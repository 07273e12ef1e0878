"""`python -m bench.simulate`: how long a simulation of a draft ruleset over the whole portfolio
takes (target: 100,000 customers in under 5 s on the 2-core benchmark machine).

The example template is imported into a fresh database; the synthetic portfolio of the demo
(`engine.portfolio`: customers with their sensitive phone sealed, and their events) is written
with bulk inserts (not timed: the intake is `bench.ingest`'s); a draft is saved (moderate
overdue doubled, high from 40). Timed: `start_simulation` and every chunk processed in this one
process until the job is done (`engine.job_kinds.run_due_chunks`), commits included. `--profile`
prints where the time goes (cProfile, top functions by own time).

SQLite by default (a file in a temporary folder); `--database-url` points it at an empty
PostgreSQL database instead (its tables are created, filled and left there).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from bench import harness

EXAMPLE_TEMPLATE = Path(__file__).resolve().parent.parent / "examples" / "manufacturing_credit"
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
SEED = 20261128
ACTOR = "bench"
TARGET_SECONDS = 5.0
BATCH = 5000
SORT = "tottime"


def _stricter(source: str) -> str:
    return source.replace(
        "when max_overdue_days between 31 and 90\n  then add 15",
        "when max_overdue_days between 31 and 90\n  then add 30",
    ).replace("high when score >= 60", "high when score >= 40")


def fill(database: Any, customers: int) -> int:
    """Write `customers` generated customers and their events in bulk; the number of events."""
    from sqlalchemy import insert, select
    from sqlmodel import col

    import forms
    from engine import crypto, portfolio, specs
    from engine.db import session_keys
    from engine.models import Customer, Event

    events = 0
    records = portfolio.generate_customers(customers, seed=SEED)
    while True:
        batch = [record for _, record in zip(range(BATCH), records, strict=False)]
        if not batch:
            return events
        with database.transaction() as session:
            keys = session_keys(session)
            sensitive = forms.sensitive_ids(specs.customer_form(session).value)
            rows = []
            for record in batch:
                parts = portfolio.upsert_parts(record)
                rows.append(
                    {
                        "external_ref": parts.ref,
                        "name": parts.name,
                        "department": parts.department,
                        "data": crypto.seal_data(
                            keys, parts.data, ref=parts.ref, sensitive=sensitive
                        ),
                        "credit_limit": parts.terms.get("credit_limit", 0),
                        "payment_terms_days": parts.terms.get("payment_terms_days", 30),
                        "currency": "CNY",
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                )
            session.execute(insert(Customer), rows)
            refs = [row["external_ref"] for row in rows]
            ids = dict(
                session.execute(
                    select(col(Customer.external_ref), col(Customer.id)).where(
                        col(Customer.external_ref).in_(refs)
                    )
                ).all()
            )
            history = []
            for record in batch:
                for event in portfolio.generate_events(record, seed=SEED, as_of=NOW.date()):
                    occurred = datetime.fromisoformat(event["occurred_at"]).replace(tzinfo=UTC)
                    history.append(
                        {
                            "customer_id": ids[record["external_ref"]],
                            "kind": event["kind"],
                            "occurred_at": occurred,
                            "payload": event["payload"],
                            "source": ACTOR,
                            "created_at": NOW,
                        }
                    )
            if history:
                session.execute(insert(Event), history)
            events += len(history)


def run(database_url: str, *, customers: int, profile: bool) -> tuple[float, float, int, Any, str]:
    """(wall seconds, CPU seconds of this process, events, the simulation's result, the profile
    text or '') for `customers`."""
    from engine.db import Database, upgrade
    from engine.drafts import save_draft
    from engine.job_kinds import run_due_chunks
    from engine.keys import generate_keys
    from engine.models import SpecKind
    from engine.simulation import simulation_view, start_simulation
    from engine.templates import import_template

    upgrade(database_url)
    database = Database(database_url, keys=generate_keys())
    try:
        with database.transaction() as session:
            import_template(session, EXAMPLE_TEMPLATE, actor=ACTOR, now=NOW, base_currency="CNY")
            source = (EXAMPLE_TEMPLATE / "rules" / "credit.rules").read_text(encoding="utf-8")
            save_draft(session, SpecKind.RULESET, "credit", _stricter(source), actor=ACTOR, now=NOW)
        events = fill(database, customers)
        profiler = cProfile.Profile() if profile else None
        start = time.perf_counter()
        cpu = time.process_time()
        if profiler is not None:
            profiler.enable()
        with database.transaction() as session:
            job = start_simulation(session, "credit", actor=ACTOR, now=NOW, scope=None)
            job_id = job.id
        assert job_id is not None
        while run_due_chunks(database, now=NOW, worker=ACTOR, job_id=job_id, limit=100).claimed:
            pass
        with database.transaction() as session:
            view = simulation_view(session, job_id, scope=None)
        if profiler is not None:
            profiler.disable()
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu
        text = ""
        if profiler is not None:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(SORT).print_stats(25)
            text = out.getvalue()
        assert view.status == "done", view.error
        return seconds, cpu, events, view.result, text
    finally:
        database.dispose()


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.simulate", description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000, help="default 100000")
    parser.add_argument(
        "--database-url", default=None, help="an empty database (default: SQLite in a temp folder)"
    )
    parser.add_argument("--profile", action="store_true", help="print where the time goes")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    console = Console()
    for name, value in harness.machine().items():
        console.print(f"{name}: {value}")
    with tempfile.TemporaryDirectory(prefix="riskdesk-simulate-") as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'simulate.db'}"
        backend = url.split(":", 1)[0]
        seconds, cpu, events, result, profile = run(
            url, customers=args.customers, profile=args.profile
        )
    verdict = "met" if seconds < TARGET_SECONDS else "NOT met"
    console.print(
        f"simulate ({backend}): {result['customers']:,} customers with {events:,} events in "
        f"{seconds:.2f} s wall, {cpu:.2f} s CPU ({result['customers'] / seconds:,.0f}/s), "
        f"{result['movers']:,} movers; "
        f"target {TARGET_SECONDS:.0f} s {verdict}"
    )
    if profile:
        console.print(profile, markup=False, highlight=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
