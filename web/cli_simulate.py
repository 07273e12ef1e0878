"""`riskdesk simulate RULES_FILE`: a rules file scored beside the published ruleset on the live
portfolio, with a progress bar, then the tier migration matrix, the exposure that moves, the
cases that would open, the rules that fire more or less often, the top movers and the checks.

The file is not saved anywhere: the simulation itself (a job, its chunks and movers, audited as
`job.started`/`job.finished` by `cli`) is all that is written.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from engine import clock
from engine.settings import get_settings
from web.cli_common import CLI_ACTOR, _database, _err, _fail, _out

# While another process holds the remaining chunks, wait this long between looks.
POLL_SECONDS = 0.5


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"cannot read {path}: {exc}")


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"--as-of: '{text}' is not a date such as 2026-01-01")


def _located(diagnostics: Sequence[Any], path: Path) -> list[Any]:
    """The diagnostics pointing at `path`, the file as the user named it."""
    return [
        dataclasses.replace(d, span=dataclasses.replace(d.span, file=str(path)))
        if d.span is not None
        else d
        for d in diagnostics
    ]


def simulate(
    rules_file: Annotated[Path, typer.Argument(help="The rules file to simulate.")],
    key: Annotated[
        str | None,
        typer.Option("--key", help="The ruleset it would replace (default: the scoring one)."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Score as on this day, YYYY-MM-DD: later events do not count."
        ),
    ] = None,
    top: Annotated[int, typer.Option(help="How many movers to list.", min=0, max=200)] = 10,
) -> None:
    """Simulate a rules file against the live portfolio: whom it moves, and the checks."""
    from dsl import render_all
    from engine import drafts, specs
    from engine.job_kinds import run_due_chunks
    from engine.models import SpecKind
    from engine.scheduler import worker_name
    from engine.simulation import list_movers, simulation_view, start_simulation

    source = _read(rules_file)
    day = _day(as_of)
    settings = get_settings()
    database = _database(settings)
    with database.transaction() as session:
        key = key or specs.scoring_ruleset(session).key
        diagnostics = _located(
            drafts.check_source(session, SpecKind.RULESET, key, source), rules_file
        )
    if diagnostics:
        _err().print(render_all(diagnostics, {str(rules_file): source}), markup=False)
    errors = sum(1 for d in diagnostics if d.is_error)
    if errors:
        _err().print(f"{errors} error(s) in {rules_file}", markup=False)
        raise typer.Exit(1)
    with database.transaction() as session:
        job = start_simulation(
            session,
            key,
            as_of=day,
            actor=CLI_ACTOR,
            now=clock.utcnow(),
            scope=None,
            tz=settings.tz,
            source=source,
        )
        assert job.id is not None
        job_id, total = job.id, job.total
    worker = f"cli:{worker_name()}"
    columns = (TextColumn("Simulating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=_err(), transient=True) as progress:
        task = progress.add_task("simulate", total=total)
        while True:
            report = run_due_chunks(
                database, now=clock.utcnow(), worker=worker, tz=settings.tz, job_id=job_id
            )
            with database.transaction() as session:
                view = simulation_view(session, job_id, scope=None)
            progress.update(task, completed=view.done)
            if view.status not in ("queued", "running"):
                break
            if not report.claimed:  # the rest is claimed by another process (a server)
                time.sleep(POLL_SECONDS)
    if view.status != "done" or view.result is None:
        _fail(f"the simulation {view.status}: {view.error or 'no result'}")
    with database.transaction() as session:
        movers = list_movers(session, job_id, scope=None, limit=top).items if top else ()
    report_result(_out(), view.result, movers, source=str(rules_file), simulation_id=job_id)


def _tier(tier: str | None) -> str:
    return tier if tier is not None else "(none)"


def _money(value: Any) -> str:
    return f"{value:,.2f}" if isinstance(value, int | float) else str(value)


def _matrix(result: Mapping[str, Any]) -> Table:
    """Published tiers down, draft tiers across, customers in each cell."""
    cells = {(c["from_tier"], c["to_tier"]): c["customers"] for c in result["matrix"]}
    tiers = list(result["tiers"])
    rows = list(dict.fromkeys([c["from_tier"] for c in result["matrix"]]))
    table = Table(title="Tier migration (published → draft, customers)", title_justify="left")
    table.add_column("published \\ draft")
    for tier in tiers:
        table.add_column(tier, justify="right")
    for row in rows:
        table.add_row(_tier(row), *(str(cells.get((row, tier), 0)) for tier in tiers))
    return table


def _rule_changes(mover: Any) -> str:
    parts = [f"+{r['id']} ({r['points']:+})" for r in mover.started_firing]
    parts += [f"-{r['id']} ({r['points']:+})" for r in mover.stopped_firing]
    parts += [f"{r['id']} {r['from_points']}→{r['to_points']}" for r in mover.points_changed]
    return ", ".join(parts)


def report_result(
    out: Console,
    result: Mapping[str, Any],
    movers: Sequence[Any],
    *,
    source: str,
    simulation_id: int,
) -> None:
    """Print a simulation's result as `riskdesk simulate` shows it."""
    published = result["published_version"]
    against = f"published v{published}" if published is not None else "nothing published"
    out.print(
        f"Simulation {simulation_id}: {source} as ruleset {result['ruleset']} against {against}, "
        f"as of {result['as_of']}: {result['customers']} customer(s), "
        f"{result['movers']} change tier.",
        markup=False,
    )
    out.print(_matrix(result))
    moves = Table(title="Exposure moving between tiers", title_justify="left")
    for name, justify in (("from", "left"), ("to", "left"), ("customers", "right")):
        moves.add_column(name, justify=justify)  # type: ignore[arg-type]
    moves.add_column("exposure", justify="right")
    for cell in result["exposure_moves"]:
        moves.add_row(
            _tier(cell["from_tier"]),
            _tier(cell["to_tier"]),
            str(cell["customers"]),
            _money(cell["exposure"]),
        )
    out.print(moves if result["exposure_moves"] else "No customer changes tier.", markup=False)
    if result["exposure_missing"]:
        out.print(
            f"{result['exposure_missing']} customer(s) have no outstanding balance "
            "in the base currency (counted as 0).",
            markup=False,
        )
    for case in result["cases"]:
        out.print(f"Cases that would open: {case['workflow']}: {case['cases']}", markup=False)
    changed = [r for r in result["rules"] if r["change"]]
    if changed:
        rules = Table(title="Rules firing more or less often", title_justify="left")
        for name in ("rule", "published", "draft", "change"):
            rules.add_column(name, justify="left" if name == "rule" else "right")
        for rule in changed:
            rules.add_row(
                rule["id"], str(rule["published"]), str(rule["draft"]), f"{rule['change']:+}"
            )
        out.print(rules)
    else:
        out.print("Every rule fires as often as before.", markup=False)
    if movers:
        table = Table(title=f"Top {len(movers)} mover(s)", title_justify="left")
        for name in ("customer", "tier", "score", "rules"):
            table.add_column(name)
        for mover in movers:
            table.add_row(
                mover.customer_ref,
                f"{_tier(mover.from_tier)} → {_tier(mover.to_tier)}",
                f"{mover.from_score} → {mover.to_score}",
                _rule_changes(mover),
            )
        out.print(table)
    _checks(out, result["checks"])


def _checks(out: Console, checks: Mapping[str, Any]) -> None:
    never = checks["never_fired"]
    if never:
        names = ", ".join(r["id"] for r in never)
        out.print(f"Check: {len(never)} rule(s) never fire on the portfolio: {names}", markup=False)
    for v in checks["monotonicity"]:
        more = "raises" if v["direction"] == "down" else "lowers"
        out.print(
            f"Check: raising {v['field']} {more} the score or tier ({v['violations']} pair(s)); "
            f"e.g. {v['customer_ref']}: {v['field']} {v['from_value']} → {v['to_value']}, "
            f"score {v['from_score']} → {v['to_score']}, tier {v['from_tier']} → {v['to_tier']}",
            markup=False,
        )
    if not never and not checks["monotonicity"]:
        out.print("Checks: every rule fires; every declared risk direction holds.", markup=False)
