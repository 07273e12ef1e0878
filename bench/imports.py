"""`python -m bench.imports`: a bulk import of generated customers, read, stored and scored.

The example template is imported into a fresh database; then the demo's synthetic portfolio
(`engine.portfolio`, `--customers` rows, 100,000 by default) is written as one CSV file (with
thousand separators in the money columns, as a finance export has them) and imported with
`engine.imports.import_rows` in all-or-nothing mode, in one transaction, as `riskdesk
import-data customers FILE.csv` does: each row validated, stored, scored, audited, opening the
cases its tier calls for. It prints the time to read the file, to import it, and the time of a
second import of the same file (every row unchanged). `--profile FILE` writes a cProfile of the
import. Target (issue 11): 100,000 rows in under 60 s on SQLite.

SQLite by default (a file in a temporary folder); `--database-url` points it at an empty
PostgreSQL database instead (its tables are created, filled and left there).
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
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
TARGET_SECONDS = 60.0
TARGET_ROWS = 100_000
MONEY_COLUMNS = ("registered_capital", "outstanding_balance", "credit_limit")


@dataclass(frozen=True, slots=True)
class ImportRun:
    """What one run did and how long each part took, in seconds."""

    rows: int
    created: int
    rejected: int
    cases_opened: int
    read_seconds: float
    import_seconds: float
    import_cpu_seconds: float  # this process's CPU time for the import (a shared machine's
    # wall time includes waiting for the CPU)
    again_seconds: float
    again_unchanged: int

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.import_seconds if self.import_seconds else 0.0


def portfolio_csv(customers: int) -> bytes:
    """`customers` generated customers as a CSV file (UTF-8), money with thousand separators."""
    from engine import portfolio

    records = list(portfolio.generate_customers(customers, seed=SEED))
    columns = list(dict.fromkeys(key for record in records for key in record))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        row = []
        for column in columns:
            value = record.get(column)
            if value is None:
                row.append("")
            elif isinstance(value, bool):
                row.append("true" if value else "false")
            elif column in MONEY_COLUMNS and isinstance(value, int | float):
                row.append(f"{value:,}")
            else:
                row.append(str(value))
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def run(database_url: str, *, customers: int, profile: Path | None = None) -> ImportRun:
    """Import the example template into the (empty) database at `database_url`, then import a
    file of `customers` generated customers, twice."""
    from engine.db import Database, upgrade
    from engine.imports import import_rows
    from engine.keys import generate_keys
    from engine.templates import import_template
    from forms import read_table

    upgrade(database_url)
    database = Database(database_url, keys=generate_keys())
    try:
        with database.transaction() as session:
            import_template(session, EXAMPLE_TEMPLATE, actor=ACTOR, now=NOW, base_currency="CNY")
        data = portfolio_csv(customers)
        start = time.perf_counter()
        table = read_table(data, filename="portfolio.csv")
        read_seconds = time.perf_counter() - start
        profiler = cProfile.Profile() if profile is not None else None
        start = time.perf_counter()
        cpu = time.process_time()
        if profiler is not None:
            profiler.enable()
        with database.transaction() as session:
            report = import_rows(
                session, "customers", table, mode="all-or-nothing", actor=ACTOR, now=NOW, tz=UTC
            )
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(str(profile))
        import_seconds = time.perf_counter() - start
        import_cpu_seconds = time.process_time() - cpu
        start = time.perf_counter()
        with database.transaction() as session:
            again = import_rows(
                session, "customers", table, mode="all-or-nothing", actor=ACTOR, now=NOW, tz=UTC
            )
        again_seconds = time.perf_counter() - start
        return ImportRun(
            rows=report.rows,
            created=report.created,
            rejected=report.rejected,
            cases_opened=report.cases_opened,
            read_seconds=read_seconds,
            import_seconds=import_seconds,
            import_cpu_seconds=import_cpu_seconds,
            again_seconds=again_seconds,
            again_unchanged=again.unchanged,
        )
    finally:
        database.dispose()


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.imports", description=__doc__)
    parser.add_argument(
        "--customers", type=int, default=TARGET_ROWS, help=f"rows (default {TARGET_ROWS:,})"
    )
    parser.add_argument(
        "--database-url", default=None, help="an empty database (default: SQLite in a temp folder)"
    )
    parser.add_argument("--profile", type=Path, default=None, help="write a cProfile here")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    console = Console(soft_wrap=True)
    for name, value in harness.machine().items():
        console.print(f"{name}: {value}")
    with tempfile.TemporaryDirectory(prefix="riskdesk-imports-") as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'imports.db'}"
        backend = url.split(":", 1)[0]
        result = run(url, customers=args.customers, profile=args.profile)
    # the target scaled to the rows run, for a shorter run's verdict
    target = TARGET_SECONDS * result.rows / TARGET_ROWS
    verdict = "met" if result.import_seconds < target else "NOT met"
    console.print(
        f"import ({backend}): {result.rows:,} rows read in {result.read_seconds:.2f} s, imported "
        f"and scored in {result.import_seconds:.1f} s ({result.rows_per_second:,.0f} rows/s, "
        f"{result.import_seconds / max(result.rows, 1) * 1e3:.2f} ms a row; CPU "
        f"{result.import_cpu_seconds:.1f} s, "
        f"{result.import_cpu_seconds / max(result.rows, 1) * 1e3:.2f} ms a row): "
        f"{result.created:,} created, {result.rejected:,} rejected, "
        f"{result.cases_opened:,} case(s) opened; the same file again "
        f"{result.again_seconds:.1f} s ({result.again_unchanged:,} unchanged). "
        f"Target {target:.3g} s for {result.rows:,} rows: {verdict}."
    )
    return 0 if result.rejected == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
