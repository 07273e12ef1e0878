"""The case page an approver decides from, the inbox's tabs and a customer's cases.

Each test checks the template and its context first, then as little HTML as it needs (the ids
the browser tests and the lead's end-to-end test rely on).
"""

from __future__ import annotations

from datetime import timedelta

from engine import clock
from engine.cases import get_case, take_action
from engine.db import Database
from engine.delegations import set_delegation
from engine.models import Case, CaseTransition
from engine.rows import update_versioned
from engine.users import add_user
from tests.case_forms import proposal_workspace
from tests.web.conftest import RISKY, TERMS, PageClient, upsert

__all__ = ["proposal_workspace"]  # a fixture, used by name

LANG_ZH = {"Accept-Language": "zh-CN"}


def _act(
    database: Database, case_id: int, action: str, actor: str, role: str, **kw: object
) -> None:
    with database.transaction() as session:
        take_action(session, case_id, action, actor=actor, roles=[role], now=clock.utcnow(), **kw)  # type: ignore[arg-type]


def test_the_case_page_shows_tier_score_reasons_and_terms(
    workspace: Database, pages: PageClient
) -> None:
    case_id = upsert(workspace, "C002", RISKY, terms=TERMS).cases_opened[0]
    upsert(workspace, "C002", {**RISKY, "enforcement_records": 0})
    pages.login("sam", ["sales_manager"])
    response = pages.get(f"/cases/{case_id}")
    assert response.template.name == "case.html"
    page = response.context["page"]
    assert page.case.id == case_id and response.context["error"] is None
    assert (page.opened.score, page.current.score) == (60, 35)
    assert page.customer.ref == "C002"
    assert [a.name for a in page.actions] == ["propose_terms", "no_change"]
    html = response.text
    assert '<td class="num" id="score-opened">60</td>' in html
    assert '<td class="num" id="score-now">35</td>' in html
    assert 'id="assessment-change"' in html and "Court enforcement on record" in html
    assert "Worst current overdue (days) = 120" in html  # the field's label, not its id
    assert "the first assessment put the customer in tier high (score 60)" in html
    assert 'data-testid="do-no_change"' in html and 'id="comment-no_change"' in html
    assert "1,000,000 CNY" in html
    # the workflow drawn beside, the case's step highlighted
    diagram = str(response.context["diagram"])
    assert diagram.count('aria-current="step"') == 1 and "sales_review" in diagram


def test_the_approver_sees_the_terms_the_approval_would_apply(
    workspace: Database, pages: PageClient
) -> None:
    case_id = upsert(workspace, "C002", RISKY, terms=TERMS).cases_opened[0]
    _act(workspace, case_id, "propose_terms", "sam", "sales_manager")
    pages.login("fay", ["finance_head"])
    response = pages.get(f"/cases/{case_id}")
    approve = next(a for a in response.context["page"].actions if a.name == "approve")
    assert {r.name: r.proposed for r in approve.applies}["credit_limit"] == 500_000
    html = response.text
    applies = html.split('id="applies-approve"')[1].split("</table>")[0]
    assert '<tr data-term="credit_limit" class="changed">' in applies
    assert "1,000,000" in applies and "500,000" in applies and "30%" in applies


def test_a_missing_comment_is_shown_beside_the_action_with_the_input_kept(
    workspace: Database, pages: PageClient
) -> None:
    case_id = upsert(workspace, "C002", RISKY, terms=TERMS).cases_opened[0]
    pages.login("sam", ["sales_manager"])
    page = pages.get(f"/cases/{case_id}")
    assert "(required)" in page.text.split('id="action-no_change"')[1].split("</form>")[0]
    response = pages.post(
        f"/cases/{case_id}/actions/no_change",
        data={"csrf_token": page.context["csrf_token"], "comment": "   "},
    )
    assert response.status_code == 422
    assert response.template.name == "case.html"
    assert response.context["error"]["action"] == "no_change"
    assert "requires a comment" in response.context["error"]["detail"]
    assert 'role="alert"' in response.text
    with workspace.transaction() as session:
        assert get_case(session, case_id).status == "open"


def test_a_stale_version_is_refused_on_the_page(workspace: Database, pages: PageClient) -> None:
    case_id = upsert(workspace, "C002", RISKY, terms=TERMS).cases_opened[0]
    pages.login("sam", ["sales_manager"])
    token = pages.get(f"/cases/{case_id}").context["csrf_token"]
    response = pages.post(
        f"/cases/{case_id}/actions/propose_terms",
        data={"csrf_token": token, "comment": "mine", "expected_version": "7"},
    )
    assert response.status_code == 409 and response.template.name == "case.html"
    assert response.context["posted"]["comment"] == "mine"
    assert ">mine</textarea>" in response.text


def test_the_proposal_form_posts_its_data(proposal_workspace: Database, pages: PageClient) -> None:
    case_id = upsert(proposal_workspace, "C002", RISKY, terms=TERMS).cases_opened[0]
    pages.login("sam", ["sales_manager"])
    page = pages.get(f"/cases/{case_id}")
    form = page.text.split('id="action-propose_terms"')[1].split("</form>")[0]
    assert 'name="data.proposed_limit" value="1000000"' in form
    assert "now: 1,000,000" in form
    response = pages.post(
        f"/cases/{case_id}/actions/propose_terms",
        data={
            "csrf_token": page.context["csrf_token"],
            "data.proposed_limit": "400,000",
            "data.proposed_days": "45",
            "data.rationale": "two lawsuits",
            "comment": "lower the line",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    with proposal_workspace.transaction() as session:
        last = get_case(session, case_id).history[-1]
    filled = {"proposed_limit": 400_000, "proposed_days": 45, "rationale": "two lawsuits"}
    assert last.data == filled
    history = pages.get(f"/cases/{case_id}").context["page"].history
    assert dict(history[-1].data)["Rationale"] == "two lawsuits"


def test_the_case_page_in_chinese(workspace: Database, pages: PageClient) -> None:
    case_id = upsert(workspace, "C002", RISKY, terms=TERMS).cases_opened[0]
    pages.login("sam", ["sales_manager"])
    response = pages.get(f"/cases/{case_id}", headers=LANG_ZH)
    assert response.context["page"].language == "zh"
    html = response.text
    assert "最长逾期天数 = 120" in html
    assert "首次评估将客户定为 high 等级（评分 60）" in html
    assert "案件开启时" in html


def test_the_inbox_tabs(workspace: Database, pages: PageClient) -> None:
    done = upsert(workspace, "C002", RISKY, terms=TERMS).cases_opened[0]
    waiting = upsert(workspace, "C003", {**RISKY, "name": "Other"}, terms=TERMS).cases_opened[0]
    _act(workspace, done, "no_change", "sam", "sales_manager", comment="paid")
    _act(workspace, waiting, "propose_terms", "sam", "sales_manager")
    pages.login("sam", ["sales_manager"])
    mine = pages.get("/inbox")
    assert mine.template.name == "inbox.html" and mine.context["tab"] == "mine"
    assert mine.context["cases"] == ()
    assert '<a href="/inbox?tab=mine" id="tab-mine" aria-current="page"' in mine.text
    others = pages.get("/inbox", params={"tab": "waiting"}).context["cases"]
    assert [c.id for c in others] == [waiting]
    closed = pages.get("/inbox", params={"tab": "done"})
    assert [c.id for c in closed.context["cases"]] == [done]
    assert f'<tr data-case="{done}">' in closed.text and "<td>No change</td>" in closed.text
    # an unknown tab is the first one
    assert pages.get("/inbox", params={"tab": "nope"}).context["tab"] == "mine"


def test_the_customer_page_lists_open_and_closed_cases(
    workspace: Database, pages: PageClient
) -> None:
    first = upsert(workspace, "C002", RISKY, terms=TERMS).cases_opened[0]
    _act(workspace, first, "no_change", "sam", "sales_manager", comment="paid")
    pages.login("rita", ["legal"])
    response = pages.get("/customers/C002")
    assert [(c.id, c.status) for c in response.context["cases"]] == [(first, "closed")]
    assert f'<li data-case="{first}" data-status="closed"><a href="/cases/{first}">' in (
        response.text
    )


def test_the_history_tells_votes_delegates_escalation_actions_and_added_reasons(
    workspace: Database, pages: PageClient
) -> None:
    case_id = upsert(workspace, "C002", RISKY, terms=TERMS).cases_opened[0]
    now = clock.utcnow()
    with workspace.transaction() as session:
        case = session.get(Case, case_id)
        assert case is not None
        reason = {
            "trigger": "alert_raised",
            "rule": "overdue_90",
            "severity": "critical",
            "message": "Invoice overdue 120 days",
        }
        # as engine.triggers records a trigger firing again (dedupe: add_reason)
        update_versioned(
            session, case, context={**case.context, "reasons": [*case.context["reasons"], reason]}
        )
        # rows as issue 10's semantics and delegation write them
        for row in (
            {"reason": "reason_added", "action": None, "actor": "api", "data": reason},
            {"reason": "vote", "action": "approve", "actor": "dee", "on_behalf_of": "fay"},
            {"reason": "escalation", "action": "hold_orders", "actor": None},
        ):
            session.add(
                CaseTransition(
                    case_id=case_id,
                    from_step="sales_review",
                    to_step="sales_review",
                    assigned_role="sales_manager",
                    comment=None,
                    at=now,
                    **({"data": {}} | row),
                )
            )
    pages.login("sam", ["sales_manager"])
    response = pages.get(f"/cases/{case_id}")
    page = response.context["page"]
    assert [t.trigger for t in page.triggers] == ["tier_changed", "alert_raised"]
    added = next(h for h in page.history if h.reason == "reason_added")
    assert added.trigger is not None
    assert added.trigger.text.english() == (
        "alert overdue_90 was raised (critical): Invoice overdue 120 days"
    )
    assert added.data == ()
    html = response.text
    assert "The trigger fired again: alert overdue_90 was raised (critical): Invoice" in html
    vote = html.split('data-reason="vote"')[1].split("</tr>")[0]
    assert "dee" in vote and "for fay" in vote and "a vote toward the quorum" in vote
    escalation = html.split('data-reason="escalation"')[1].split("</tr>")[0]
    assert "Escalation took Hold orders → Sales review" in escalation  # the labels


def test_invalid_form_data_is_shown_by_field_with_the_input_kept(
    proposal_workspace: Database, pages: PageClient
) -> None:
    case_id = upsert(proposal_workspace, "C002", RISKY, terms=TERMS).cases_opened[0]
    pages.login("sam", ["sales_manager"])
    token = pages.get(f"/cases/{case_id}").context["csrf_token"]
    response = pages.post(
        f"/cases/{case_id}/actions/propose_terms",
        data={"csrf_token": token, "data.proposed_limit": "-5", "data.rationale": "why not"},
    )
    assert response.status_code == 422 and response.template.name == "case.html"
    error = response.context["error"]
    assert error["action"] == "propose_terms"
    assert [e["path"] for e in error["errors"]] == ["data.proposed_limit"]
    form = response.text.split('id="action-propose_terms"')[1].split("</form>")[0]
    assert 'name="data.proposed_limit" value="-5"' in form and 'value="why not"' in form


def test_a_delegate_finds_acts_on_and_signs_for_the_delegators_case(
    workspace: Database, pages: PageClient
) -> None:
    now = clock.utcnow()
    case_id = upsert(workspace, "C002", RISKY, terms=TERMS).cases_opened[0]
    pages.login("dan", ["sales"])  # no role at the step of his own
    with workspace.transaction() as session:
        add_user(session, "mia", roles=("sales_manager",), now=now)
        set_delegation(
            session,
            user="mia",
            delegate="dan",
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=7),
            comment=None,
            actor="mia",
            now=now,
        )

    inbox = pages.get("/inbox")
    assert [c.id for c in inbox.context["cases"]] == [case_id]
    page = pages.get(f"/cases/{case_id}")
    assert page.context["page"].case.acting_for == "mia"
    assert 'id="acting-for"' in page.text and "for mia, as their delegate" in page.text
    posted = pages.post(
        f"/cases/{case_id}/actions/propose_terms",
        data={"csrf_token": page.context["csrf_token"], "comment": "for Mia"},
        follow_redirects=False,
    )

    assert posted.status_code == 303, posted.text
    after = pages.get(f"/cases/{case_id}")
    entry = next(h for h in after.context["page"].history if h.action == "propose_terms")
    assert (entry.actor, entry.on_behalf_of) == ("dan", "mia")
    assert "for mia" in after.text.split('id="history"')[1]
