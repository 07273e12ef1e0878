"""Pre-publish checks: rules that never fire, and monotonicity of the fields with a declared
`risk_direction` — the pure parts on hand-made values, then `draft_checks` on a workspace."""

from __future__ import annotations

import random
from typing import Any

from engine.db import Database
from engine.policy_checks import draft_checks, merge_probes, never_fired, probe_field, raised_values
from tests.engine.conftest import NOW
from tests.engine.test_simulation import BROKEN, DORMANT, draft, portfolio, published_source

TIERS = ("high", "medium", "low")


def test_never_fired_lists_the_rules_without_a_count_in_source_order() -> None:
    rules = [("a", "A"), ("b", None), ("c", "C")]
    found = never_fired(rules, {"a": 3, "c": 0})
    assert [(r.id, r.label) for r in found] == [("b", None), ("c", "C")]


def test_raised_values_are_above_distinct_ascending_and_seeded() -> None:
    observed = [0, 10, 45, 60, 120]
    first = raised_values(45, observed, rng=random.Random("s"), integer=True)
    again = raised_values(45, observed, rng=random.Random("s"), integer=True)
    assert first == again
    assert list(first) == sorted(set(first)) and all(v > 45 for v in first)
    assert 46 in first and 495 in first  # the next step, and an order of magnitude up
    assert set(first) - {46, 495} <= {60, 120}
    decimal = raised_values(2.5, [], rng=random.Random("s"), integer=False)
    assert decimal == (3.5, 27.5)


def scorer(points_below_30: int) -> Any:
    """A one-field 'ruleset': 10 points per overdue day band, plus `points_below_30` under 30."""

    def evaluate(customer_id: int, record: dict[str, Any]) -> tuple[int, str]:
        days = record["days"]
        score = (10 if days > 30 else 0) + (points_below_30 if days < 30 else 0)
        return score, "high" if score >= 40 else "low"

    return evaluate


def samples(evaluate: Any, *values: int) -> list[tuple[int, str, dict[str, Any], int, str]]:
    found = []
    for i, value in enumerate(values, start=1):
        score, tier = evaluate(i, {"days": value})
        found.append((i, f"C-{i}", {"days": value}, score, tier))
    return found


def test_a_field_that_lowers_the_score_when_raised_is_a_violation_with_a_counterexample() -> None:
    probe = probe_field(
        "days",
        "up",
        samples=samples(scorer(50), 0, 45),
        observed=[0, 45],
        evaluate=scorer(50),
        tiers=TIERS,
        integer=True,
    )
    assert probe.counterexample is not None
    example = probe.counterexample
    assert (example.customer_ref, example.from_value, example.to_value) == ("C-1", 0, 45)
    assert (example.from_score, example.to_score) == (50, 10)
    assert (example.from_tier, example.to_tier) == ("high", "low")
    # 0 → 1 and 0 → 10 keep the 50 points; 45 → 46 and 45 → 495 keep 10
    assert (probe.counterexample_id, probe.violations, probe.pairs) == (1, 1, 5)


def test_a_monotone_field_has_no_violation_and_down_reverses_the_direction() -> None:
    up = probe_field(
        "days",
        "up",
        samples=samples(scorer(0), 0, 45),
        observed=[0, 45],
        evaluate=scorer(0),
        tiers=TIERS,
        integer=True,
    )
    assert (up.violations, up.counterexample) == (0, None) and up.pairs > 0
    down = probe_field(
        "days",
        "down",
        samples=samples(scorer(0), 0, 45),
        observed=[0, 45],
        evaluate=scorer(0),
        tiers=TIERS,
        integer=True,
    )
    assert down.violations > 0  # more days adds points: wrong for a field that lowers risk


def test_a_missing_value_is_not_raised() -> None:
    probe = probe_field(
        "days",
        "up",
        samples=[(1, "C-1", {"days": None}, 0, "low")],
        observed=[],
        evaluate=scorer(50),
        tiers=TIERS,
        integer=True,
    )
    assert probe.pairs == 0


def test_merged_probes_keep_the_counterexample_of_the_lowest_customer_id() -> None:
    def share(customer_id: int | None, pairs: int, violations: int) -> list[dict[str, Any]]:
        example = None if customer_id is None else {"customer_ref": f"C-{customer_id}"}
        return [
            {
                "field": "days",
                "direction": "up",
                "pairs": pairs,
                "violations": violations,
                "counterexample_id": customer_id,
                "counterexample": example,
            }
        ]

    (merged,) = merge_probes([share(7, 3, 1), share(None, 4, 0), share(2, 5, 2)])
    assert (merged["pairs"], merged["violations"]) == (12, 3)
    assert merged["counterexample"] == {"customer_ref": "C-2"}


def test_draft_checks_report_the_dormant_rule_and_the_broken_direction(
    workspace: Database,
) -> None:
    portfolio(workspace)
    source = published_source(workspace).replace("\ntiers\n", DORMANT + BROKEN + "\ntiers\n")
    draft(workspace, source)
    with workspace.transaction() as session:
        checks = draft_checks(session, "credit", now=NOW)
    never = [r["id"] for r in checks["never_fired"]]
    assert "dormant" in never and "barely_overdue" not in never
    assert [(v["field"], v["customer_ref"]) for v in checks["monotonicity"]] == [
        ("max_overdue_days", "C-A")
    ]


def test_the_example_ruleset_is_monotone_on_every_declared_field(workspace: Database) -> None:
    portfolio(workspace)
    draft(workspace, published_source(workspace))
    with workspace.transaction() as session:
        checks = draft_checks(session, "credit", now=NOW)
    assert checks["monotonicity"] == []
    assert sum(t["pairs"] for t in checks["monotonicity_tested"]) > 0
