"""The case page's read model (engine.case_views) and the inbox's tabs, on each backend.

The tests of forms and approvals import the example template with a proposal form and a
four-eyes quorum (tests.case_forms) and drive the case through real actions.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session

from engine.access import Access
from engine.case_page_views import CasePage
from engine.case_views import case_page, customer_cases
from engine.cases import take_action
from engine.db import Database
from engine.errors import InvalidRequestError, NotFoundError
from engine.inbox import INBOX_TABS, list_inbox
from engine.models import Case
from engine.rows import update_versioned
from engine.timers import sweep
from engine.users import add_user, get_user
from engine.views import CaseView
from tests.case_forms import PROPOSAL, proposal_workspace
from tests.engine.conftest import HEALTHY, NOW, RISKY, TERMS, upsert

__all__ = ["proposal_workspace"]  # a fixture, used by name


def _access(
    session: Session, name: str, roles: tuple[str, ...], department: str | None = None
) -> Access:
    if get_user(session, name) is None:
        add_user(session, name, roles=roles, department=department, password=None, now=NOW)
    user = get_user(session, name)
    assert user is not None
    return user.access


def _page(
    database: Database, case_id: int, name: str, roles: tuple[str, ...], **kwargs: Any
) -> CasePage:
    with database.transaction() as session:
        access = _access(session, name, roles, kwargs.pop("department", None))
        return case_page(
            session,
            case_id,
            access=access,
            scope=access.departments_for("customers:read"),
            now=kwargs.pop("now", NOW),
            language=kwargs.pop("language", "en"),
            actor=name,
        )


def _act(
    database: Database, case_id: int, action: str, actor: str, roles: list[str], **kw: Any
) -> CaseView:
    with database.transaction() as session:
        return take_action(
            session, case_id, action, actor=actor, roles=roles, now=kw.pop("now", NOW), **kw
        )


def test_the_page_shows_the_assessment_the_case_opened_on_beside_the_current_one(
    workspace: Database,
) -> None:
    case_id = upsert(workspace, "C002", RISKY, terms=TERMS).cases_opened[0]
    # a day later the overdue is paid: the customer is re-scored, the case stays open
    upsert(workspace, "C002", {**RISKY, "max_overdue_days": 0}, now=NOW + timedelta(days=1))
    page = _page(workspace, case_id, "sam", ("sales_manager",))
    assert page.opened is not None and page.current is not None
    assert page.opened.id != page.current.id
    assert page.opened.tier == "high" and page.opened.score == 60
    assert page.current.score < page.opened.score
    assert page.change is not None
    assert (page.change.from_score, page.change.to_score) == (60, page.current.score)
    assert "Overdue more than 90 days" in page.change.summary
    # reasons in words, fields by their labels, not their ids
    opened_texts = [line.text for line in page.opened.reasons]
    assert "+30 Overdue more than 90 days (Worst current overdue (days) = 120)" in opened_texts
    assert not any("max_overdue_days" in text for text in opened_texts)
    assert page.opened.reasons[-1].kind == "tier"
    assert "Years in business" in page.opened.missing


def test_the_page_speaks_chinese_with_the_forms_chinese_labels(workspace: Database) -> None:
    case_id = upsert(workspace, "C002", RISKY, terms=TERMS).cases_opened[0]
    page = _page(workspace, case_id, "sam", ("sales_manager",), language="zh")
    assert page.language == "zh"
    assert page.change is None  # no new assessment since the case opened
    assert page.opened is not None
    assert any("最长逾期天数 = 120" in line.text for line in page.opened.reasons)
    assert page.customer is not None and page.customer.terms.credit_limit == 1_000_000


def test_the_trigger_reason_is_told_in_words(workspace: Database) -> None:
    case_id = upsert(workspace, "C002", RISKY, terms=TERMS).cases_opened[0]
    page = _page(workspace, case_id, "sam", ("sales_manager",))
    [reason] = page.triggers
    assert reason.trigger == "tier_changed"
    assert reason.text.english() == (
        "the first assessment put the customer in tier high (score 60)"
    )
    assert dict(reason.details)["tier"] == "high"


def test_an_escalation_and_an_action_appear_in_the_history(workspace: Database) -> None:
    case_id = upsert(workspace, "C002", RISKY, terms=TERMS).cases_opened[0]
    sweep(workspace, now=NOW + timedelta(hours=25), worker="w1")
    _act(
        workspace,
        case_id,
        "propose_terms",
        "dora",
        ["department_head"],
        comment="halve the line",
        now=NOW + timedelta(hours=26),
    )
    page = _page(workspace, case_id, "fay", ("finance_head",), now=NOW + timedelta(hours=27))
    reasons = [(h.reason, h.actor, h.assigned_role) for h in page.history]
    assert reasons == [
        ("start", "api", "sales_manager"),
        ("escalation", "system", "department_head"),
        ("action", "dora", "finance_head"),
    ]
    assert page.history[-1].comment == "halve the line"
    assert page.history[-1].action == "propose_terms"


def test_an_approver_sees_the_terms_the_approval_would_apply(workspace: Database) -> None:
    case_id = upsert(workspace, "C002", RISKY, terms=TERMS).cases_opened[0]
    _act(workspace, case_id, "propose_terms", "sam", ["sales_manager"])
    page = _page(workspace, case_id, "fay", ("finance_head",))
    approve = next(a for a in page.actions if a.name == "approve")
    rows = {row.name: (row.current, row.proposed, row.is_changed) for row in approve.applies}
    # the example's apply step: payment 30 days, 30% prepayment, half the limit, no hold
    assert rows["credit_limit"] == (1_000_000, 500_000, True)
    assert rows["payment_terms_days"] == (60, 30, True)
    assert rows["prepayment_pct"] == (0, 0.3, True)
    assert rows["order_hold"] == (False, False, False)
    reject = next(a for a in page.actions if a.name == "reject")
    assert reject.requires_comment and reject.applies == ()


def test_closing_the_case_lists_the_terms_change_it_made(workspace: Database) -> None:
    case_id = upsert(workspace, "C002", RISKY, terms=TERMS).cases_opened[0]
    _act(workspace, case_id, "propose_terms", "sam", ["sales_manager"])
    _act(workspace, case_id, "approve", "fay", ["finance_head"])
    page = _page(workspace, case_id, "fay", ("finance_head",))
    assert page.case.status == "closed" and page.actions == () and page.approval is None
    [change] = page.terms_changes
    rows = {row.name: (row.current, row.proposed) for row in change.rows}
    assert rows["credit_limit"] == (1_000_000, 500_000)
    assert "order_hold" not in rows  # unchanged terms are left out
    # the terms change re-scored the customer: the current assessment is a newer one
    assert page.current is not None and page.opened is not None
    assert page.current.id != page.opened.id


# --- action forms and approvals (until the loader reads them, set on the loaded value) ----------


def test_the_proposal_form_is_prefilled_from_the_terms_it_proposes(
    proposal_workspace: Database,
) -> None:
    case_id = upsert(proposal_workspace, "C002", RISKY, terms=TERMS).cases_opened[0]
    page = _page(proposal_workspace, case_id, "sam", ("sales_manager",))
    propose = next(a for a in page.actions if a.name == "propose_terms")
    assert propose.form_key == PROPOSAL and propose.form_label == "Proposed credit terms"
    # the apply step sets credit_limit to case.data.proposed_limit: that field proposes it
    fields = {f.id: (f.term, f.value, f.current) for f in propose.fields}
    assert fields == {
        "proposed_limit": ("credit_limit", 1_000_000, 1_000_000),
        "proposed_days": ("payment_terms_days", 60, 60),
        "rationale": (None, None, None),
    }
    assert propose.fields[0].required and not propose.fields[2].is_term
    zh = _page(proposal_workspace, case_id, "sam", ("sales_manager",), language="zh")
    zh_propose = next(a for a in zh.actions if a.name == "propose_terms")
    assert zh_propose.fields[0].label == "拟议信用额度"


def test_the_approver_sees_the_proposed_terms_beside_the_current_ones_and_the_quorum(
    proposal_workspace: Database,
) -> None:
    case_id = upsert(proposal_workspace, "C002", RISKY, terms=TERMS).cases_opened[0]
    data = {"proposed_limit": 400_000, "proposed_days": 60, "rationale": "two lawsuits"}
    _act(proposal_workspace, case_id, "propose_terms", "sam", ["sales_manager"], data=data)
    # a first approval toward the quorum of two
    _act(proposal_workspace, case_id, "approve", "fay", ["finance_head"], comment="fine")
    page = _page(proposal_workspace, case_id, "gus", ("finance_head",))
    rows = {row.name: (row.label, row.current, row.proposed, row.is_changed) for row in page.data}
    assert rows == {
        "credit_limit": ("Credit limit", 1_000_000, 400_000, True),
        "payment_terms_days": ("Payment terms (days)", 60, 60, False),
        "rationale": ("Rationale", None, "two lawsuits", True),
    }
    approve = next(a for a in page.actions if a.name == "approve")
    applies = {row.name: (row.current, row.proposed) for row in approve.applies}
    assert applies["credit_limit"] == (1_000_000, 400_000)
    assert applies["prepayment_pct"] == (0, 0.3)
    approval = page.approval
    assert approval is not None
    assert (approval.action, approval.quorum, approval.needed) == ("approve", "2", 2)
    assert [v.actor for v in approval.votes] == ["fay"]
    # fay is kept from a second approval by her vote, not by four eyes
    assert approval.excluded == ("sam",) and approval.barred is None
    # the history keeps the data filled, named by the form's labels, and the vote
    proposed, vote = page.history[-2:]
    assert dict(proposed.data)["Rationale"] == "two lawsuits"
    assert (vote.reason, vote.actor, vote.comment) == ("vote", "fay", "fine")


def test_four_eyes_bars_the_proposer_and_says_why(proposal_workspace: Database) -> None:
    case_id = upsert(proposal_workspace, "C002", RISKY, terms=TERMS).cases_opened[0]
    data = {"proposed_limit": 500_000}
    _act(proposal_workspace, case_id, "propose_terms", "sam", ["sales_manager"], data=data)
    # sam holds finance_head too: four eyes still bars him from approving his own proposal
    page = _page(proposal_workspace, case_id, "sam", ("sales_manager", "finance_head"))
    assert page.approval is not None and page.approval.barred is not None
    assert page.approval.barred.english() == (
        "four eyes: sam proposed it, so someone else must take 'approve' at step 'finance_approval'"
    )
    approve = next(a for a in page.actions if a.name == "approve")
    assert approve.is_approval and approve.barred == page.approval.barred
    assert next(a for a in page.actions if a.name == "reject").barred is None


# --- scope, the inbox's tabs, a customer's cases ---------------------------------------------


def test_a_case_outside_the_callers_departments_is_not_found(workspace: Database) -> None:
    case_id = upsert(workspace, "C002", RISKY, terms=TERMS).cases_opened[0]
    with pytest.raises(NotFoundError):
        _page(workspace, case_id, "wes", ("department_head",), department="west")
    with pytest.raises(NotFoundError):
        _page(workspace, 10**6, "sam", ("sales_manager",))


def test_the_inbox_tabs_split_mine_waiting_and_done(workspace: Database) -> None:
    first = upsert(workspace, "C002", RISKY, terms=TERMS).cases_opened[0]
    second = upsert(workspace, "C003", {**RISKY, "name": "Other"}, terms=TERMS).cases_opened[0]
    upsert(workspace, "C001", HEALTHY)
    _act(workspace, first, "no_change", "sam", ["sales_manager"], comment="paid meanwhile")
    with workspace.transaction() as session:
        manager = _access(session, "sam", ("sales_manager",))
        finance = _access(session, "fay", ("finance_head",))
        west = _access(session, "wes", ("sales_manager",), "west")

        def ids(tab: str, access: Any) -> list[int]:
            scope = access.departments_for("customers:read")
            return [c.id for c in list_inbox(session, tab, access=access, scope=scope).items]

        assert ids("mine", manager) == [second]
        assert ids("waiting", manager) == []
        assert ids("done", manager) == [first]
        assert ids("mine", finance) == []
        assert ids("waiting", finance) == [second]
        assert ids("done", finance) == [first]
        assert [ids(tab, west) for tab in INBOX_TABS] == [[], [], []]
        with pytest.raises(InvalidRequestError):
            list_inbox(session, "all", access=manager, scope=None)
        cases = customer_cases(session, "C002", scope=None)
        assert [(c.id, c.status) for c in cases] == [(first, "closed")]
        with pytest.raises(NotFoundError):
            customer_cases(session, "C002", scope=frozenset({"west"}))


def test_done_lists_the_newest_first_a_page_at_a_time(workspace: Database) -> None:
    closed = []
    for n in range(3):
        case_id = upsert(workspace, f"C10{n}", RISKY, terms=TERMS).cases_opened[0]
        _act(workspace, case_id, "no_change", "sam", ["sales_manager"], comment="fine")
        closed.append(case_id)
    with workspace.transaction() as session:
        access = _access(session, "sam", ("sales_manager",))
        first = list_inbox(session, "done", access=access, scope=None, limit=2)
        rest = list_inbox(session, "done", access=access, scope=None, cursor=first.next_cursor)
    assert [c.id for c in first.items] == closed[::-1][:2]
    assert [c.id for c in rest.items] == closed[:1] and rest.next_cursor is None


def test_a_case_assigned_to_me_by_name_is_mine_and_waits_on_others(workspace: Database) -> None:
    case_id = upsert(workspace, "C002", RISKY, terms=TERMS).cases_opened[0]
    with workspace.transaction() as session:
        case = session.get(Case, case_id)
        assert case is not None
        # as an owner assignee (issue 10) writes it: the step is for one user
        update_versioned(session, case, assigned_user="olga")
        olga = _access(session, "olga", ("sales",))
        sam = _access(session, "sam", ("sales_manager",))

        def ids(tab: str, access: Access, actor: str) -> list[int]:
            page = list_inbox(session, tab, access=access, scope=None, actor=actor)
            return [c.id for c in page.items]

        assert ids("mine", olga, "olga") == [case_id]
        assert ids("waiting", olga, "olga") == []
        # the role it names no longer makes it the sales manager's
        assert ids("mine", sam, "sam") == []
        assert ids("waiting", sam, "sam") == [case_id]


def test_a_case_of_a_customer_in_no_department_waits_on_others(workspace: Database) -> None:
    case_id = upsert(workspace, "C009", RISKY, terms=TERMS, department=None).cases_opened[0]
    with workspace.transaction() as session:
        finance = _access(session, "fay", ("finance_head",))
        page = list_inbox(session, "waiting", access=finance, scope=None, actor="fay")
    assert [c.id for c in page.items] == [case_id]
