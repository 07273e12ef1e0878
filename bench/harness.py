"""Checking and timing the engines on a portfolio; no printing (see `bench.__main__`).

Timing is single-threaded wall time (`time.perf_counter`) of one loop over the whole portfolio,
with the garbage collector paused as `timeit` does, best of several repeats, after a warm-up.
"""

from __future__ import annotations

import gc
import os
import platform
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

from bench.portfolio import Record
from bench.scorecard import Outcome

Score = Callable[[Record], Outcome]


@dataclass(frozen=True, slots=True)
class Disagreement:
    """One record on which an engine and plain Python differ (or the engine raised)."""

    index: int
    record: Record
    expected: Outcome
    got: Outcome | str


@dataclass(frozen=True, slots=True)
class Timing:
    """The best of the repeats, for one engine over the whole portfolio."""

    seconds: float
    records: int

    @property
    def us_per_record(self) -> float:
        return self.seconds / self.records * 1e6

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds


def machine() -> dict[str, str]:
    """CPU model and count, Python version and today's date, for the report header."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": f"{cpu} ({os.cpu_count()} logical CPUs)",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(terse=True),
        # The benchmark is a tool, not the engine: reading the clock here is fine.
        "date": date.today().isoformat(),
    }


def version_of(engine: ModuleType) -> str:
    """The installed version of the engine's distribution, or the project's for our own code."""
    distribution = engine.DISTRIBUTION or "riskdesk"
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def disagreements(
    score: Score, records: Sequence[Record], expected: Sequence[Outcome], *, limit: int = 5
) -> tuple[list[Disagreement], int]:
    """The first `limit` records where `score` differs from `expected`, and how many differ."""
    found: list[Disagreement] = []
    count = 0
    for index, (record, want) in enumerate(zip(records, expected, strict=True)):
        try:
            got: Outcome | str = score(record)
        except Exception as exc:  # a peer engine's own exception types vary
            got = f"raised {type(exc).__name__}: {exc}"
        if got != want:
            count += 1
            if len(found) < limit:
                found.append(Disagreement(index, record, want, got))
    return found, count


def best_time(
    score_all: Callable[[Sequence[Record]], object],
    records: Sequence[Record],
    *,
    repeat: int,
    warmup: int = 1_000,
) -> Timing:
    """Best wall time of `repeat` runs of `score_all` (an engine's loop over a portfolio, see
    `bench.engines.score_loop`) over `records`, after a warm-up."""
    score_all(records[:warmup])
    best = float("inf")
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            start = time.perf_counter()
            score_all(records)
            best = min(best, time.perf_counter() - start)
            gc.collect()
    finally:
        if was_enabled:
            gc.enable()
    return Timing(best, len(records))


def best_of(action: Callable[[], Any], *, repeat: int) -> float:
    """Best wall time of `repeat` calls of `action`, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def count(items: Iterable[object]) -> dict[object, int]:
    """How often each item occurs, in first-seen order."""
    counts: dict[object, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return counts


def settle(database: Any) -> None:
    """Leave a freshly seeded `database` (an engine.db.Database) as a live one is: the planner's
    statistics (`ANALYZE`) and, on PostgreSQL, the visibility map autovacuum sets after bulk
    inserts (`VACUUM (ANALYZE)`: an index-only scan reads no table page only where vacuum marked
    it all-visible, so without it no count is index-only)."""
    from sqlalchemy import text

    if database.is_sqlite:
        with database.transaction() as session:
            session.execute(text("ANALYZE"))
        return
    with database.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(
            text("VACUUM (ANALYZE)")
        )
