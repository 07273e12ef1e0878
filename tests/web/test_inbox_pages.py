"""The inbox (issue 12, "Inbox"): the cases I may act on, oldest deadline first, an overdue one
highlighted, each with the customer's tier, score and the reason; acted on without leaving the
page (htmx: the panel loads in the row, an action answers the row with what it did, a refusal
answers the row with the panel open saying why, nothing changed)."""

from __future__ import annotations

from datetime import timedelta

from engine import clock
from engine.cases import get_case
from engine.db import Database
from engine.models import Case
from engine.rows import update_versioned
from tests.web.conftest import RISKY, TERMS, PageClient, upsert

HX = {"HX-Request": "true"}


def _due(database: Database, case_id: int, delta: timedelta) -> None:
    with database.transaction() as session:
        case = session.get(Case, case_id)
        assert case is not None
        update_versioned(session, case, due_at=clock.utcnow() + delta)


def test_mine_lists_the_oldest_deadline_first_with_tier_score_reason_and_overdue(
    workspace: Database, pages: PageClient
) -> None:
    first = upsert(workspace, "C002", RISKY, terms=TERMS).cases_opened[0]
    second = upsert(workspace, "C003", {**RISKY, "name": "Other"}, terms=TERMS).cases_opened[0]
    _due(workspace, first, timedelta(days=3))
    _due(workspace, second, timedelta(hours=-5))  # past its deadline
    pages.login("sam", ["sales_manager"])
    inbox = pages.get("/inbox")
    cases = inbox.context["cases"]
    assert [c.id for c in cases] == [second, first]
    overdue, later = cases
    assert (overdue.is_overdue, later.is_overdue) == (True, False)
    assert (overdue.customer_tier, overdue.customer_score) == ("high", 60)
    assert overdue.reasons[0].trigger == "tier_changed"
    html = inbox.text
    assert f'<tbody id="inbox-case-{second}" data-case="{second}" class="overdue">' in html
    row = html.split(f'id="inbox-case-{second}"', 1)[1].split("</tbody>", 1)[0]
    assert '<strong class="overdue-flag">overdue</strong>' in row
    assert '<span class="tier tier-high">high</span>' in row and "score 60" in row
    assert "the first assessment put the customer in tier high (score 60)" in row
    assert f'hx-get="/inbox/cases/{second}/decide"' in row
    chinese = pages.get("/inbox", headers={"Accept-Language": "zh"})
    assert "已逾期" in chinese.text and "在此处理" in chinese.text


def test_a_case_is_acted_on_in_place_and_a_refusal_is_said_in_its_row(
    workspace: Database, pages: PageClient
) -> None:
    case_id = upsert(workspace, "C002", RISKY, terms=TERMS).cases_opened[0]
    pages.login("sam", ["sales_manager"])
    token = pages.get("/inbox").context["csrf_token"]
    panel = pages.get(f"/inbox/cases/{case_id}/decide", headers=HX)
    assert panel.status_code == 200 and "<html" not in panel.text
    assert f'<div class="decide-panel" id="decide-{case_id}-panel">' in panel.text
    assert f'hx-post="/cases/{case_id}/actions/no_change"' in panel.text
    assert f'id="c{case_id}-comment-no_change"' in panel.text  # ids unique on the inbox page
    assert "Court enforcement on record" in panel.text  # the reasons, read before deciding

    # no comment where one is required: the row again, its panel open, saying why
    refused = pages.post(
        f"/cases/{case_id}/actions/no_change",
        data={"csrf_token": token, "comment": " ", "from_inbox": "1"},
        headers=HX,
    )
    assert refused.status_code == 200, refused.text  # htmx swaps only a 200
    assert refused.text.lstrip().startswith(f'<tbody id="inbox-case-{case_id}"')
    assert f'<details class="decide" id="decide-{case_id}" open>' in refused.text
    assert f'id="c{case_id}-error-no_change"' in refused.text
    assert "requires a comment" in refused.text
    with workspace.transaction() as session:
        assert get_case(session, case_id).status == "open"

    done = pages.post(
        f"/cases/{case_id}/actions/no_change",
        data={"csrf_token": token, "comment": "Paid in full yesterday", "from_inbox": "1"},
        headers=HX,
    )
    assert done.status_code == 200, done.text
    assert done.text.lstrip().startswith(f'<tbody id="inbox-case-{case_id}"')
    assert 'class="acted" data-status="closed"' in done.text
    assert f"Case #{case_id} is closed (No change)." in done.text  # the outcome in words
    with workspace.transaction() as session:
        assert get_case(session, case_id).status == "closed"
    assert [c.id for c in pages.get("/inbox").context["cases"]] == []
    # the same post without htmx still goes to the case page
    assert pages.get("/inbox", params={"tab": "done"}).context["cases"][0].id == case_id


def test_the_panel_needs_the_case_in_the_callers_scope(
    workspace: Database, pages: PageClient
) -> None:
    case_id = upsert(workspace, "C002", RISKY, terms=TERMS).cases_opened[0]  # east
    pages.login("wes", ["sales_manager"], department="west")
    assert pages.get(f"/inbox/cases/{case_id}/decide", headers=HX).status_code == 404
    assert pages.get(f"/inbox/cases/{10**30}/decide", headers=HX).status_code in (404, 422)


def test_a_forged_cursor_is_refused_not_sent_to_the_database(
    workspace: Database, pages: PageClient
) -> None:
    from engine.pagination import encode_cursor

    pages.login("sam", ["sales_manager"])
    for tab in ("mine", "waiting"):
        for cursor in (encode_cursor(10**30), encode_cursor(424242)):
            answer = pages.get("/inbox", params={"tab": tab, "cursor": cursor})
            assert answer.status_code in (400, 422), (tab, cursor, answer.status_code)


def test_a_closed_case_says_its_outcome_in_the_pages_language(
    workspace: Database, pages: PageClient
) -> None:
    from engine.cases import take_action

    case_id = upsert(workspace, "C002", RISKY, terms=TERMS).cases_opened[0]
    with workspace.transaction() as session:
        take_action(
            session, case_id, "no_change", actor="sam", roles=["sales_manager"],
            comment="Paid meanwhile", now=clock.utcnow(),
        )  # fmt: skip
    pages.login("sam", ["sales_manager"])
    done = pages.get("/inbox", params={"tab": "done"})
    (case,) = done.context["cases"]
    assert case.outcome == "no_change" and case.outcome_label["en"] == "No change"
    row = done.text.split(f'id="inbox-case-{case_id}"', 1)[1].split("</tbody>", 1)[0]
    assert "<td>No change</td>" in row
    chinese = pages.get("/customers/C002", headers={"Accept-Language": "zh"})
    assert case.outcome_label["zh"] in chinese.text
    case_page = pages.get(f"/cases/{case_id}", headers={"Accept-Language": "zh"})
    assert f'<dd id="case-outcome" data-outcome="no_change">{case.outcome_label["zh"]}</dd>' in (
        case_page.text
    )
