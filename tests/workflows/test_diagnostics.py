"""Every problem of a workflow file, as the author sees it: position, code, message, caret, hint."""

from __future__ import annotations

from pathlib import Path

import pytest

import workflows
from tests.workflows.conftest import ROLES, rendered

DATA = Path(__file__).parent / "data"

BASE = """\
workflow: review
trigger: {on: tier_changed}
start: look
steps:
  look:
    assignee: {role: sales}
    sla: 24h
    actions:
      done: {to: closed}
"""

TO_APPLY = BASE.replace("      done: {to: closed}", "      done: {to: apply}")


def codes(source: str) -> list[str]:
    return [d.code for d in workflows.check_workflow(source, filename="wf.yaml", roles=ROLES)]


def test_the_base_workflow_has_no_diagnostics() -> None:
    assert rendered(BASE) == ""


def test_all_problems_of_a_file_are_reported_at_once_in_file_order() -> None:
    source = (DATA / "many_errors.yaml").read_text(encoding="utf-8")
    expected = (DATA / "many_errors.expected").read_text(encoding="utf-8")

    with pytest.raises(workflows.WorkflowError) as refused:
        workflows.load_workflow(source, filename="many_errors.yaml", roles=ROLES)

    assert rendered(source, filename="many_errors.yaml") + "\n" == expected
    assert len(refused.value.diagnostics) == 15
    assert str(refused.value) == "unknown language 'fr' in a label (and 14 more)"


def test_unknown_key_suggests_the_nearest_key() -> None:
    source = BASE.replace("    sla: 24h\n", "    sla: 24h\n    escalation: []\n")

    assert rendered(source) == (
        "wf.yaml:8:5: error: unknown key 'escalation' in step 'look'; did you mean 'escalate'?\n"
        "    8 |     escalation: []\n"
        "      |     ^^^^^^^^^^"
    )


def test_unknown_key_far_from_any_lists_the_expected_keys() -> None:
    assert rendered(BASE + "version: 2\n") == (
        "wf.yaml:10:1: error: unknown key 'version' in a workflow\n"
        "   10 | version: 2\n"
        "      | ^^^^^^^\n"
        "      = hint: expected one of: workflow, label, trigger, start, dedupe, cancel_when, "
        "calendar, steps"
    )


def test_notify_names_its_recipient_under_to() -> None:
    source = TO_APPLY + (
        "  apply:\n"
        "    do:\n"
        "      - change_terms: {order_hold: true}\n"
        "      - notify: {role: sales, template: terms_changed}\n"
        "    to: closed\n"
    )

    assert rendered(source) == (
        "wf.yaml:13:18: error: unknown key 'role' in a notification in step 'apply'\n"
        "   13 |       - notify: {role: sales, template: terms_changed}\n"
        "      |                  ^^^^\n"
        "      = hint: write to: {role: sales}"
    )


def test_unknown_start_step_suggests_the_nearest_step() -> None:
    assert rendered(BASE.replace("start: look", "start: lok")) == (
        "wf.yaml:3:8: error: 'start' names unknown step 'lok'; did you mean 'look'?\n"
        "    3 | start: lok\n"
        "      |        ^^^"
    )


def test_unknown_target_far_from_any_lists_the_steps() -> None:
    assert rendered(BASE.replace("{to: closed}", "{to: finance}")) == (
        "wf.yaml:9:18: error: 'to' names unknown step 'finance'\n"
        "    9 |       done: {to: finance}\n"
        "      |                  ^^^^^^^\n"
        "      = hint: expected a step id or 'closed': look, closed"
    )


def test_undeclared_role_is_refused_with_the_declared_ones() -> None:
    source = BASE.replace("{role: sales}", "{role: salse}")

    assert rendered(source, roles=("sales", "cfo")) == (
        "wf.yaml:6:22: error: role 'salse' is not declared by the template; did you mean "
        "'sales'?\n"
        "    6 |     assignee: {role: salse}\n"
        "      |                      ^^^^^\n"
        "      = hint: the declared roles are: sales, cfo, admin"
    )


def test_bad_duration_says_how_to_write_one() -> None:
    assert rendered(BASE.replace("sla: 24h", "sla: 2 days")) == (
        "wf.yaml:7:10: error: 'sla' must be a duration, found the text '2 days'\n"
        "    7 |     sla: 2 days\n"
        "      |          ^^^^^^\n"
        "      = hint: write a whole number followed by m (minutes), h (hours), d (days) or bd "
        "(business days), like 24h"
    )


def test_escalations_must_come_later_and_later() -> None:
    source = BASE.replace(
        "    sla: 24h\n",
        "    sla: 24h\n"
        "    escalate: [{after: 3d, to: {role: cfo}}, {after: 72h, to: {role: cfo}}]\n",
    )

    assert rendered(source) == (
        "wf.yaml:8:54: error: escalation 2 in step 'look' comes after 72h, which is not later "
        "than the escalation before it (after 3d)\n"
        "    8 |     escalate: [{after: 3d, to: {role: cfo}}, {after: 72h, to: {role: cfo}}]\n"
        "      |                                                      ^^^\n"
        "      = hint: list escalations in order, each later than the one before"
    )


def test_unknown_terms_name_suggests_the_nearest() -> None:
    source = (
        TO_APPLY + "  apply:\n    do:\n      - change_terms: {credit_limt: 0}\n    to: closed\n"
    )

    assert rendered(source) == (
        "wf.yaml:12:24: error: unknown terms name 'credit_limt'; did you mean 'credit_limit'?\n"
        "   12 |       - change_terms: {credit_limt: 0}\n"
        "      |                        ^^^^^^^^^^^"
    )


def test_percentage_written_as_a_whole_number_is_refused_with_a_hint() -> None:
    source = (
        TO_APPLY + "  apply:\n    do:\n      - change_terms: {prepayment_pct: 30}\n    to: closed\n"
    )

    assert rendered(source) == (
        "wf.yaml:12:40: error: prepayment_pct takes a fraction from 0 to 1, found the number 30\n"
        "   12 |       - change_terms: {prepayment_pct: 30}\n"
        "      |                                        ^^\n"
        '      = hint: percentages are fractions: write "30%" or 0.3'
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ("{credit_limit: -1}", "credit_limit takes an amount of 0 or more, found the number -1"),
        ("{credit_limit: true}", "credit_limit takes an amount of 0 or more, found true"),
        (
            "{payment_terms_days: 1.5}",
            "payment_terms_days takes a whole number of days, found the number 1.5",
        ),
        ("{order_hold: 1}", "order_hold takes true or false, found the number 1"),
        (
            "{next_review_at: 30}",
            "next_review_at takes a date like 2025-06-30, found the number 30",
        ),
    ],
)
def test_literal_terms_values_must_fit_the_term(values: str, message: str) -> None:
    source = TO_APPLY + f"  apply:\n    do:\n      - change_terms: {values}\n    to: closed\n"

    diagnostics = workflows.check_workflow(source, filename="wf.yaml", roles=ROLES)

    assert [(d.code, d.message) for d in diagnostics] == [("bad-term-value", message)]


def test_literal_dates_and_null_review_dates_are_accepted() -> None:
    for value in ("2026-06-30", "null"):
        change = f"      - change_terms: {{next_review_at: {value}}}\n"
        source = TO_APPLY + "  apply:\n    do:\n" + change + "    to: closed\n"
        assert codes(source) == []


def test_unreachable_step_is_a_warning_and_the_workflow_still_loads() -> None:
    source = (
        BASE + "  spare:\n    assignee: {role: legal}\n    actions:\n      done: {to: closed}\n"
    )

    workflow = workflows.load_workflow(source, filename="wf.yaml", roles=ROLES)

    assert rendered(source) == (
        "wf.yaml:10:3: warning: step 'spare' can never be reached from the start step 'look'\n"
        "   10 |   spare:\n"
        "      |   ^^^^^"
    )
    assert [d.code for d in workflow.warnings] == ["unreachable-step"]


def test_step_with_neither_actions_nor_do_is_refused() -> None:
    source = BASE.replace("{to: closed}", "{to: stuck}") + "  stuck:\n    assignee: {role: legal}\n"

    assert rendered(source) == (
        "wf.yaml:10:3: error: step 'stuck' has neither actions nor do: a case reaching it could "
        "never leave\n"
        "   10 |   stuck:\n"
        "      |   ^^^^^"
    )


def test_do_steps_that_loop_forever_are_refused_at_the_closing_to() -> None:
    source = TO_APPLY + (
        "  apply:\n    do:\n      - change_terms: {order_hold: true}\n    to: release\n"
        "  release:\n    do:\n      - change_terms: {order_hold: false}\n    to: apply\n"
    )

    assert rendered(source) == (
        "wf.yaml:17:9: error: do steps loop forever: apply → release → apply\n"
        "   17 |     to: apply\n"
        "      |         ^^^^^\n"
        "      = hint: a chain of do steps must end at a step with actions or at 'closed'"
    )


def test_do_step_leading_to_a_task_step_is_no_loop() -> None:
    source = TO_APPLY.replace(
        "      done: {to: apply}", "      done: {to: apply}\n      stop: {to: closed}"
    ) + ("  apply:\n    do:\n      - change_terms: {order_hold: true}\n    to: look\n")
    assert codes(source) == []


def test_do_step_may_not_have_an_assignee() -> None:
    source = TO_APPLY + (
        "  apply:\n    assignee: {role: legal}\n    do:\n"
        "      - change_terms: {order_hold: true}\n    to: closed\n"
    )

    assert rendered(source) == (
        "wf.yaml:11:5: error: do step 'apply' runs by itself: it takes no 'assignee'\n"
        "   11 |     assignee: {role: legal}\n"
        "      |     ^^^^^^^^"
    )


def test_do_step_needs_a_to() -> None:
    source = TO_APPLY + "  apply:\n    do:\n      - change_terms: {order_hold: true}\n"

    assert rendered(source) == (
        "wf.yaml:10:3: error: missing 'to' in do step 'apply'\n   10 |   apply:\n      |   ^^^^^"
    )


def test_unknown_do_operation_suggests_the_nearest() -> None:
    source = (
        TO_APPLY + "  apply:\n    do:\n      - change_term: {order_hold: true}\n    to: closed\n"
    )

    assert rendered(source) == (
        "wf.yaml:12:9: error: unknown operation 'change_term' in step 'apply'; did you mean "
        "'change_terms'?\n"
        "   12 |       - change_term: {order_hold: true}\n"
        "      |         ^^^^^^^^^^^\n"
        "      = hint: a do step runs: change_terms, notify, start, set_field, release_order, "
        "reject_order"
    )


def test_to_on_a_task_step_is_refused() -> None:
    source = BASE.replace("    sla: 24h\n", "    sla: 24h\n    to: closed\n")

    assert codes(source) == ["to-on-task-step"]


def test_step_named_closed_is_refused() -> None:
    source = BASE + "  closed:\n    assignee: {role: legal}\n    actions:\n      x: {to: look}\n"

    assert rendered(source) == (
        "wf.yaml:10:3: error: a step cannot be named 'closed': 'to: closed' ends the case\n"
        "   10 |   closed:\n"
        "      |   ^^^^^^"
    )


def test_outcome_of_an_action_that_does_not_close_is_a_warning() -> None:
    source = BASE.replace(
        "      done: {to: closed}",
        "      done: {to: closed}\n      again: {to: look, outcome: redo}",
    )

    assert rendered(source) == (
        "wf.yaml:10:25: warning: the outcome in action 'again' of step 'look' is never recorded: "
        "the action does not close the case\n"
        "   10 |       again: {to: look, outcome: redo}\n"
        "      |                         ^^^^^^^"
    )


def test_unknown_trigger_suggests_tier_changed() -> None:
    assert rendered(BASE.replace("on: tier_changed", "on: tier_change")) == (
        "wf.yaml:2:15: error: unknown trigger 'tier_change'; did you mean 'tier_changed'?\n"
        "    2 | trigger: {on: tier_change}\n"
        "      |               ^^^^^^^^^^^\n"
        "      = hint: workflows start on: tier_changed, alert_raised, field_changed, "
        "event_received, review_due, order_held, manual"
    )


def test_missing_required_keys_are_each_reported() -> None:
    source = "workflow: review\nsteps:\n  look:\n    assignee: {role: sales}\n" + (
        "    actions:\n      done: {to: closed}\n"
    )

    assert rendered(source) == (
        "wf.yaml:1:1: error: missing 'trigger' in the workflow\n"
        "    1 | workflow: review\n"
        "      | ^\n"
        "wf.yaml:1:1: error: missing 'start' in the workflow\n"
        "    1 | workflow: review\n"
        "      | ^"
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("assignee: {role: sales}", "assignee: sales"),
            "wf.yaml:6:15: error: expected an assignee like {role: ...}, found the text 'sales'\n"
            "    6 |     assignee: sales\n"
            "      |               ^^^^^\n"
            "      = hint: write assignee: {role: sales}",
        ),
        (
            ("done: {to: closed}", "done: closed"),
            "wf.yaml:9:13: error: expected an action like {to: step}, found the text 'closed'\n"
            "    9 |       done: closed\n"
            "      |             ^^^^^^\n"
            "      = hint: write done: {to: closed}",
        ),
        (
            ("done: {to: closed}", "done: {to: closed, requires_comment: yes}"),
            "wf.yaml:9:44: error: 'requires_comment' in action 'done' of step 'look' must be true "
            "or false, found the text 'yes'\n"
            "    9 |       done: {to: closed, requires_comment: yes}\n"
            "      |                                            ^^^",
        ),
    ],
)
def test_values_of_the_wrong_shape_say_what_was_expected(
    change: tuple[str, str], expected: str
) -> None:
    assert rendered(BASE.replace(*change)) == expected


def test_a_file_that_is_not_a_mapping_is_refused() -> None:
    assert rendered("- a\n- b\n") == (
        "wf.yaml:1:1: error: expected a workflow definition (a mapping with workflow, trigger, "
        "start and steps), found a list\n"
        "    1 | - a\n"
        "      | ^^^"
    )


def test_bad_workflow_key_is_refused() -> None:
    assert codes(BASE.replace("workflow: review", "workflow: 2nd review")) == ["bad-id"]


def test_unknown_label_language_is_refused() -> None:
    assert codes(BASE.replace("workflow: review\n", "workflow: review\nlabel: {de: X}\n")) == [
        "unknown-language"
    ]


def test_yaml_syntax_error_is_positioned() -> None:
    assert rendered(BASE.replace("{on: tier_changed}", "{on: tier_changed")) == (
        "wf.yaml:3:6: error: invalid YAML: expected ',' or '}', but got ':'\n"
        "    3 | start: look\n"
        "      |      ^"
    )


def test_on_is_read_as_a_key_not_a_boolean() -> None:
    # DESIGN.md, "Known traps": YAML 1.1 would read `on` as true.
    workflow = workflows.load_workflow(BASE, filename="wf.yaml", roles=ROLES)

    assert workflow.trigger.on == "tier_changed"
