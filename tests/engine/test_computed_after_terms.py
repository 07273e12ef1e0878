"""A computed field that reads the credit terms is computed again when a workflow changes them,
and when a temporary change is restored: not left stale until the customer's next write."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from engine import crypto
from engine.cases import take_action
from engine.customers import find_customer
from engine.db import Database
from engine.drafts import save_draft
from engine.freshness import Source
from engine.models import AuditEntry, SpecKind
from engine.publishing import publish_draft
from engine.specs import find_row
from tests.engine.conftest import NOW, RISKY, TERMS, upsert

USAGE = """  - id: usage_ratio
    type: decimal
    label: {en: Usage ratio, zh: 额度使用率}
    computed: "if credit_limit > 0 then outstanding_balance / credit_limit else 0"
"""


def _usage(database: Database) -> tuple[object, object, int]:
    with database.transaction() as session:
        customer = find_customer(session, "C002")
        stamp = (customer.freshness or {}).get("fields", {}).get("usage_ratio") or {}
        data = crypto.customer_data(session, customer)
        return data.get("usage_ratio"), stamp.get("source"), customer.row_version


def test_a_terms_change_recomputes_a_computed_field_that_reads_them(workspace: Database) -> None:
    with workspace.transaction() as session:
        source = find_row(session, SpecKind.FORM, "customer").source.rstrip("\n") + "\n" + USAGE
        save_draft(session, SpecKind.FORM, "customer", source, actor="ada", now=NOW)
        publish_draft(
            session, SpecKind.FORM, "customer", comment="usage", effective_at=None,
            actor="ada", now=NOW,
        )  # fmt: skip
    (case_id,) = upsert(workspace, "C002", RISKY, terms=TERMS).cases_opened
    assert _usage(workspace)[:2] == (0.9, "api")  # 900,000 of 1,000,000

    with workspace.transaction() as session:
        proposed = take_action(
            session, case_id, "propose_terms", actor="sam", roles=["sales_manager"],
            now=NOW + timedelta(hours=1), comment="halve the line",
        )  # fmt: skip
        take_action(
            session, case_id, "approve", actor="fay", roles=["finance_head"],
            now=NOW + timedelta(hours=2), expected_version=proposed.row_version,
        )  # fmt: skip
    # the limit is halved to 500,000: 900,000 of it, computed in the same transaction
    assert _usage(workspace)[:2] == (1.8, Source.WORKFLOW)
    with workspace.transaction() as session:
        updates = session.exec(
            select(AuditEntry)
            .where(AuditEntry.action == "customer.updated", AuditEntry.actor == "fay")
            .order_by(col(AuditEntry.id))
        ).all()
    assert [u.detail["fields"] for u in updates] == [["usage_ratio"]]
