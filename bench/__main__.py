"""`python -m bench`: check every engine against plain Python on a portfolio, then time them all."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from types import ModuleType

from rich.console import Console
from rich.table import Table

from bench import engines, harness
from bench.cases import EDGE_CASES
from bench.engines import plain
from bench.portfolio import on_threshold, portfolio
from bench.scorecard import RULES, Outcome

TARGET_RATIO = 1.5  # riskdesk's target: within 1.5× of hand-written Python (1.2× the aim)
COMPILE_RULES = 500


def _key(engine: ModuleType) -> str:
    """The engine's key in `engines.ENGINE_MODULES` (its module's last name)."""
    return engine.__name__.rsplit(".", 1)[-1]


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--n", type=int, default=100_000, help="customers (default 100000)")
    parser.add_argument("--seed", type=int, default=7, help="portfolio seed (default 7)")
    parser.add_argument("--repeat", type=int, default=3, help="timed loops, best kept (default 3)")
    parser.add_argument(
        "--engines",
        default=",".join(engines.ENGINE_MODULES),
        help=f"comma-separated subset of: {', '.join(engines.ENGINE_MODULES)}",
    )
    parser.add_argument(
        "--compile-rules", type=int, default=COMPILE_RULES, help="size of the generated ruleset"
    )
    return parser.parse_args(argv)


def _portfolio_summary(
    console: Console, records: list[dict[str, object]], outcomes: list[Outcome]
) -> None:
    n = len(records)
    tiers = harness.count(tier for _, tier, _ in outcomes)
    fired = [rule_id for _, _, ids in outcomes for rule_id in ids]
    per_rule = harness.count(fired)
    thresholds = sum(len(on_threshold(record)) for record in records)
    mix = " / ".join(f"{tiers.get(t, 0) / n:.1%} {t}" for t in ("low", "medium", "high"))
    console.print(f"tier mix: {mix}; rules fired per customer: {len(fired) / n:.2f}")
    console.print(
        "fire rates: "
        + ", ".join(f"{rule_id} {per_rule.get(rule_id, 0) / n:.1%}" for rule_id, _, _ in RULES)
    )
    console.print(
        f"values exactly on a threshold: {thresholds / (n * 11):.1%} of the 11 thresholded fields"
    )


def _prepare(console: Console, keys: list[str]) -> tuple[list[ModuleType], dict[str, float]]:
    """The engines that could be prepared, and each one's preparation time."""
    ready: list[ModuleType] = []
    prepare_seconds: dict[str, float] = {}
    for key in keys:
        engine = engines.load(key)
        start = time.perf_counter()
        try:
            engine.prepare()
        except ModuleNotFoundError as exc:
            if engine.DISTRIBUTION is None:
                raise
            console.print(
                f"[yellow]skipped[/] {engine.NAME}: {exc.name} is not installed "
                "(`make bench` installs bench/requirements.txt into .venv-bench)"
            )
            continue
        prepare_seconds[key] = time.perf_counter() - start
        ready.append(engine)
    return ready, prepare_seconds


def _report_disagreements(
    console: Console, engine: ModuleType, found: list[harness.Disagreement], total: int
) -> None:
    console.print(f"[red bold]{engine.NAME}: {total} record(s) disagree with plain Python[/]")
    for item in found:
        console.print(f"  record {item.index}: {item.record}")
        console.print(f"    expected: {item.expected}")
        console.print(f"    {_key(engine)}: {item.got}")


def _compile_time(console: Console, n_rules: int) -> None:
    try:
        import dsl

        compile_ruleset = dsl.compile_ruleset
    except (ImportError, AttributeError):
        console.print("compile time: skipped, dsl.compile_ruleset is not available")
        return
    from bench.engines.riskdesk import compile_scorecard
    from bench.generated import ruleset_source

    source = ruleset_source(n_rules)
    seconds = harness.best_of(
        lambda: compile_ruleset(source, filename=f"generated_{n_rules}.rules"), repeat=3
    )
    scorecard = harness.best_of(compile_scorecard, repeat=3)
    console.print(
        f"riskdesk compile time: {n_rules}-rule generated ruleset {seconds * 1e3:.0f} ms "
        f"(best of 3, {len(source.splitlines())} lines); "
        f"the 16-rule scorecard {scorecard * 1e3:.1f} ms"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 1 if an engine disagrees with plain Python, else 0."""
    args = _arguments(argv)
    keys = [key.strip() for key in args.engines.split(",") if key.strip()]
    if "plain" not in keys:
        keys.insert(0, "plain")
    console = Console()
    if not console.is_terminal:  # a log file or pipe: keep table rows on one line
        console = Console(width=120)
    for name, value in harness.machine().items():
        console.print(f"{name}: {value}")

    start = time.perf_counter()
    records = portfolio(args.n, seed=args.seed)
    console.print(
        f"portfolio: {args.n:,} customers, seed {args.seed}, "
        f"generated in {time.perf_counter() - start:.1f} s"
    )
    expected = [plain.score(record) for record in records]
    _portfolio_summary(console, records, expected)

    ready, prepare_seconds = _prepare(console, keys)
    # The edge cases are checked too, against their stated outcome (plain Python included).
    checked = records + [case.record for case in EDGE_CASES]
    wanted = expected + [case.expected for case in EDGE_CASES]
    failed = False
    for engine in ready:
        found, total = harness.disagreements(engine.score, checked, wanted)
        if total:
            failed = True
            _report_disagreements(console, engine, found, total)
    if failed:
        console.print("[red bold]aborted: engines must agree before they are timed[/]")
        return 1
    console.print(
        f"all {len(ready)} engines agree with plain Python on all {args.n:,} customers "
        f"and on the {len(EDGE_CASES)} edge cases of SCORECARD.md"
    )

    timings = {
        engine.__name__: harness.best_time(engines.score_loop(engine), records, repeat=args.repeat)
        for engine in ready
    }
    baseline = timings[plain.__name__].us_per_record
    table = Table(
        title=f"Reference scorecard, {args.n:,} customers, single thread, best of {args.repeat}"
    )
    table.add_column("engine", no_wrap=True)
    table.add_column("version", no_wrap=True)
    table.add_column("µs / customer", justify="right")
    table.add_column("customers / s", justify="right")
    table.add_column("× plain Python", justify="right")
    table.add_column("prepare", justify="right")
    for engine in ready:
        timing = timings[engine.__name__]
        ratio = timing.us_per_record / baseline
        style = "red" if _key(engine).startswith("riskdesk") and ratio > TARGET_RATIO else None
        table.add_row(
            engine.NAME,
            harness.version_of(engine),
            f"{timing.us_per_record:.2f}",
            f"{timing.records_per_second:,.0f}",
            f"{ratio:.2f}",
            f"{prepare_seconds[_key(engine)] * 1e3:.1f} ms",
            style=style,
        )
    console.print(table)
    for engine in ready:
        console.print(f"  {engine.NAME}: {engine.DESCRIPTION}")
    for engine in ready:
        if hasattr(engine, "score_all"):  # timed inline: show what the adapter costs too
            adapter = harness.best_time(engines.adapter_loop(engine), records, repeat=args.repeat)
            console.print(
                f"  {engine.NAME} through `score(record)`, one more Python call per record: "
                f"{adapter.us_per_record:.2f} µs, {adapter.us_per_record / baseline:.2f}× plain"
            )
    if "riskdesk" in keys:
        _compile_time(console, args.compile_rules)
    return 0


if __name__ == "__main__":
    sys.exit(main())
