"""Diagnostics of the keys of issue 10 (triggers, assignees, approvals, deadlines, do
operations): each with its whole rendered text, against the definition tests' template."""

from __future__ import annotations

from pathlib import Path

from dsl import FieldInfo, ValueType
from tests.workflows.conftest import FORMS, POLICY_SCHEMA, rendered, rendered_policy

DATA = Path(__file__).parent / "data"
POLICY = (DATA / "credit_policy.yaml").read_text(encoding="utf-8")
ORDER_HOLD = (DATA / "order_hold.yaml").read_text(encoding="utf-8")


def test_both_examples_have_no_diagnostics() -> None:
    assert rendered_policy(POLICY) == ""
    assert rendered_policy(ORDER_HOLD) == ""


def test_an_action_form_the_template_does_not_define_is_refused() -> None:
    source = POLICY.replace(
        "form: credit_terms_proposal}",
        "form: credit_terms_proposl}",
    )

    assert rendered_policy(source) == (
        "wf.yaml:21:51: error: form 'credit_terms_proposl' in action 'propose_terms' of step "
        "'sales_review' is not defined by the template; did you mean 'credit_terms_proposal'?\n"
        "   21 |       propose_terms: {to: finance_approval, form: credit_terms_proposl}\n"
        "      |                                                   ^^^^^^^^^^^^^^^^^^^^"
    )


def test_an_event_kind_without_a_form_is_refused() -> None:
    source = ORDER_HOLD.replace(
        'trigger: {on: order_held, when: "order.amount > 100000 and check.decision == \\"hold\\""}',
        "trigger: {on: event_received, kind: lawsut}",
    )

    assert rendered_policy(source) == (
        "wf.yaml:3:37: error: unknown event kind 'lawsut': the template has no such form; did "
        "you mean 'lawsuit'?\n"
        "    3 | trigger: {on: event_received, kind: lawsut}\n"
        "      |                                     ^^^^^^"
    )


def test_start_of_an_unknown_workflow_suggests_the_nearest() -> None:
    source = POLICY.replace(
        "start: periodic_review",
        "start: periodic_reveiw",
    )

    assert rendered_policy(source) == (
        "wf.yaml:47:16: error: 'start' names unknown workflow 'periodic_reveiw'; did you mean "
        "'periodic_review'?\n"
        "   47 |       - start: periodic_reveiw\n"
        "      |                ^^^^^^^^^^^^^^^"
    )


def test_an_unknown_calendar_suggests_the_nearest() -> None:
    source = POLICY.replace(
        "calendar: china",
        "calendar: chna",
    )

    assert rendered_policy(source) == (
        "wf.yaml:10:11: error: unknown calendar 'chna'; did you mean 'china'?\n"
        "   10 | calendar: chna\n"
        "      |           ^^^^"
    )


def test_an_approval_counting_an_action_the_step_lacks_is_refused() -> None:
    source = POLICY.replace(
        "action: approve}",
        "action: accept}",
    )

    assert rendered_policy(source) == (
        "wf.yaml:26:52: error: the approval in step 'finance_approval' counts action 'accept', "
        "which the step does not have\n"
        "   26 |     approval: {quorum: 2, four_eyes: true, action: accept}\n"
        "      |                                                    ^^^^^^\n"
        "      = hint: the step's actions are: approve, reject"
    )


def test_an_escalation_taking_an_unknown_action_is_refused() -> None:
    source = POLICY.replace(
        "action: hold_orders}",
        "action: hold_order}",
    )

    assert rendered_policy(source) == (
        "wf.yaml:19:30: error: the escalation in step 'sales_review' takes unknown action "
        "'hold_order'; did you mean 'hold_orders'?\n"
        "   19 |       - {after: 5bd, action: hold_order}\n"
        "      |                              ^^^^^^^^^^\n"
        "      = hint: the step's actions are: propose_terms, hold_orders, no_change"
    )


def test_business_days_after_as_many_days_can_never_come_later() -> None:
    source = ORDER_HOLD.replace(
        "[{after: 1bd, to: {role: cfo}}, {after: 3bd, action: reject}]",
        "[{after: 3d, to: {role: cfo}}, {after: 3bd, action: reject}]",
    )

    assert rendered_policy(source) == (
        "wf.yaml:9:54: error: escalation 2 in step 'decide' comes after 3bd, which is not "
        "later than the escalation before it (after 3d)\n"
        "    9 |     escalate: [{after: 3d, to: {role: cfo}}, {after: 3bd, action: reject}]\n"
        "      |                                                      ^^^\n"
        "      = hint: list escalations in order, each later than the one before"
    )


def test_days_after_business_days_depend_on_the_calendar_and_warn() -> None:
    source = ORDER_HOLD.replace(
        "[{after: 1bd, to: {role: cfo}}, {after: 3bd, action: reject}]",
        "[{after: 3bd, to: {role: cfo}}, {after: 4d, action: reject}]",
    )

    assert rendered_policy(source) == (
        "wf.yaml:9:55: warning: escalation 2 in step 'decide' (after 4d) may come before the "
        "escalation before it (after 3bd), depending on the working calendar\n"
        "    9 |     escalate: [{after: 3bd, to: {role: cfo}}, {after: 4d, action: reject}]\n"
        "      |                                                       ^^\n"
        "      = hint: count both in business days, or both in hours and days"
    )


def test_four_eyes_that_the_proposing_role_could_satisfy_alone_warns() -> None:
    source = POLICY.replace(
        "  finance_approval:\n    assignee: {role: finance_head}\n    approval: {quorum: 2, "
        "four_eyes: true, action: approve}",
        "  finance_approval:\n    assignee: {role: sales_manager}\n    approval: {quorum: 1, "
        "four_eyes: true, action: approve}",
    )

    assert rendered_policy(source) == (
        "wf.yaml:26:5: warning: four eyes in step 'finance_approval' can be satisfied by the "
        "role 'sales_manager' alone: step 'sales_review', which leads to it, is assigned to "
        "the same role, and one approval is enough\n"
        "   26 |     approval: {quorum: 1, four_eyes: true, action: approve}\n"
        "      |     ^^^^^^^^\n"
        "      = hint: assign the approval to another role, or ask for a quorum of 2 or more"
    )


def test_a_quorum_above_one_on_a_single_person_is_refused() -> None:
    source = POLICY.replace(
        "  finance_approval:\n    assignee: {role: finance_head}",
        "  finance_approval:\n    assignee: {owner: true}",
    )

    assert rendered_policy(source) == (
        "wf.yaml:26:5: error: the approval in step 'finance_approval' needs 2 people, but the "
        "step is assigned to a single person\n"
        "   26 |     approval: {quorum: 2, four_eyes: true, action: approve}\n"
        "      |     ^^^^^^^^\n"
        "      = hint: assign the step to a role, or use quorum: 1"
    )


def test_requires_comment_on_an_action_an_escalation_takes_warns() -> None:
    source = POLICY.replace(
        "hold_orders: {to: hold}",
        "hold_orders: {to: hold, requires_comment: true}",
    )

    assert rendered_policy(source) == (
        "wf.yaml:19:9: warning: action 'hold_orders' requires a comment, but escalation 2 "
        "takes it automatically: the system writes the comment itself\n"
        "   19 |       - {after: 5bd, action: hold_orders}\n"
        "      |         ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^"
    )


def test_reminders_need_an_sla() -> None:
    source = POLICY.replace(
        "    sla: 2bd\n    remind",
        "    remind",
    )

    assert rendered_policy(source) == (
        "wf.yaml:15:5: error: reminders in step 'sales_review' need an 'sla' to come before\n"
        "   15 |     remind: [{before: 4h}]\n"
        "      |     ^^^^^^\n"
        "      = hint: add an sla to the step, or remove 'remind'"
    )


def test_a_reminder_not_shorter_than_the_sla_is_refused() -> None:
    source = POLICY.replace(
        "remind: [{before: 4h}]",
        "remind: [{before: 2d}]",
    )

    assert rendered_policy(source) == (
        "wf.yaml:16:23: error: reminder 1 in step 'sales_review' comes 2d before the deadline, "
        "which is not shorter than the sla (2bd)\n"
        "   16 |     remind: [{before: 2d}]\n"
        "      |                       ^^\n"
        "      = hint: a reminder comes before the deadline: make it shorter than the sla"
    )


def test_a_reminder_in_business_days_against_an_sla_in_hours_warns() -> None:
    source = POLICY.replace(
        "    sla: 2bd\n    remind: [{before: 4h}]",
        "    sla: 30h\n    remind: [{before: 1bd}]",
    )

    assert rendered_policy(source) == (
        "wf.yaml:16:23: warning: reminder 1 in step 'sales_review' (1bd before the deadline) "
        "may be longer than the sla (30h), depending on the working calendar\n"
        "   16 |     remind: [{before: 1bd}]\n"
        "      |                       ^^^\n"
        "      = hint: count both in business days, or both in hours and days"
    )


def test_an_escalation_that_does_nothing_is_refused() -> None:
    source = POLICY.replace(
        "- {after: 5bd, action: hold_orders}",
        "- {after: 5bd}",
    )

    assert rendered_policy(source) == (
        "wf.yaml:19:9: error: escalation 2 in step 'sales_review' neither reassigns, notifies "
        "nor acts\n"
        "   19 |       - {after: 5bd}\n"
        "      |         ^^^^^^^^^^^^\n"
        "      = hint: give it 'to', 'notify' or 'action'"
    )


def test_an_escalation_may_not_release_a_held_order() -> None:
    source = ORDER_HOLD.replace(
        "{after: 3bd, action: reject}",
        "{after: 3bd, action: release}",
    )

    assert rendered_policy(source) == (
        "wf.yaml:9:47: error: escalation 2 in step 'decide' takes action 'release', which "
        "releases the held order through step 'released': only a person may release an order\n"
        "    9 |     escalate: [{after: 1bd, to: {role: cfo}}, {after: 3bd, action: release}]\n"
        "      |                                               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "      = hint: let the escalation reassign, notify or reject instead"
    )


def test_order_decisions_belong_to_order_held_workflows() -> None:
    source = POLICY.replace(
        "      - start: periodic_review\n",
        "      - release_order: {}\n",
    )

    assert rendered_policy(source) == (
        "wf.yaml:47:9: error: 'release_order' decides a held order: only a workflow triggered "
        "by order_held has one\n"
        "   47 |       - release_order: {}\n"
        "      |         ^^^^^^^^^^^^^"
    )


def test_set_field_on_a_credit_term_points_to_change_terms() -> None:
    source = POLICY.replace(
        "set_field: {watchlist: true,",
        "set_field: {order_hold: true,",
    )

    assert rendered_policy(source) == (
        "wf.yaml:45:21: error: 'order_hold' is a credit term: set_field sets customer fields\n"
        "   45 |       - set_field: {order_hold: true, max_overdue_days: "
        '"case.data.proposed_days"}\n'
        "      |                     ^^^^^^^^^^\n"
        "      = hint: change it with change_terms"
    )


def test_set_field_on_an_unknown_field_suggests_the_nearest() -> None:
    source = POLICY.replace(
        "set_field: {watchlist: true,",
        "set_field: {watchlst: true,",
    )

    assert rendered_policy(source) == (
        "wf.yaml:45:21: error: unknown customer field 'watchlst'; did you mean 'watchlist'?\n"
        '   45 |       - set_field: {watchlst: true, max_overdue_days: "case.data.proposed_days"}\n'
        "      |                     ^^^^^^^^"
    )


def test_a_set_field_literal_must_fit_the_field() -> None:
    source = POLICY.replace(
        "set_field: {watchlist: true,",
        "set_field: {watchlist: 1,",
    )

    assert rendered_policy(source) == (
        "wf.yaml:45:32: error: watchlist takes true or false, found the number 1\n"
        '   45 |       - set_field: {watchlist: 1, max_overdue_days: "case.data.proposed_days"}\n'
        "      |                                ^\n"
        "      = hint: a value written as text is a rules-language expression"
    )


def test_an_assignee_with_two_kinds_is_refused() -> None:
    source = POLICY.replace(
        "assignee: {role: sales_manager, department: customer}",
        "assignee: {role: sales_manager, owner: true}",
    )

    assert rendered_policy(source) == (
        "wf.yaml:14:37: error: an assignee in step 'sales_review' names exactly one of role, "
        "owner or user, found role, owner\n"
        "   14 |     assignee: {role: sales_manager, owner: true}\n"
        "      |                                     ^^^^^\n"
        "      = hint: write {role: NAME}, {owner: true} or {user: NAME}"
    )


def test_an_assignee_with_no_kind_is_refused() -> None:
    source = POLICY.replace(
        "assignee: {role: sales_manager, department: customer}",
        "assignee: {department: customer}",
    )

    assert rendered_policy(source) == (
        "wf.yaml:14:15: error: an assignee in step 'sales_review' names exactly one of role, "
        "owner or user, found none\n"
        "   14 |     assignee: {department: customer}\n"
        "      |               ^^^^^^^^^^^^^^^^^^^^^^\n"
        "      = hint: write {role: NAME}, {owner: true} or {user: NAME}"
    )


def test_a_quorum_of_zero_is_refused() -> None:
    source = POLICY.replace(
        "quorum: 2,",
        "quorum: 0,",
    )

    assert rendered_policy(source) == (
        "wf.yaml:26:24: error: 'quorum' must be any, all or a whole number of 1 or more, found "
        "the number 0\n"
        "   26 |     approval: {quorum: 0, four_eyes: true, action: approve}\n"
        "      |                        ^"
    )


def test_an_unknown_dedupe_is_refused_with_both_meanings() -> None:
    source = POLICY.replace(
        "dedupe: add_reason",
        "dedupe: merge",
    )

    assert rendered_policy(source) == (
        "wf.yaml:8:9: error: 'dedupe' must be ignore or add_reason, found the text 'merge'\n"
        "    8 | dedupe: merge\n"
        "      |         ^^^^^\n"
        "      = hint: ignore: a new reason leaves the open case as it is; add_reason: it is "
        "added to its history"
    )


def test_an_unknown_alert_severity_lists_the_severities() -> None:
    source = POLICY.replace(
        "severity: [critical, warning]",
        "severity: [critical, high]",
    )

    assert rendered_policy(source) == (
        "wf.yaml:5:24: error: unknown alert severity 'high'\n"
        "    5 |   severity: [critical, high]\n"
        "      |                        ^^^^\n"
        "      = hint: alerts have the severities: info, warning, critical"
    )


def test_a_field_changed_trigger_needs_its_fields() -> None:
    source = ORDER_HOLD.replace(
        'trigger: {on: order_held, when: "order.amount > 100000 and check.decision == \\"hold\\""}',
        "trigger: {on: field_changed}",
    )

    assert rendered_policy(source) == (
        "wf.yaml:3:1: error: missing 'fields' in the field_changed trigger\n"
        "    3 | trigger: {on: field_changed}\n"
        "      | ^^^^^^^"
    )


def test_a_watched_field_the_customer_lacks_suggests_the_nearest() -> None:
    source = ORDER_HOLD.replace(
        'trigger: {on: order_held, when: "order.amount > 100000 and check.decision == \\"hold\\""}',
        "trigger: {on: field_changed, fields: [credit_limit, max_overdue_dys]}",
    )

    assert rendered_policy(source) == (
        "wf.yaml:3:53: error: unknown field 'max_overdue_dys'; did you mean 'max_overdue_days'?\n"
        "    3 | trigger: {on: field_changed, fields: [credit_limit, max_overdue_dys]}\n"
        "      |                                                     ^^^^^^^^^^^^^^^"
    )


def test_a_parameter_of_another_trigger_kind_is_an_unknown_key() -> None:
    source = ORDER_HOLD.replace(
        "trigger: {on: order_held,",
        "trigger: {on: order_held, severity: critical,",
    )

    assert rendered_policy(source) == (
        "wf.yaml:3:27: error: unknown key 'severity' in the order_held trigger\n"
        '    3 | trigger: {on: order_held, severity: critical, when: "order.amount > 100000 '
        'and check.decision == \\"hold\\""}\n'
        "      |                           ^^^^^^^^\n"
        "      = hint: expected one of: on, when"
    )


def test_case_data_is_typed_from_the_action_forms() -> None:
    source = POLICY.replace(
        '"case.data.proposed_limit"',
        '"case.data.proposed_limt"',
    )

    assert rendered_policy(source) == (
        "wf.yaml:42:36: error: unknown field 'case.data.proposed_limt'; did you mean "
        "'case.data.proposed_limit'?\n"
        '   42 |           credit_limit: "case.data.proposed_limt"\n'
        "      |                                    ^^^^^^^^^^^^^"
    )


def test_until_must_be_a_duration_or_a_date() -> None:
    source = POLICY.replace(
        "until: 30d",
        "until: soon",
    )

    assert rendered_policy(source) == (
        "wf.yaml:35:16: error: 'until' must be a duration or a date, found the text 'soon'\n"
        "   35 |         until: soon\n"
        "      |                ^^^^\n"
        "      = hint: write a whole number followed by m (minutes), h (hours), d (days) or bd "
        "(business days), like 24h, or a date like 2026-06-30"
    )


def test_until_goes_with_change_terms_only() -> None:
    source = POLICY.replace(
        "      - notify: {to: {role: sales}, template: terms_changed}\n",
        "      - notify: {to: {role: sales}, template: terms_changed}\n        until: 3d\n",
    )

    assert rendered_policy(source) == (
        "wf.yaml:47:9: error: 'until' in step 'apply' goes with change_terms only\n"
        "   47 |         until: 3d\n"
        "      |         ^^^^^"
    )


def test_an_event_guard_reads_the_fields_of_its_form() -> None:
    source = ORDER_HOLD.replace(
        'trigger: {on: order_held, when: "order.amount > 100000 and check.decision == \\"hold\\""}',
        'trigger: {on: event_received, kind: lawsuit, when: "event.amount > 1000000 and '
        'event.cort == \\"x\\""}',
    )

    assert rendered_policy(source) == (
        "wf.yaml:3:86: error: unknown field 'event.cort'; did you mean 'event.court'?\n"
        '    3 | trigger: {on: event_received, kind: lawsuit, when: "event.amount > 1000000 '
        'and event.cort == \\"x\\""}\n'
        "      |                                                                               "
        "       ^^^^"
    )


def test_a_notification_needs_a_template_or_a_message() -> None:
    source = POLICY.replace(
        "notify: {template: case_escalated}",
        "notify: {to: {role: sales}}",
    )

    assert rendered_policy(source) == (
        "wf.yaml:18:51: error: a notification in step 'sales_review' needs a template or a "
        "message\n"
        "   18 |       - {after: 2bd, to: {role: department_head}, notify: {to: {role: sales}}}\n"
        "      |                                                   ^^^^^^"
    )


def test_steps_that_only_lead_to_each_other_have_no_way_to_close() -> None:
    source = (
        "workflow: review\n"
        "trigger: {on: manual}\n"
        "start: look\n"
        "steps:\n"
        "  look:\n"
        "    assignee: {role: sales}\n"
        "    actions:\n"
        "      ask_legal: {to: legal_review}\n"
        "      done: {to: closed}\n"
        "  legal_review:\n"
        "    assignee: {role: legal}\n"
        "    actions:\n"
        "      recheck: {to: legal_check}\n"
        "  legal_check:\n"
        "    do: [{notify: {template: legal_check}}]\n"
        "    to: legal_review\n"
    )

    assert rendered_policy(source) == (
        "wf.yaml:10:3: error: no path leads from step 'legal_review' to 'closed': a case reaching "
        "it never ends\n"
        "   10 |   legal_review:\n"
        "      |   ^^^^^^^^^^^^\n"
        "      = hint: give it, or a step it leads to, an action or a do step going to closed\n"
        "wf.yaml:14:3: error: no path leads from step 'legal_check' to 'closed': a case reaching "
        "it never ends\n"
        "   14 |   legal_check:\n"
        "      |   ^^^^^^^^^^^\n"
        "      = hint: give it, or a step it leads to, an action or a do step going to closed"
    )


def test_a_quorum_above_one_may_not_escalate_to_a_single_person() -> None:
    source = POLICY.replace(
        "escalate: [{after: 48h, to: {role: cfo}}]", "escalate: [{after: 48h, to: {user: wang.li}}]"
    )

    assert rendered_policy(source) == (
        "wf.yaml:28:40: error: escalation 1 in step 'finance_approval' reassigns the step to a "
        "single person, but its approval needs 2 people\n"
        "   28 |     escalate: [{after: 48h, to: {user: wang.li}}]\n"
        "      |                                        ^^^^^^^\n"
        "      = hint: escalate to a role, or use quorum: 1"
    )


def test_four_eyes_with_a_quorum_of_two_from_the_same_role_is_fine() -> None:
    source = POLICY.replace(
        "  finance_approval:\n    assignee: {role: finance_head}",
        "  finance_approval:\n    assignee: {role: sales_manager}",
    )

    assert rendered_policy(source) == ""


def test_a_customer_field_named_like_a_trigger_fact_is_hidden_and_warned_of() -> None:
    schema = {**POLICY_SCHEMA, "order": FieldInfo(ValueType.TEXT)}

    assert rendered(ORDER_HOLD, schema=schema, forms=FORMS) == (
        "wf.yaml:3:15: warning: the customer field 'order' cannot be read in this workflow: the "
        "order_held trigger gives the name 'order' to its own facts\n"
        '    3 | trigger: {on: order_held, when: "order.amount > 100000 and check.decision == '
        '\\"hold\\""}\n'
        "      |               ^^^^^^^^^^\n"
        "      = hint: rename the customer field"
    )


def test_a_step_label_in_an_unknown_language_is_refused_at_its_key() -> None:
    source = POLICY.replace(
        "  sales_review:\n", "  sales_review:\n    label: {en: Sales review, fr: Revue}\n"
    )

    assert rendered_policy(source) == (
        "wf.yaml:14:31: error: unknown language 'fr' in a label\n"
        "   14 |     label: {en: Sales review, fr: Revue}\n"
        "      |                               ^^\n"
        "      = hint: labels are written in: en, zh"
    )
