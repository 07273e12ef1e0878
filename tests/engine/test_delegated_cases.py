"""Cases handled by a delegate (engine.case_actors): while a delegation is in force, the delegate
finds the delegator's cases in their inbox, acts on them with the delegator's roles, and the
history says for whom; four eyes and the quorum count the person the delegate stands in for.
Runs on the example template's high-risk review (tests/engine/test_example_policy.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from engine.case_history import history
from engine.case_views import case_page
from engine.cases import get_case, take_action
from engine.db import Database
from engine.delegations import set_delegation
from engine.errors import ConflictError, NotFoundError, PermissionDeniedError
from engine.inbox import list_inbox
from engine.users import add_user, find_user_row, user_view
from tests.engine.test_example_policy import NOW, PROPOSAL, _review_case, policy  # noqa: F401

WEEK = timedelta(days=7)


@pytest.fixture
def stand_in(policy: Database) -> Database:  # noqa: F811
    """`dan`, a sales manager in the west, who stands in this week for mia (east)."""
    with policy.transaction() as session:
        add_user(session, "dan", roles=("sales_manager",), department="west", now=NOW)
    _delegate(policy, "mia", "dan")
    return policy


def _delegate(database: Database, user: str, delegate: str, *, days: int = 7) -> None:
    with database.transaction() as session:
        set_delegation(
            session,
            user=user,
            delegate=delegate,
            starts_at=NOW,
            ends_at=NOW + timedelta(days=days),
            comment="holiday",
            actor=user,
            now=NOW,
        )


def _act(database: Database, case_id: int, action: str, actor: str, **kw: Any) -> Any:
    with database.transaction() as session:
        access = user_view(session, find_user_row(session, actor)).access
        return take_action(
            session,
            case_id,
            action,
            actor=actor,
            access=access,
            scope=access.departments_for("customers:read"),
            now=kw.pop("now", NOW),
            **kw,
        )


def _inbox(database: Database, actor: str, tab: str, *, now: Any = NOW) -> list[int]:
    with database.transaction() as session:
        access = user_view(session, find_user_row(session, actor)).access
        page = list_inbox(
            session,
            tab,
            access=access,
            scope=access.departments_for("customers:read"),
            actor=actor,
            now=now,
        )
    return [c.id for c in page.items]


def test_the_delegate_finds_the_delegators_case_in_their_inbox(stand_in: Database) -> None:
    case_id = _review_case(stand_in)  # east: mia's department, not dan's
    assert case_id in _inbox(stand_in, "dan", "mine")
    assert case_id not in _inbox(stand_in, "dan", "waiting")
    # once the week is over, the case is no longer dan's to see
    assert case_id not in _inbox(stand_in, "dan", "mine", now=NOW + WEEK)


def test_the_delegate_acts_for_the_delegator_and_the_history_says_so(stand_in: Database) -> None:
    case_id = _review_case(stand_in)
    with stand_in.transaction() as session:
        access = user_view(session, find_user_row(session, "dan")).access
        seen = get_case(
            session, case_id, access=access, scope=frozenset({"west"}), actor="dan", now=NOW
        )
    assert (seen.acting_for, seen.available_actions) == (
        "mia",
        ("propose_terms", "hold_orders", "no_change"),
    )

    done = _act(stand_in, case_id, "propose_terms", "dan", data=PROPOSAL)

    last = done.history[-1]
    assert (done.step, last.actor, last.action) == ("finance_approval", "dan", "propose_terms")
    with stand_in.transaction() as session:
        (row,) = [h for h in history(session, case_id, labels={}) if h.action == "propose_terms"]
    assert row.on_behalf_of == "mia"


def test_without_a_delegation_in_force_the_case_is_out_of_reach(stand_in: Database) -> None:
    case_id = _review_case(stand_in)
    with pytest.raises(NotFoundError):  # east lies outside dan's scope
        _act(stand_in, case_id, "propose_terms", "dan", data=PROPOSAL, now=NOW + WEEK)


def test_four_eyes_bars_a_delegate_approving_for_the_proposer(policy: Database) -> None:  # noqa: F811
    with policy.transaction() as session:
        add_user(session, "dora", roles=("sales",), now=NOW)
    case_id = _review_case(policy)
    _act(policy, case_id, "propose_terms", "sam", data=PROPOSAL)  # sam: also a finance head
    _delegate(policy, "sam", "dora")

    with pytest.raises(PermissionDeniedError, match="four eyes: sam proposed it"):
        _act(policy, case_id, "approve", "dora")
    with policy.transaction() as session:
        access = user_view(session, find_user_row(session, "dora")).access
        seen = get_case(session, case_id, access=access, actor="dora", now=NOW)
    assert "approve" not in seen.available_actions  # the page shows it barred, with the reason


def test_a_delegates_approval_counts_for_the_cfo_they_stand_in_for(policy: Database) -> None:  # noqa: F811
    with policy.transaction() as session:
        add_user(session, "dora", roles=("sales",), now=NOW)
    case_id = _review_case(policy)
    _act(policy, case_id, "propose_terms", "mia", data=PROPOSAL)
    _act(policy, case_id, "approve", "fay")
    _delegate(policy, "cal", "dora")

    voted = _act(policy, case_id, "approve", "dora", comment="for Cal")
    assert (voted.step, voted.state["votes"][0]["on_behalf_of"]) == ("cfo_approval", "cal")
    with policy.transaction() as session:
        access = user_view(session, find_user_row(session, "cora")).access
        page = case_page(
            session, case_id, access=access, scope=None, now=NOW, language="en", actor="cora"
        )
    assert page.approval is not None
    assert page.approval.needed == 2  # quorum all: both CFOs
    assert [(v.actor, v.on_behalf_of) for v in page.approval.votes] == [("dora", "cal")]
    assert page.approval.excluded == ("fay",)  # who approved at finance: four eyes
    with pytest.raises(ConflictError, match="cal has already approved"):
        _act(policy, case_id, "approve", "cal")  # cal's own vote is counted already
    done = _act(policy, case_id, "approve", "cora")  # quorum all: cal (through dora) and cora
    assert (done.status, done.outcome) == ("closed", "completed")
