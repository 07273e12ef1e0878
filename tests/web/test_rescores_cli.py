"""`riskdesk rescore` through typer's CliRunner, on the test database of each backend."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from engine.db import Database
from engine.keys import write_keys_file
from engine.models import Assessment, Job
from tests.conftest import TEST_KEYS
from tests.engine.portfolio_seed import publish_stricter_ruleset, seed_portfolio
from tests.web.conftest import NOW
from web.cli import app

LATER = "2026-12-20T09:00"


@pytest.fixture
def runner(workspace: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    keys_file = tmp_path / "riskdesk.keys.json"
    write_keys_file(keys_file, TEST_KEYS)
    monkeypatch.setenv("RISKDESK_DATABASE_URL", workspace.url)
    monkeypatch.setenv("RISKDESK_KEYS_FILE", str(keys_file))
    monkeypatch.setenv("RISKDESK_TIMEZONE", "UTC")
    monkeypatch.chdir(tmp_path)  # no stray .env file is read
    return CliRunner()


def test_rescore_scores_the_portfolio_and_prints_the_summary(
    workspace: Database, runner: CliRunner, tmp_path: Path
) -> None:
    seed_portfolio(workspace, 6, now=NOW)
    publish_stricter_ruleset(workspace, tmp_path, now=NOW)
    result = runner.invoke(
        app, ["rescore", "--as-of", "2026-12-19", "--chunk-size", "4", "--now", LATER]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Rescore 1 started."
    assert lines[1:3] == ["rescore 1: 4/6 customers", "rescore 1: 6/6 customers"]
    assert lines[-1].startswith(
        "Rescore 1 done: 6 of 6 customers scored as of 2026-12-19, 6 changed"
    )
    assert lines[-1].endswith(" case(s) opened.")
    with workspace.transaction() as session:
        dates = set(
            session.exec(select(col(Assessment.as_of)).where(Assessment.ruleset_version == 2)).all()
        )
        job = session.get(Job, 1)
    assert dates == {date(2026, 12, 19)}
    assert job is not None and (job.created_by, job.params["reason"]) == ("cli", "manual")

    # resuming a finished rescore prints its summary again and does nothing else
    again = runner.invoke(app, ["rescore", "--resume", "1", "--now", LATER])
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines() == [lines[-1]]


def test_rescore_refuses_bad_options_in_one_line(runner: CliRunner) -> None:
    bad_date = runner.invoke(app, ["rescore", "--as-of", "soon"])
    assert bad_date.exit_code == 1
    assert "--as-of: 'soon' is not a date such as 2026-12-01" in bad_date.stderr
    bad_size = runner.invoke(app, ["rescore", "--chunk-size", "0"])
    assert bad_size.exit_code == 1 and "--chunk-size must be at least 1" in bad_size.stderr
    unknown = runner.invoke(app, ["rescore", "--resume", "77"])
    assert unknown.exit_code == 1 and "there is no rescore 77" in unknown.stderr
