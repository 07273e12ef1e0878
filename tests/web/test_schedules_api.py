"""Template schedules over HTTP and on the command line: `GET /api/v1/schedules` for admins,
`riskdesk schedules`, and the sweep's count of schedules fired."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from engine import clock
from engine.cron import next_fire_at
from engine.db import Database
from tests.conftest import MECHANICS_TEMPLATE
from tests.web.conftest import ApiClient
from web.cli import app

NIGHTLY = {
    "template_key": "manufacturing_credit",
    "id": "nightly_rescore",
    "cron": "0 2 * * *",
    "action": "rescore_all",
    "timezone": "UTC",
    "next_fire_at": "2026-11-29T02:00:00Z",
    "last_fired_at": None,
    "attempts": 0,
    "last_error": None,
}


def test_admins_list_the_schedules_with_their_next_firing(
    workspace: Database, admin_api: ApiClient
) -> None:
    response = admin_api.get("/api/v1/schedules")
    assert response.status_code == 200, response.text
    assert response.json() == [NIGHTLY]


def test_a_sweep_at_two_fires_the_schedule_and_the_list_shows_it(
    workspace: Database, admin_api: ApiClient
) -> None:
    swept = admin_api.post("/api/v1/sweep", json={"now": "2026-11-29T02:00:00Z"})
    assert swept.status_code == 200, swept.text
    assert (swept.json()["schedules"], swept.json()["failed"]) == (1, 0)
    assert (
        admin_api.post("/api/v1/sweep", json={"now": "2026-11-29T02:00:00Z"}).json()["schedules"]
        == 0
    )
    (listed,) = admin_api.get("/api/v1/schedules").json()
    assert listed["last_fired_at"] == "2026-11-29T02:00:00Z"
    assert listed["next_fire_at"] == "2026-11-30T02:00:00Z"


def test_a_caller_without_system_sweep_is_refused(workspace: Database, api: ApiClient) -> None:
    cfo = api.as_user("carl", ["cfo"])
    response = cfo.get("/api/v1/schedules")
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("RISKDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("RISKDESK_TIMEZONE", "Asia/Shanghai")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    return runner


def test_riskdesk_schedules_lists_them_in_workspace_time_after_import(cli: CliRunner) -> None:
    assert cli.invoke(app, ["schedules"]).stdout.strip() == (
        "No schedules: the imported templates list none."
    )
    imported = cli.invoke(app, ["import", str(MECHANICS_TEMPLATE)])
    assert imported.exit_code == 0, imported.output
    listed = cli.invoke(app, ["schedules"])
    assert listed.exit_code == 0, listed.output
    # the workspace's zone is the schedule's: 02:00 in Shanghai, shown in Shanghai time
    assert listed.stdout.splitlines() == [
        "Schedules (times in Asia/Shanghai):",
        "  nightly_rescore (manufacturing_credit): 0 2 * * * in Asia/Shanghai, rescore_all; "
        f"next {_next_two_am_in_shanghai()}; last fired never",
    ]


def _next_two_am_in_shanghai() -> str:
    now = clock.utcnow()
    found = next_fire_at("0 2 * * *", timezone="Asia/Shanghai", after=now)
    return found.astimezone(ZoneInfo("Asia/Shanghai")).isoformat(sep=" ", timespec="minutes")


def test_riskdesk_tick_counts_the_schedules_it_fired(cli: CliRunner) -> None:
    assert cli.invoke(app, ["import", str(MECHANICS_TEMPLATE)]).exit_code == 0
    ticked = cli.invoke(app, ["tick", "--now", "2100-01-01T02:00"])
    assert ticked.exit_code == 0, ticked.output
    assert "1 schedules fired" in ticked.stdout
    again = cli.invoke(app, ["tick", "--now", "2100-01-01T02:00"])
    assert "0 schedules fired" in again.stdout
