"""Workflow sources and helpers shared by the workflow tests."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime

import pytest

import dsl
import workflows
from dsl import FieldInfo, ValueType

ROLES = ("sales", "sales_manager", "department_head", "finance_head", "legal", "cfo", "admin")

# The design's high_risk_review excerpt, as far as this cut reads it (docs/workflows.md): no
# approval, form, notify or department yet; no expressions either (see HIGH_RISK_REVIEW).
HIGH_RISK_REVIEW_LITERAL = """\
workflow: high_risk_review
label: {en: High-risk credit review, zh: 高风险客户复核}
trigger: {on: tier_changed}
start: sales_review
steps:
  sales_review:
    assignee: {role: sales_manager}
    sla: 24h
    escalate: [{after: 24h, to: {role: department_head}}, {after: 72h, to: {role: cfo}}]
    actions:
      propose_terms: {to: finance_approval}
      no_change: {to: closed, outcome: no_change, requires_comment: true}
  finance_approval:
    assignee: {role: finance_head}
    sla: 48h
    escalate: [{after: 48h, to: {role: cfo}}]
    actions:
      approve: {to: apply}
      reject: {to: sales_review, requires_comment: true}
  apply:
    do:
      - change_terms:
          payment_terms_days: 30
          prepayment_pct: 0.3
          credit_limit: 500000
          order_hold: false
    to: closed
"""

# The same with the design's trigger guard and terms expressions.
HIGH_RISK_REVIEW = HIGH_RISK_REVIEW_LITERAL.replace(
    "trigger: {on: tier_changed}",
    'trigger: {on: tier_changed, when: "assessment.tier == \\"high\\" and '
    '(assessment.previous_tier is missing or assessment.previous_tier != \\"high\\")"}',
).replace(
    "prepayment_pct: 0.3\n          credit_limit: 500000",
    'prepayment_pct: "30%"\n          credit_limit: "credit_limit * 50%"',
)

# The customer's fields and terms, as the engine builds the schema (form fields + terms).
SCHEMA = {
    "name": FieldInfo(ValueType.TEXT),
    "outstanding_balance": FieldInfo(ValueType.MONEY),
    "max_overdue_days": FieldInfo(ValueType.NUMBER, minimum=0),
    "credit_limit": FieldInfo(ValueType.MONEY),
    "payment_terms_days": FieldInfo(ValueType.NUMBER),
    "prepayment_pct": FieldInfo(ValueType.NUMBER),
    "order_hold": FieldInfo(ValueType.BOOLEAN),
    "next_review_at": FieldInfo(ValueType.DATE),
}

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

RECORD = {
    "name": "Acme Machining",
    "outstanding_balance": 800_000,
    "credit_limit": 1_000_000,
    "payment_terms_days": 60,
    "prepayment_pct": 0,
    "order_hold": False,
    "next_review_at": None,
    "assessment": {"tier": "high", "previous_tier": "medium", "score": 72},
}

SALES_MANAGER = frozenset({"sales_manager"})
FINANCE_HEAD = frozenset({"finance_head"})


def load(source: str, *, filename: str = "high_risk_review.yaml") -> workflows.Workflow:
    return workflows.load_workflow(source, filename=filename, schema=SCHEMA, roles=ROLES)


def rendered(
    source: str,
    *,
    filename: str = "wf.yaml",
    roles: tuple[str, ...] = ROLES,
    schema: dsl.Schema = SCHEMA,
    forms: Mapping[str, dsl.Schema] | None = None,
    workflows_: Collection[str] | None = None,
    calendars: Collection[str] | None = None,
) -> str:
    """Every diagnostic of `source`, rendered as the user sees it."""
    diagnostics = workflows.check_workflow(
        source,
        filename=filename,
        schema=schema,
        roles=roles,
        forms=forms,
        workflows=workflows_,
        calendars=calendars,
    )
    return dsl.render_all(diagnostics, {filename: source})


# The template of the definition tests: a customer form with a `watchlist` flag, an action form
# for proposed terms, an event form for lawsuits, two other workflows and one calendar.
POLICY_SCHEMA: dsl.Schema = {**SCHEMA, "watchlist": FieldInfo(ValueType.BOOLEAN)}
FORMS: Mapping[str, dsl.Schema] = {
    "credit_terms_proposal": {
        "proposed_limit": FieldInfo(ValueType.NUMBER, minimum=0),
        "proposed_days": FieldInfo(ValueType.NUMBER),
    },
    "lawsuit": {
        "amount": FieldInfo(ValueType.NUMBER),
        "court": FieldInfo(ValueType.TEXT),
    },
    "overdue_invoice": {"amount": FieldInfo(ValueType.NUMBER), "days": FieldInfo(ValueType.NUMBER)},
}
WORKFLOWS = ("high_risk_review", "periodic_review", "order_hold")
CALENDARS = ("china",)


def load_policy(source: str, *, filename: str = "wf.yaml") -> workflows.Workflow:
    """`source` loaded against the definition tests' template (POLICY_SCHEMA, FORMS, ...)."""
    return workflows.load_workflow(
        source,
        filename=filename,
        schema=POLICY_SCHEMA,
        roles=ROLES,
        forms=FORMS,
        workflows=WORKFLOWS,
        calendars=CALENDARS,
    )


def rendered_policy(source: str, *, filename: str = "wf.yaml") -> str:
    """Every diagnostic of `source` against the definition tests' template, rendered."""
    return rendered(
        source,
        filename=filename,
        schema=POLICY_SCHEMA,
        forms=FORMS,
        workflows_=WORKFLOWS,
        calendars=CALENDARS,
    )


@pytest.fixture
def review() -> workflows.Workflow:
    return load(HIGH_RISK_REVIEW_LITERAL)
