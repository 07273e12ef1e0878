"""`python -m bench.ingest`: how fast the engine takes in customers and events, as an integrator
pushes them.

The example template is imported into a fresh database; then the synthetic portfolio of the demo
(`engine.portfolio`) goes through the engine services exactly as the REST API calls them: one
transaction per customer upsert, then one per event, each validated, stored, re-scored, audited,
and opening the cases its tier calls for. Upserts and events are timed apart (wall time, one
thread, after a warm-up customer); the same scorings are then timed in the compiled rules
function alone, to show its share. The HTTP layer is not included.

SQLite by default (a file in a temporary folder); `--database-url` points it at an empty
PostgreSQL database instead (its tables are created, filled and left there).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from bench import harness

EXAMPLE_TEMPLATE = Path(__file__).resolve().parent.parent / "examples" / "manufacturing_credit"
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
SEED = 20261128
ACTOR = "bench"


@dataclass(frozen=True, slots=True)
class Ingest:
    """What one run did and how long each part took, in seconds."""

    customers: int
    events: int
    upsert_seconds: float
    event_seconds: float
    rules_seconds: float  # inside the generated rules function, over upserts and events

    @property
    def ms_per_upsert(self) -> float:
        return self.upsert_seconds / self.customers * 1e3

    @property
    def ms_per_event(self) -> float:
        return self.event_seconds / self.events * 1e3 if self.events else 0.0


def run(database_url: str, *, customers: int) -> Ingest:
    """Import the example template into the (empty) database at `database_url`, then push
    `customers` generated customers and their events through the engine services."""
    from engine import portfolio, specs
    from engine.customers import CustomerInput, upsert_customer
    from engine.db import Database, upgrade
    from engine.events import EventInput, record_event
    from engine.keys import generate_keys
    from engine.templates import import_template
    from engine.terms import DEFAULT_TERMS

    upgrade(database_url)
    database = Database(database_url, keys=generate_keys())
    try:
        with database.transaction() as session:
            import_template(session, EXAMPLE_TEMPLATE, actor=ACTOR, now=NOW, base_currency="CNY")
            ruleset = specs.scoring_ruleset(session).value
        records = list(portfolio.generate_customers(customers + 1, seed=SEED))
        upserts = events = 0
        upsert_seconds = event_seconds = rules_seconds = 0.0
        for index, record in enumerate(records):
            parts = portfolio.upsert_parts(record)
            data = CustomerInput(
                name=parts.name, department=parts.department, data=parts.data, terms=parts.terms
            )
            history = portfolio.generate_events(record, seed=SEED, as_of=NOW.date())
            start = time.perf_counter()
            with database.transaction() as session:
                upsert_customer(session, parts.ref, data, actor=ACTOR, now=NOW, tz=UTC)
            middle = time.perf_counter()
            for event in history:
                item = EventInput(
                    kind=event["kind"],
                    occurred_at=event["occurred_at"],
                    payload=event["payload"],
                    source=ACTOR,
                )
                with database.transaction() as session:
                    record_event(session, parts.ref, item, actor=ACTOR, now=NOW, tz=UTC)
            end = time.perf_counter()
            # The same scorings again, the rules function alone: once per upsert and event.
            facts = {**DEFAULT_TERMS, **parts.data, **parts.terms}
            for seen in range(len(history) + 1):
                before = time.perf_counter()
                ruleset.evaluate(facts, events=history[:seen], as_of=NOW.date())
                rules_seconds += time.perf_counter() - before
            if index == 0:  # the first customer warms every path up
                rules_seconds = 0.0
                continue
            upserts += 1
            events += len(history)
            upsert_seconds += middle - start
            event_seconds += end - middle
        return Ingest(upserts, events, upsert_seconds, event_seconds, rules_seconds)
    finally:
        database.dispose()


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__)
    parser.add_argument("--customers", type=int, default=300, help="customers (default 300)")
    parser.add_argument(
        "--database-url", default=None, help="an empty database (default: SQLite in a temp folder)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    console = Console()
    for name, value in harness.machine().items():
        console.print(f"{name}: {value}")
    with tempfile.TemporaryDirectory(prefix="riskdesk-ingest-") as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'ingest.db'}"
        backend = url.split(":", 1)[0]
        result = run(url, customers=args.customers)
    total = result.upsert_seconds + result.event_seconds
    console.print(
        f"ingest ({backend}): {result.customers:,} customer upserts, "
        f"{result.ms_per_upsert:.2f} ms each ({result.customers / result.upsert_seconds:,.0f}/s); "
        f"{result.events:,} events, {result.ms_per_event:.2f} ms each "
        f"({result.events / result.event_seconds:,.0f}/s); "
        f"rules evaluation {result.rules_seconds / total:.1%} of the time"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
