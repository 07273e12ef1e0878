"""`riskdesk tick --now` fires a template's start_reviews schedule and opens a review case once for
a customer whose next_review_at has come (engine.reviews), however often it is run."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from engine import clock
from engine.customers import CustomerInput, upsert_customer
from engine.models import Case
from engine.settings import get_settings
from tests.engine.test_reviews import REVIEW, reviewing_bundle
from tests.web.conftest import HEALTHY
from web.cli import app
from web.cli_common import _database


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("RISKDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("RISKDESK_TIMEZONE", "Asia/Shanghai")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    return runner


def test_riskdesk_tick_opens_a_review_case_once(cli: CliRunner, tmp_path: Path) -> None:
    imported = cli.invoke(app, ["import", str(reviewing_bundle(tmp_path, REVIEW))])
    assert imported.exit_code == 0, imported.output
    database = _database(get_settings())
    try:
        with database.transaction() as session:
            upsert_customer(
                session,
                "C-1",
                CustomerInput(name="Due Co.", data=HEALTHY, terms={"next_review_at": "2100-01-01"}),
                actor="api",
                now=clock.utcnow(),
                tz=get_settings().tz,
            )

        first = cli.invoke(app, ["tick", "--now", "2100-01-01T06:00"])  # Shanghai time
        again = cli.invoke(app, ["tick", "--now", "2100-01-02T06:00"])

        assert first.exit_code == 0, first.output
        assert "1 schedules fired, 1 job chunks processed" in first.stdout
        assert "1 schedules fired, 1 job chunks processed" in again.stdout
        with database.transaction() as session:
            cases = session.exec(select(Case).where(Case.workflow_key == "periodic_review")).all()
        assert [(c.status, c.context["reasons"]) for c in cases] == [
            ("open", [{"trigger": "review_due", "due": "2100-01-01"}])
        ]
    finally:
        database.dispose()
