"""`riskdesk workflow simulate FILE --events SCENARIO`: the timeline of a scripted scenario,
offline; exit 1 with positioned errors for a bad scenario or workflow."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLE_TEMPLATE
from web.cli import app

REVIEW = EXAMPLE_TEMPLATE / "workflows" / "high_risk_review.yaml"
SCENARIO = Path(__file__).parents[1] / "workflows" / "data" / "review_scenario.yaml"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("COLUMNS", "250")  # one table row per line
    return CliRunner()


def test_simulate_prints_the_timeline_of_the_example_workflow(runner: CliRunner) -> None:
    result = runner.invoke(app, ["workflow", "simulate", str(REVIEW), "--events", str(SCENARIO)])

    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if line.startswith("│ 2026")]
    assert [row.split("│")[2].strip() for row in rows] == [
        "sales_review",
        "sales_review",
        "sales_review",
        "finance_approval",
        "closed",
    ]
    assert "escalation level 1" in rows[1] and "role department_head" in rows[1]
    assert "li.wei takes 'propose_terms': refused" in rows[2]
    assert "change terms payment_terms_days=30" in rows[4]


def test_simulate_reports_a_bad_scenario_at_its_position(runner: CliRunner, tmp_path: Path) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text("start: {at: 2026-03-02T09:00:00Z}\nevents:\n  - {at: soon, tick: true}\n")

    result = runner.invoke(app, ["workflow", "simulate", str(REVIEW), "--events", str(scenario)])

    assert result.exit_code == 1
    assert f"{scenario}:3:10: error: expected a moment such as 2026-03-02T09:00:00Z" in (
        result.output
    )


def test_simulate_reports_a_bad_workflow_without_template(
    runner: CliRunner, tmp_path: Path
) -> None:
    flow = tmp_path / "wf.yaml"
    flow.write_text(
        "workflow: w\ntrigger: {on: tier_changed}\nstart: a\nsteps:\n"
        "  a:\n    assignee: {role: nobody}\n    actions:\n      done: {to: closed}\n"
    )

    refused = runner.invoke(app, ["workflow", "simulate", str(flow), "--events", str(SCENARIO)])
    allowed = runner.invoke(
        app, ["workflow", "simulate", str(flow), "--events", str(SCENARIO), "--role", "nobody"]
    )

    assert refused.exit_code == 1
    assert f"{flow}:6:" in refused.output and "nobody" in refused.output
    assert allowed.exit_code == 0, allowed.output
    assert "li.wei takes 'propose_terms': refused: step 'a' has no action" in allowed.output


def test_simulate_refuses_a_file_outside_the_given_template(
    runner: CliRunner, tmp_path: Path
) -> None:
    other = tmp_path / "wf.yaml"
    other.write_text(REVIEW.read_text())

    result = runner.invoke(
        app,
        [
            "workflow",
            "simulate",
            str(other),
            "--events",
            str(SCENARIO),
            "--template",
            str(EXAMPLE_TEMPLATE),
        ],
    )

    assert result.exit_code == 1
    assert "is not one of the workflows of the template" in result.output
