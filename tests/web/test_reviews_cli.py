"""`riskdesk tick --now` fires a template's start_reviews schedule and opens a review case once for
a customer whose next_review_at has come (engine.reviews), however often it is run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from engine import clock
from engine.customers import CustomerInput, upsert_customer
from engine.models import Case
from engine.settings import get_settings
from tests.conftest import MECHANICS_TEMPLATE
from tests.engine.test_reviews import REVIEW
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


def _bundle(tmp_path: Path) -> Path:
    bundle = tmp_path / "bundle"
    shutil.copytree(MECHANICS_TEMPLATE, bundle)
    (bundle / "workflows" / "periodic_review.yaml").write_text(REVIEW, encoding="utf-8")
    template = bundle / "template.yaml"
    text = template.read_text(encoding="utf-8")
    text = text.replace(
        "workflows: [workflows/high_risk_review.yaml]",
        "workflows: [workflows/high_risk_review.yaml, workflows/periodic_review.yaml]",
    ).replace(
        '{id: nightly_rescore, cron: "0 2 * * *", action: rescore_all}',
        '{id: morning_reviews, cron: "0 6 * * *", action: start_reviews}',
    )
    template.write_text(text, encoding="utf-8")
    return bundle


def test_riskdesk_tick_opens_a_review_case_once(cli: CliRunner, tmp_path: Path) -> None:
    imported = cli.invoke(app, ["import", str(_bundle(tmp_path))])
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
