"""Drafts of forms and workflows: the same mechanism as rulesets (saved with errors, checked as
the import checks them, published in place)."""

from __future__ import annotations

from engine import specs
from engine.db import Database
from engine.drafts import list_versions, save_draft
from engine.models import SpecKind
from engine.publishing import publish_draft
from tests.engine.conftest import HEALTHY, NOW, upsert

FORM = SpecKind.FORM
WORKFLOW = SpecKind.WORKFLOW


def published_source(database: Database, kind: SpecKind, key: str) -> str:
    with database.transaction() as session:
        return specs.find_row(session, kind, key).source


def test_a_customer_form_draft_publishes_and_validates_customers(workspace: Database) -> None:
    source = published_source(workspace, FORM, "customer")
    extra = "  - {id: credit_insurer, type: text, label: {en: Credit insurer}, max_length: 50}\n"
    with workspace.transaction() as session:
        draft = save_draft(session, FORM, "customer", source + extra, actor="ana", now=NOW)
    assert (draft.version, draft.has_errors, draft.diagnostics) == (2, False, ())
    with workspace.transaction() as session:
        outcome = publish_draft(
            session, FORM, "customer", comment="insurer", effective_at=None, actor="bo", now=NOW
        )
    assert (outcome.version, outcome.status, outcome.rescore_job_id) == (2, "published", None)
    with workspace.transaction() as session:
        form = specs.customer_form(session)
        assert form.version == 2 and form.value.field("credit_insurer") is not None
        # the ruleset keeps the form version it was published against
        assert specs.scoring_ruleset(session).meta["form"] == {"key": "customer", "version": 1}
    upsert(workspace, "C-1", {**HEALTHY, "credit_insurer": "Sinosure"})


def test_a_form_draft_that_breaks_a_published_ruleset_is_an_error_at_the_reading(
    workspace: Database,
) -> None:
    source = published_source(workspace, FORM, "customer")
    kept = [line for line in source.splitlines(keepends=True) if "id: max_overdue_days" not in line]
    with workspace.transaction() as session:
        draft = save_draft(session, FORM, "customer", "".join(kept), actor="ana", now=NOW)
    codes = [(d.code, str(d.severity)) for d in draft.diagnostics]
    assert set(codes) == {("breaks-published", "error")}
    credit = [d for d in draft.diagnostics if "ruleset 'credit'" in d.message]
    assert credit and all("max_overdue_days" in d.message for d in credit)
    assert all(d.span is not None and d.span.file == "rules/credit.rules" for d in credit)


def test_a_form_draft_named_unlike_its_key_is_an_error_at_the_name(workspace: Database) -> None:
    source = published_source(workspace, FORM, "customer").replace(
        "form: customer", "form: client", 1
    )
    line = source.splitlines().index("form: client") + 1
    with workspace.transaction() as session:
        draft = save_draft(session, FORM, "customer", source, actor="ana", now=NOW)
    (found,) = [d for d in draft.diagnostics if d.is_error]
    assert found.code == "form-key-mismatch"
    assert found.message == "the form is named 'client' but this is the draft of 'customer'"
    assert found.span is not None and (found.span.line, found.span.column) == (line, 7)


def test_a_workflow_draft_is_checked_against_the_roles_and_published(workspace: Database) -> None:
    key = "high_risk_review"
    source = published_source(workspace, WORKFLOW, key)
    with workspace.transaction() as session:
        unknown_role = source.replace("role: finance_head}", "role: ceo}")
        bad = save_draft(session, WORKFLOW, key, unknown_role, actor="ana", now=NOW)
    assert bad.has_errors
    assert "unknown-role" in [d.code for d in bad.diagnostics if d.is_error]
    with workspace.transaction() as session:
        save_draft(
            session, WORKFLOW, key, source.replace("sla: 24h", "sla: 12h"), actor="ana", now=NOW
        )
        outcome = publish_draft(
            session, WORKFLOW, key, comment="faster", effective_at=None, actor="bo", now=NOW
        )
    assert (outcome.version, outcome.status) == (2, "published")
    with workspace.transaction() as session:
        loaded = specs.load_workflow(session, key)
        assert loaded.version == 2
        assert loaded.meta["roles"] == specs.find_row(session, WORKFLOW, key, 1).meta["roles"]
        statuses = [(v.version, v.status) for v in list_versions(session, WORKFLOW, key)]
    assert statuses == [(1, "retired"), (2, "published")]


def test_a_workflow_draft_is_checked_against_the_published_forms_and_workflows(
    workspace: Database,
) -> None:
    key = "high_risk_review"
    source = published_source(workspace, WORKFLOW, key)
    draft_source = source.replace(
        "propose_terms: {to: finance_approval}",
        "propose_terms: {to: finance_approval, form: lawsuit}",
    ).replace(
        "          order_hold: false\n", "          order_hold: false\n      - start: nightly\n"
    )
    with workspace.transaction() as session:
        draft = save_draft(session, WORKFLOW, key, draft_source, actor="ana", now=NOW)
        good = save_draft(
            session,
            WORKFLOW,
            key,
            draft_source.replace("start: nightly", f"start: {key}"),
            actor="ana",
            now=NOW,
        )

    assert [(d.code, d.message) for d in draft.diagnostics] == [
        ("unknown-workflow", "'start' names unknown workflow 'nightly'")
    ]
    assert (good.has_errors, good.diagnostics) == (False, ())
