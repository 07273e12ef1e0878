"""`python -m bench.table`: evaluating a ruleset made of one large decision table.

A 5,000-row table on an industry code (equality rows), one on a number (`A to B` ranges, one
`< 0` row) and one mixing both, each with `missing` and `else` rows; each is compiled once and
evaluated on a spread of subjects (every row hit in turn, plus missing and unmatched values).
Tables of more than 16 rows of literals are looked up (equality rows hashed, ranges bisected;
`dsl.lookup`) instead of tested row by row. Figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import dsl

ROWS = 5_000
AS_OF = date(2026, 11, 28)


def _ruleset(table: str) -> str:
    return f"ruleset t\n{table}tiers\n  low otherwise\n"


def equality_table(rows: int) -> str:
    body = "".join(f'  "C{i:05d}" => {i % 40}\n' for i in range(rows - 2))
    return _ruleset(f"table industry on code\n{body}  missing => 5\n  else => 1\n")


def range_table(rows: int) -> str:
    body = "".join(f"  {10 * i} to {10 * i + 9} => {i % 40}\n" for i in range(rows - 3))
    return _ruleset(f"table size on code\n  < 0 => 50\n{body}  missing => 5\n  else => 1\n")


def mixed_table(rows: int) -> str:
    half = (rows - 2) // 2
    body = "".join(f'  "C{i:05d}" => 3\n  {10 * i} to {10 * i + 4} => 4\n' for i in range(half))
    return _ruleset(f"table mixed on code\n{body}  missing => 5\n  else => 1\n")


def subjects(kind: str, rows: int) -> list[Any]:
    if kind == "equality":
        values: list[Any] = [f"C{i:05d}" for i in range(0, rows - 2, 7)]
    elif kind == "ranges":
        values = [10 * i + 3 for i in range(0, rows - 3, 7)] + [-1]
    else:
        values = [f"C{i:05d}" for i in range(0, rows // 2, 7)] + [
            10 * i + 2 for i in range(0, rows // 2, 7)
        ]
    return [*values, None, "unknown", 10**9]


def _time(evaluate: Callable[..., Any], records: list[dict[str, Any]], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for record in records:
            evaluate(record, as_of=AS_OF)
        best = min(best, time.perf_counter() - start)
    return best / len(records)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.table", description=__doc__)
    parser.add_argument("--rows", type=int, default=ROWS, help=f"rows per table (default {ROWS})")
    parser.add_argument("--repeat", type=int, default=5, help="timed loops, best kept (default 5)")
    arguments = parser.parse_args(argv)
    rows = arguments.rows
    for kind, source in (
        ("equality", equality_table(rows)),
        ("ranges", range_table(rows)),
        ("mixed", mixed_table(rows)),
    ):
        start = time.perf_counter()
        compiled = dsl.compile_ruleset(source, filename=f"{kind}.rules")
        compile_s = time.perf_counter() - start
        records = [{"code": value} for value in subjects(kind, rows)]
        per = _time(compiled.evaluate, records, arguments.repeat)
        print(
            f"{rows}-row {kind} table: compile {compile_s * 1000:.0f} ms, "
            f"evaluate {per * 1e6:.2f} µs per record ({len(records)} subjects)"
        )


if __name__ == "__main__":
    main()
