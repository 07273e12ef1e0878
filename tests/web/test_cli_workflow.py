"""`riskdesk workflow simulate FILE --events SCENARIO`: the timeline of a scripted scenario,
offline; exit 1 with positioned errors for a bad scenario or workflow."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLE_TEMPLATE, ROOT
from tests.workflows.conftest import HIGH_RISK_REVIEW_LITERAL, ROLES
from web.cli import app

REVIEW = EXAMPLE_TEMPLATE / "workflows" / "high_risk_review.yaml"
SCENARIO = Path(__file__).parents[1] / "workflows" / "data" / "review_scenario.yaml"
CLI_DOCS = ROOT / "docs" / "cli.md"
# the example of docs/cli.md, "riskdesk workflow simulate": its scenario, then its output
DOCS_COMMAND = (
    "$ riskdesk workflow simulate examples/manufacturing_credit/workflows/high_risk_review.yaml "
    "--events review.yaml\n"
)


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("COLUMNS", "250")  # one table row per line
    return CliRunner()


def test_simulate_prints_the_timeline_of_a_review_workflow(
    runner: CliRunner, tmp_path: Path
) -> None:
    flow = tmp_path / "high_risk_review.yaml"
    flow.write_text(HIGH_RISK_REVIEW_LITERAL)
    roles = [arg for r in ROLES for arg in ("--role", r)]

    result = runner.invoke(
        app, ["workflow", "simulate", str(flow), "--events", str(SCENARIO), *roles]
    )

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


def test_simulate_prints_dates_as_iso_text_not_python_reprs(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # the effects of the last row on one line
    scenario = tmp_path / "review.yaml"
    scenario.write_text(_docs_example()[0])

    result = runner.invoke(app, ["workflow", "simulate", str(REVIEW), "--events", str(scenario)])

    assert result.exit_code == 0, result.output
    closed = [line for line in result.output.splitlines() if line.startswith("│ 2026")][-1]
    effects = closed.split("│")[5].strip()
    assert effects == (
        "change terms credit_limit=500000, payment_terms_days=30, prepayment_pct=0.3, "
        "order_hold=False, next_review_at=2026-06-03"
    )
    assert "datetime." not in result.output


def test_the_cli_docs_show_what_simulate_prints(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    scenario_text, shown = _docs_example()
    scenario = tmp_path / "review.yaml"
    scenario.write_text(scenario_text)
    monkeypatch.setenv("COLUMNS", str(len(shown.splitlines()[1])))  # the docs' table width

    result = CliRunner().invoke(
        app, ["workflow", "simulate", str(REVIEW), "--events", str(scenario)]
    )

    assert result.exit_code == 0, result.output
    assert result.output == shown


def _docs_example() -> tuple[str, str]:
    """The scenario of docs/cli.md's `workflow simulate` example and the output it shows."""
    section = CLI_DOCS.read_text(encoding="utf-8").split("## `riskdesk workflow simulate`")[1]
    scenario = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    shown = section.split(DOCS_COMMAND, 1)[1].split("```", 1)[0]
    return scenario, shown
