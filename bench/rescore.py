"""`python -m bench.rescore`: how fast the whole portfolio is rescored and stored.

A fresh database gets the example template and `--customers` customers with their recent events,
seeded with bulk inserts (not timed; the sensitive phone number sealed as the engine stores it).
Then three rescores are timed, each a job run to its end by `--workers` processes claiming its
chunks as server sweeps would:

1. first: no customer was ever assessed — every one gets its first assessment, a tier change,
   and the high-risk ones a review case (through the single path, as an upsert opens it);
2. nightly: the same day again — nothing changed, nothing is written (reads and rules only);
3. publish: a stricter ruleset version is published — every customer gets a new assessment
   with its change explanation, some move tier, their cases open.

SQLite by default (a file in a temporary folder); `--database-url` points it at an empty
PostgreSQL database (its tables are created and left there). `--profile` runs one worker in
this process under cProfile for the publish rescore and prints where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import multiprocessing
import pstats
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console

from bench import harness

EXAMPLE_TEMPLATE = Path(__file__).resolve().parent.parent / "examples" / "manufacturing_credit"
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
SEED = 20261128
DISTINCT = 20_000  # distinct generated records; customer i is a copy of record i % DISTINCT
BATCH = 20_000
SORT = "tottime"


@dataclass(frozen=True, slots=True)
class Timed:
    name: str
    seconds: float
    customers: int
    changed: int
    cases_opened: int
    cpu_seconds: float  # CPU time of the worker processes (the machine may be shared)

    @property
    def per_second(self) -> float:
        return self.customers / self.seconds if self.seconds else 0.0


def _keys_file(folder: Path) -> Path:
    from engine.keys import generate_keys, write_keys_file

    path = folder / "bench.keys.json"
    write_keys_file(path, generate_keys())
    return path


def _database(url: str, keys_file: Path) -> Any:
    from engine.db import Database
    from engine.keys import read_keys_file

    return Database(url, keys=read_keys_file(keys_file))


def seed(url: str, keys_file: Path, *, customers: int, console: Console) -> None:
    """The template, then `customers` customers and their events, with bulk inserts."""
    from sqlalchemy import insert

    import forms
    from engine import crypto, portfolio, specs
    from engine.db import session_keys, upgrade
    from engine.freshness import stamped
    from engine.models import Customer, Event
    from engine.templates import import_template

    upgrade(url)
    database = _database(url, keys_file)
    with database.transaction() as session:
        import_template(session, EXAMPLE_TEMPLATE, actor="bench", now=NOW, base_currency="CNY")
        form = specs.customer_form(session)
        sensitive = forms.sensitive_ids(form.value)
        keys = session_keys(session)
    distinct = min(customers, DISTINCT)
    records = [portfolio.upsert_parts(r) for r in portfolio.generate_customers(distinct, seed=SEED)]
    histories = [
        portfolio.generate_events(r, seed=SEED, as_of=NOW.date())
        for r in portfolio.generate_customers(distinct, seed=SEED)
    ]
    start = time.perf_counter()
    events = 0
    for first in range(0, customers, BATCH):
        rows, event_rows = [], []
        for index in range(first, min(first + BATCH, customers)):
            parts = records[index % distinct]
            ref = f"B{index:07d}"
            rows.append(
                {
                    "external_ref": ref,
                    "name": parts.name,
                    "department": parts.department,
                    "data": crypto.seal_data(keys, parts.data, ref=ref, sensitive=sensitive),
                    # every field stamped, as an upsert or import stores it (engine.freshness)
                    "freshness": stamped(None, {}, parts.data, source="import", now=NOW),
                    "form_key": form.key,
                    "form_version": form.version,
                    "credit_limit": parts.terms.get("credit_limit", 0),
                    "payment_terms_days": parts.terms.get("payment_terms_days", 30),
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
            for event in histories[index % distinct]:
                event_rows.append(
                    {
                        "customer_id": index + 1,  # a fresh table numbers them from 1
                        "kind": event["kind"],
                        "occurred_at": datetime.fromisoformat(event["occurred_at"]).replace(
                            tzinfo=UTC
                        ),
                        "payload": event["payload"],
                        "source": "bench",
                        "created_at": NOW,
                    }
                )
        with database.transaction() as session:
            session.execute(insert(Customer), rows)
            session.execute(insert(Event), event_rows)
        events += len(event_rows)
    console.print(
        f"seeded {customers:,} customers and {events:,} events "
        f"in {time.perf_counter() - start:.1f} s (bulk inserts)"
    )
    database.dispose()


def _worker(url: str, keys_file: str, job_id: int, now: datetime, cpu: Any = None) -> None:
    from engine.job_kinds import run_due_chunks

    database = _database(url, Path(keys_file))
    start = time.process_time()
    try:
        while True:
            report = run_due_chunks(
                database, now=now, worker=f"bench:{id(database)}", tz=UTC, limit=1, job_id=job_id
            )
            if not report.claimed:
                return
    finally:
        database.dispose()
        if cpu is not None:
            with cpu.get_lock():
                cpu.value += time.process_time() - start


def timed_rescore(
    url: str,
    keys_file: Path,
    *,
    name: str,
    now: datetime,
    workers: int,
    chunk_size: int,
    profile: bool = False,
) -> Timed:
    """Start a rescore at `now` and run it to its end with `workers` processes; its figures."""
    from engine.rescoring import get_rescore, start_rescore

    database = _database(url, keys_file)
    with database.transaction() as session:
        job = start_rescore(
            session, actor="bench", now=now, reason=name, chunk_size=chunk_size, tz=UTC
        )
        job_id = job.id
    assert job_id is not None
    start = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    cpu = context.Value("d", 0.0)
    if profile:
        profiler = cProfile.Profile()
        profiler.runcall(_worker, url, str(keys_file), job_id, now, cpu)
        seconds = time.perf_counter() - start
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        stats.sort_stats(SORT).print_stats(40)
        print(stream.getvalue())
    else:
        processes = [
            context.Process(target=_worker, args=(url, str(keys_file), job_id, now, cpu))
            for _ in range(workers)
        ]
        for process in processes:
            process.start()
        for process in processes:
            process.join()
        seconds = time.perf_counter() - start
    with database.transaction() as session:
        view = get_rescore(session, job_id)
    database.dispose()
    assert view.status == "done", view
    return Timed(name, seconds, view.done, view.changed, view.cases_opened, cpu.value)


def _publish_stricter(url: str, keys_file: Path, folder: Path, *, now: datetime) -> None:
    from engine.templates import import_template

    bundle = folder / "stricter"
    shutil.copytree(EXAMPLE_TEMPLATE, bundle)
    shutil.rmtree(bundle / "tests")
    rules = bundle / "rules" / "credit.rules"
    rules.write_text(
        rules.read_text(encoding="utf-8").replace("high when score >= 60", "high when score >= 55"),
        encoding="utf-8",
    )
    template = bundle / "template.yaml"
    text = template.read_text(encoding="utf-8").replace("version: 1.0.0", "version: 1.1.0")
    template.write_text(text.replace("tests: [tests/cases.yaml]\n", ""), encoding="utf-8")
    database = _database(url, keys_file)
    with database.transaction() as session:
        import_template(session, bundle, actor="bench", now=now, base_currency="CNY")
    database.dispose()


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.rescore", description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000, help="default 1000000")
    parser.add_argument(
        "--database-url", default=None, help="an empty database (default: SQLite in a temp folder)"
    )
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--chunk-size", type=int, default=1000, help="default 1000")
    parser.add_argument(
        "--profile", action="store_true", help="profile the publish rescore in this process"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    console = Console()
    for name, value in harness.machine().items():
        console.print(f"{name}: {value}")
    with tempfile.TemporaryDirectory(prefix="riskdesk-rescore-") as name:
        folder = Path(name)
        url = args.database_url or f"sqlite:///{folder / 'rescore.db'}"
        backend = url.split(":", 1)[0].split("+", 1)[0]
        keys_file = _keys_file(folder)
        seed(url, keys_file, customers=args.customers, console=console)
        options = {"workers": args.workers, "chunk_size": args.chunk_size}

        def report(result: Timed, workers: int) -> None:
            # printed as each one ends: a 1M run takes long
            console.print(
                f"rescore ({backend}, {result.name}, {workers} worker(s), "
                f"chunks of {args.chunk_size}): {result.customers:,} customers in "
                f"{result.seconds:.1f} s, {result.per_second:,.0f} customers/s; "
                f"{result.changed:,} changed, {result.cases_opened:,} cases opened; "
                f"worker CPU {result.cpu_seconds:.1f} s "
                f"({result.cpu_seconds / max(result.customers, 1) * 1e6:,.0f} µs per customer)"
            )

        report(timed_rescore(url, keys_file, name="first", now=NOW, **options), args.workers)
        nightly = NOW + timedelta(hours=1)
        report(timed_rescore(url, keys_file, name="nightly", now=nightly, **options), args.workers)
        later = NOW + timedelta(hours=2)
        _publish_stricter(url, keys_file, folder, now=later)
        publish = timed_rescore(
            url, keys_file, name="publish", now=later, profile=args.profile, **options
        )
        report(publish, 1 if args.profile else args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
