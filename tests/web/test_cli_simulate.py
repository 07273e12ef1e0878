"""`riskdesk simulate RULES_FILE`: positioned errors and exit 1 for a bad file; for a good one
the migration matrix, exposure moves, cases, rule changes, movers and checks, writing nothing but
the simulation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import col, select
from typer.testing import CliRunner

from engine import clock
from engine.customers import CustomerInput, upsert_customer
from engine.db import Database
from engine.keys import load_keys
from engine.models import Assessment, AuditEntry, Case, Customer, Job, SpecVersion
from tests.conftest import EXAMPLE_TEMPLATE
from tests.engine.test_simulation import BROKEN, PORTFOLIO, stricter
from web.cli import app

SOURCE = (EXAMPLE_TEMPLATE / "rules" / "credit.rules").read_text(encoding="utf-8")


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[CliRunner, Database]]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("RISKDESK_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    imported = runner.invoke(app, ["import", str(EXAMPLE_TEMPLATE)])
    assert imported.exit_code == 0, imported.output
    database = Database(url, keys=load_keys(database_url=url))
    for ref, data in PORTFOLIO.items():
        with database.transaction() as session:
            upsert_customer(
                session,
                ref,
                CustomerInput(
                    name=data["name"],
                    department="east",
                    data=data,
                    terms={"credit_limit": 1_000_000, "payment_terms_days": 60},
                ),
                actor="test",
                now=clock.utcnow(),
                tz=UTC,
            )
    yield runner, database
    database.dispose()


def counts(database: Database) -> tuple[int, ...]:
    with database.transaction() as session:
        return tuple(
            session.exec(select(func.count()).select_from(table)).one()
            for table in (Customer, Assessment, Case, SpecVersion)
        )


def test_a_rules_file_with_an_error_is_refused_with_its_position(
    cli: tuple[CliRunner, Database], tmp_path: Path
) -> None:
    runner, database = cli
    bad = tmp_path / "bad.rules"
    bad.write_text(SOURCE.replace("max_overdue_days > 90", "max_overdue_dayz > 90"), "utf-8")
    line = SOURCE.splitlines().index("  when max_overdue_days > 90") + 1
    result = runner.invoke(app, ["simulate", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:{line}:8: error: unknown field 'max_overdue_dayz'" in result.stderr
    assert "1 error(s) in" in result.stderr
    with database.transaction() as session:
        assert session.exec(select(func.count()).select_from(Job)).one() == 0


def test_a_rules_file_is_simulated_and_reported_without_being_saved(
    cli: tuple[CliRunner, Database], tmp_path: Path
) -> None:
    runner, database = cli
    before = counts(database)
    rules = tmp_path / "stricter.rules"
    rules.write_text(stricter(SOURCE), encoding="utf-8")
    result = runner.invoke(app, ["simulate", str(rules), "--top", "5"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "4 customer(s), 2 change tier." in out
    assert "Tier migration (published → draft, customers)" in out
    assert "Cases that would open: high_risk_review: 1" in out
    assert "C-B" in out and "C-D" in out and "moderate_overdue 15→30" in out
    assert "rule(s) never fire on the portfolio" in out and "dormant" in out
    assert counts(database) == before  # the draft is not saved; nothing is scored
    with database.transaction() as session:
        jobs = session.exec(select(Job)).all()
        actions = session.exec(
            select(AuditEntry.action, AuditEntry.actor)
            .where(col(AuditEntry.action).startswith("job."))
            .order_by(col(AuditEntry.id))
        ).all()
    assert [(j.kind, j.status, j.params["draft_version"]) for j in jobs] == [
        ("simulation", "done", None)
    ]
    assert actions == [("job.started", "cli"), ("job.finished", "system")]


def test_a_broken_direction_is_reported_with_its_counterexample(
    cli: tuple[CliRunner, Database], tmp_path: Path
) -> None:
    runner, _ = cli
    rules = tmp_path / "broken.rules"
    rules.write_text(SOURCE.replace("\ntiers\n", BROKEN + "\ntiers\n"), encoding="utf-8")
    result = runner.invoke(app, ["simulate", str(rules), "--as-of", "2026-11-28"])
    assert result.exit_code == 0, result.output
    assert (
        "Check: raising max_overdue_days lowers the score or tier (2 pair(s)); e.g. C-A: "
        "max_overdue_days 0 → 60, score 40 → 5, tier medium → low"
    ) in result.stdout
    bad_day = runner.invoke(app, ["simulate", str(rules), "--as-of", "soon"])
    assert bad_day.exit_code == 1
    assert "--as-of: 'soon' is not a date" in bad_day.stderr
