"""Scripted scenarios: read with positioned errors, played through start/advance as a timeline."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

import dsl
import workflows
from tests.workflows.builders import action, approval, task, workflow
from tests.workflows.builders import role as role_of
from tests.workflows.conftest import HIGH_RISK_REVIEW_LITERAL, load
from workflows import Moment, ScenarioError, read_scenario, run_scenario

DATA = Path(__file__).parent / "data"


def moment(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def test_scenario_timeline_of_escalation_refusal_and_approval() -> None:
    source = (DATA / "review_scenario.yaml").read_text()
    scenario = read_scenario(source, filename="review_scenario.yaml")

    timeline = run_scenario(load(HIGH_RISK_REVIEW_LITERAL), scenario)

    assert timeline == (
        Moment(
            moment(2, 9),
            "sales_review",
            "role sales_manager",
            "opened",
            ("notify role sales_manager: assigned",),
        ),
        Moment(
            moment(3, 9),
            "sales_review",
            "role department_head",
            "escalation level 1",
            ("notify role department_head: escalated",),
        ),
        Moment(
            moment(3, 11),
            "sales_review",
            "role department_head",
            "li.wei takes 'propose_terms': refused: 'propose_terms' at step 'sales_review' is "
            "for role 'department_head', which li.wei does not hold",
        ),
        Moment(
            moment(3, 11, 30),
            "finance_approval",
            "role finance_head",
            "li.wei takes 'propose_terms'; sales_review → finance_approval",
            ("notify role finance_head: assigned",),
        ),
        Moment(
            moment(3, 12),
            "closed",
            "-",
            "zhang.min takes 'approve'; finance_approval → apply; apply → closed; outcome "
            "completed",
            (
                "change terms payment_terms_days=30, prepayment_pct=0.3, credit_limit=500000, "
                "order_hold=False",
            ),
        ),
    )


def test_scenario_counts_votes_and_a_tick_fires_only_what_is_due() -> None:
    flow = workflow(
        [
            task(
                "approval",
                role_of("finance_head"),
                [action("approve", "closed")],
                approval=approval(2),
            )
        ],
        cancel_when="order_hold == true",
    )
    source = """\
start: {at: 2026-03-02T09:00:00Z}
events:
  - {at: 2026-03-02T10:00:00Z, action: approve, actor: a, roles: [finance_head]}
  - {at: 2026-03-02T10:05:00Z, action: approve, actor: a, roles: [finance_head]}
  - {at: 2026-03-02T11:00:00Z, tick: true}
  - {at: 2026-03-02T12:00:00Z, record: {order_hold: true}}
"""
    timeline = run_scenario(flow, read_scenario(source, filename="s.yaml"))

    assert [m.happened for m in timeline] == [
        "opened",
        "a takes 'approve'; approval counted, quorum not reached",
        "a takes 'approve': refused: a has already approved 'approve' at step 'approval'",
        "record changed (order_hold=True); approval → closed; closed as superseded "
        "(cancel_when); outcome superseded",
    ]


def test_a_record_change_shows_its_dates_as_iso_text() -> None:
    flow = workflow([task("look", role_of("sales"), [action("done", "closed")])])
    source = """\
start: {at: 2026-03-02T09:00:00Z}
events:
  - {at: 2026-03-02T10:00:00Z, record: {next_review_at: 2026-05-01, order_hold: true}}
"""
    timeline = run_scenario(flow, read_scenario(source, filename="s.yaml"))

    assert timeline[-1].happened == (
        "record changed (next_review_at=2026-05-01, order_hold=True): no effect"
    )


BAD = """\
start: {at: yesterday, record: [1]}
events:
  - {at: 2026-03-02T10:00:00Z, action: approve, roles: finance_head}
  - {at: 2026-03-01T10:00:00Z, tick: true, record: {}}
  - {at: 2026-03-01T09:00:00Z, tick: true, colour: red}
  - 7
"""


def test_a_bad_scenario_reports_every_problem_at_its_position() -> None:
    with pytest.raises(ScenarioError) as refused:
        read_scenario(BAD, filename="bad.yaml")

    rendered = dsl.render_all(refused.value.diagnostics, {"bad.yaml": BAD})
    assert [line for line in rendered.splitlines() if line.startswith("bad.yaml")] == [
        "bad.yaml:1:13: error: expected a moment such as 2026-03-02T09:00:00Z, found the text "
        "'yesterday'",
        "bad.yaml:1:32: error: expected 'record' as a mapping, found a list",
        "bad.yaml:3:5: error: 'actor' is missing",
        "bad.yaml:3:56: error: expected a list of names, found the text 'finance_head'",
        "bad.yaml:4:5: error: an event has exactly one of 'action', 'tick' or 'record'",
        "bad.yaml:5:44: error: unknown key 'colour' in a tick; expected one of at, tick",
        "bad.yaml:6:5: error: expected an event as a mapping, found the number 7",
    ]


def test_events_out_of_time_order_are_refused() -> None:
    source = """\
start: {at: 2026-03-02T09:00:00Z}
events:
  - {at: 2026-03-02T08:00:00Z, tick: true}
"""
    with pytest.raises(ScenarioError) as refused:
        read_scenario(source, filename="s.yaml")

    assert [d.message for d in refused.value.diagnostics] == [
        "this event is at 2026-03-02T08:00:00+00:00, before the one above it "
        "(2026-03-02T09:00:00+00:00)"
    ]


def test_a_scenario_that_is_not_yaml_is_a_positioned_error() -> None:
    with pytest.raises(dsl.DiagnosticsError) as refused:
        read_scenario("start: [", filename="s.yaml")

    assert refused.value.diagnostics[0].code == "yaml-syntax"
    assert workflows.ScenarioError is not None


def _scenario_block(doc: Path) -> str:
    """The first yaml block after the scripted-scenarios heading of a workflows guide."""
    text = doc.read_text(encoding="utf-8")
    after = text[text.index("workflow simulate") :]
    start = after.index("```yaml\n") + len("```yaml\n")
    return after[start : after.index("```", start)]


@pytest.mark.parametrize("doc", ["docs/workflows.md", "docs/zh/workflows.md"])
def test_the_guides_scenario_runs_against_the_example_workflow(doc: str) -> None:
    root = Path(__file__).parents[2]
    flow = load(HIGH_RISK_REVIEW_LITERAL)
    scenario = read_scenario(_scenario_block(root / doc), filename=doc)

    timeline = run_scenario(flow, scenario)

    assert [m.step for m in timeline] == [
        "sales_review",
        "sales_review",  # escalated to the department head
        "finance_approval",
        "closed",
        "closed",  # the record change finds the case closed
    ]
    assert timeline[-1].happened == "record changed (order_hold=True): no effect"
