"""Rules-language expressions in workflows: the trigger guard and the values of change_terms."""

from __future__ import annotations

from datetime import date

import pytest

import workflows
from tests.workflows.conftest import (
    FINANCE_HEAD,
    HIGH_RISK_REVIEW,
    NOW,
    RECORD,
    ROLES,
    SALES_MANAGER,
    SCHEMA,
    load,
    rendered,
)
from workflows import CaseState, ChangeTerms, TakeAction, Workflow


@pytest.fixture
def design_review() -> Workflow:
    return load(HIGH_RISK_REVIEW)


def approve(workflow: Workflow, record: dict[str, object]) -> workflows.Transition:
    """Open a case, propose and approve: the do step runs with `record`."""
    state: CaseState = workflows.start(workflow, record=record, now=NOW).state
    state = workflows.advance(
        workflow,
        state,
        TakeAction("propose_terms", "li.wei", SALES_MANAGER),
        record=record,
        now=NOW,
    ).state
    return workflows.advance(
        workflow, state, TakeAction("approve", "zhang.min", FINANCE_HEAD), record=record, now=NOW
    )


@pytest.mark.parametrize(
    ("assessment", "expected"),
    [
        ({"tier": "high", "previous_tier": "medium", "score": 72}, True),
        ({"tier": "high", "previous_tier": None, "score": 72}, True),  # a new customer
        ({"tier": "high", "score": 72}, True),
        ({"tier": "high", "previous_tier": "high", "score": 80}, False),
        ({"tier": "medium", "previous_tier": "high", "score": 40}, False),
    ],
)
def test_trigger_guard_matches_a_tier_newly_high(
    design_review: Workflow, assessment: dict[str, object], expected: bool
) -> None:
    assert design_review.matches({**RECORD, "assessment": assessment}) is expected


def test_trigger_guard_with_a_missing_result_does_not_match(design_review: Workflow) -> None:
    assert design_review.matches({**RECORD, "assessment": None}) is False
    assert design_review.matches({}) is False


def test_trigger_guard_keeps_its_source(design_review: Workflow) -> None:
    assert design_review.trigger.when is not None
    assert design_review.trigger.when.source.startswith('assessment.tier == "high" and')


def test_do_step_evaluates_change_terms_expressions_against_the_record(
    design_review: Workflow,
) -> None:
    approved = approve(design_review, RECORD)

    assert approved.effects == (
        ChangeTerms(
            values={
                "payment_terms_days": 30,
                "prepayment_pct": 0.3,
                "credit_limit": 500000,
                "order_hold": False,
            },
            step="apply",
        ),
    )
    assert approved.state.outcome == "completed"


def test_an_expression_giving_a_missing_value_leaves_that_term_unchanged(
    design_review: Workflow,
) -> None:
    record = {**RECORD, "credit_limit": None}

    (effect,) = approve(design_review, record).effects

    assert isinstance(effect, workflows.ChangeTerms)

    assert "credit_limit" not in effect.values
    assert effect.missing == ("credit_limit",)
    assert effect.values["prepayment_pct"] == 0.3


def test_a_later_do_step_reads_the_terms_as_changed_before_it() -> None:
    source = """\
workflow: halve_twice
trigger: {on: tier_changed}
start: halve
steps:
  halve:
    do:
      - change_terms: {credit_limit: "credit_limit * 50%"}
      - change_terms: {credit_limit: "credit_limit - 100000", payment_terms_days: 15}
    to: halve_again
  halve_again:
    do:
      - change_terms: {credit_limit: "credit_limit / 2", order_hold: "credit_limit < 1000000"}
    to: closed
"""
    started = workflows.start(load(source), record=RECORD, now=NOW)

    assert [dict(e.values) for e in started.effects if isinstance(e, ChangeTerms)] == [
        {"credit_limit": 500000},
        {"credit_limit": 400000, "payment_terms_days": 15},
        # values of one change_terms read the record as it was before any of them applies
        {"credit_limit": 200000, "order_hold": True},
    ]


def test_terms_values_may_read_the_case_step_and_the_assessment_beside_literals() -> None:
    source = """\
workflow: by_score
trigger: {on: tier_changed}
start: apply
steps:
  apply:
    do:
      - change_terms:
          payment_terms_days: "if assessment.score > 70 then 15 else 30"
          order_hold: 'case.step == "apply"'
          next_review_at: 2026-06-30
    to: closed
"""
    (effect,) = workflows.start(load(source), record=RECORD, now=NOW).effects
    assert isinstance(effect, workflows.ChangeTerms)

    assert dict(effect.values) == {
        "payment_terms_days": 15,
        "order_hold": True,
        "next_review_at": date(2026, 6, 30),
    }


def test_unknown_field_in_a_terms_expression_is_positioned_in_the_yaml_file() -> None:
    source = HIGH_RISK_REVIEW.replace('"credit_limit * 50%"', '"credit_lmit * 50%"')

    assert rendered(source) == (
        "wf.yaml:25:26: error: unknown field 'credit_lmit'; did you mean 'credit_limit'?\n"
        '   25 |           credit_limit: "credit_lmit * 50%"\n'
        "      |                          ^^^^^^^^^^^"
    )


def test_terms_expression_of_the_wrong_type_is_refused() -> None:
    source = HIGH_RISK_REVIEW.replace('"credit_limit * 50%"', '"order_hold"')

    assert rendered(source) == (
        "wf.yaml:25:26: error: this value needs a number, but this is true or false\n"
        '   25 |           credit_limit: "order_hold"\n'
        "      |                          ^^^^^^^^^^"
    )


def test_guard_error_after_an_escaped_quote_points_at_the_text_as_written() -> None:
    # The YAML value holds `\"high\"`: the file has one character more per escape than the
    # expression dsl reads, and the caret must stand under the text as the author wrote it.
    source = HIGH_RISK_REVIEW.replace(
        '\\"high\\" and (', '\\"high\\" and assessment.scor > 1 and ('
    )

    (unknown,) = workflows.check_workflow(source, filename="wf.yaml", schema=SCHEMA, roles=ROLES)
    line = source.splitlines()[2]

    assert unknown.code == "unknown-field"
    assert unknown.span is not None
    assert (unknown.span.line, unknown.span.column) == (3, 79)
    assert line[unknown.span.column - 1 : unknown.span.end_column - 1] == "scor"


def test_guard_that_is_not_a_condition_is_refused() -> None:
    source = HIGH_RISK_REVIEW.splitlines()
    source[2] = "trigger:\n  on: tier_changed\n  when: assessment.score + 1"

    assert rendered("\n".join(source) + "\n") == (
        "wf.yaml:5:9: error: this condition must be true or false, but this is a number\n"
        "    5 |   when: assessment.score + 1\n"
        "      |         ^^^^^^^^^^^^^^^^^^^^"
    )


def test_expression_syntax_error_points_at_the_end_of_the_expression() -> None:
    source = HIGH_RISK_REVIEW.replace('"credit_limit * 50%"', '"credit_limit *"')

    assert rendered(source) == (
        "wf.yaml:25:40: error: expected a value after '*', but the expression ended\n"
        '   25 |           credit_limit: "credit_limit *"\n'
        "      |                                        ^"
    )


def test_save_reload_and_continue_with_expressions_gives_the_same_result(
    design_review: Workflow,
) -> None:
    state = workflows.start(design_review, record=RECORD, now=NOW).state
    proposed = workflows.advance(
        design_review,
        state,
        TakeAction("propose_terms", "li.wei", SALES_MANAGER),
        record=RECORD,
        now=NOW,
    ).state
    reloaded = CaseState.from_dict(proposed.to_dict())
    event = TakeAction("approve", "zhang.min", FINANCE_HEAD)

    assert workflows.advance(design_review, reloaded, event, record=RECORD, now=NOW) == (
        workflows.advance(design_review, proposed, event, record=RECORD, now=NOW)
    )
