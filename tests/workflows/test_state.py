"""The stored form of a case's state: JSON-native, versioned, read back exactly."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

import workflows
from tests.workflows.conftest import NOW, RECORD
from workflows import CASE_STATE_SCHEMA_VERSION, CaseState, CaseStateError, CaseStatus, Workflow


def test_case_state_is_stored_as_json_native_data_with_a_schema_version(review: Workflow) -> None:
    state = workflows.start(review, record=RECORD, now=NOW).state

    stored = state.to_dict()

    assert stored == {
        "schema_version": CASE_STATE_SCHEMA_VERSION,
        "step": "sales_review",
        "status": "open",
        "outcome": None,
        "assigned_role": "sales_manager",
        "entered_at": "2026-03-02T09:00:00+00:00",
        "due_at": "2026-03-03T09:00:00+00:00",
        "escalation_level": 0,
        "assigned_user": None,
        "assigned_department": None,
        "entered_by": None,
        "last_actor": None,
        "votes": [],
        "data": {},
    }
    assert json.loads(json.dumps(stored)) == stored


def test_case_state_reads_back_equal(review: Workflow) -> None:
    state = CaseState(
        step="closed",
        status=CaseStatus.CLOSED,
        outcome="no_change",
        assigned_role=None,
        entered_at=NOW + timedelta(microseconds=7),
        due_at=None,
        escalation_level=2,
    )

    assert CaseState.from_dict(json.loads(json.dumps(state.to_dict()))) == state


def test_stored_state_without_schema_version_reads_as_version_1(review: Workflow) -> None:
    state = workflows.start(review, record=RECORD, now=NOW).state
    stored = {k: v for k, v in state.to_dict().items() if k != "schema_version"}

    assert CaseState.from_dict(stored) == state


def test_a_version_1_case_reads_with_no_votes_data_or_user(review: Workflow) -> None:
    version_1 = {
        "schema_version": 1,
        "step": "sales_review",
        "status": "open",
        "outcome": None,
        "assigned_role": "sales_manager",
        "entered_at": "2026-03-02T09:00:00+00:00",
        "due_at": None,
        "escalation_level": 1,
    }

    state = CaseState.from_dict(version_1)

    assert (state.escalation_level, state.votes, dict(state.data), state.assigned_user) == (
        1,
        (),
        {},
        None,
    )


def test_stored_state_of_a_newer_version_is_refused(review: Workflow) -> None:
    stored = {
        **workflows.start(review, record=RECORD, now=NOW).state.to_dict(),
        "schema_version": CASE_STATE_SCHEMA_VERSION + 1,
    }

    with pytest.raises(CaseStateError, match=f"schema_version {CASE_STATE_SCHEMA_VERSION + 1}"):
        CaseState.from_dict(stored)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": "paused"}, "bad value"),
        ({"entered_at": "yesterday"}, "bad value"),
        ({"escalation_level": -1}, "bad escalation_level"),
        ({"step": 3}, "'step' must be text"),
    ],
)
def test_stored_state_with_a_bad_value_is_refused(
    review: Workflow, change: dict[str, object], message: str
) -> None:
    stored = {**workflows.start(review, record=RECORD, now=NOW).state.to_dict(), **change}

    with pytest.raises(CaseStateError, match=message):
        CaseState.from_dict(stored)


def test_stored_state_lacking_a_key_is_refused(review: Workflow) -> None:
    stored = workflows.start(review, record=RECORD, now=NOW).state.to_dict()
    del stored["entered_at"]

    with pytest.raises(CaseStateError, match="lacks 'entered_at'"):
        CaseState.from_dict(stored)


def test_a_version_2_case_with_votes_data_and_a_user_reads_back_equal() -> None:
    state = CaseState(
        step="finance_approval",
        status=CaseStatus.OPEN,
        outcome=None,
        assigned_role=None,
        entered_at=NOW,
        due_at=NOW + timedelta(days=2),
        escalation_level=1,
        assigned_user="chen.cfo",
        assigned_department="headquarters",
        entered_by="li.wei",
        last_actor="zhang.min",
        votes=(workflows.Vote("zhang.min", NOW + timedelta(hours=1), "fine"),),
        data={"proposed_limit": 300000, "note": "见逾期发票", "lines": [1, 2]},
    )

    stored = json.loads(json.dumps(state.to_dict()))

    assert stored["votes"] == [
        {"actor": "zhang.min", "at": "2026-03-02T10:00:00+00:00", "comment": "fine"}
    ]
    assert CaseState.from_dict(stored) == state


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"votes": "zhang.min"}, "'votes' must be a list"),
        ({"votes": [{"at": "2026-03-02T10:00:00+00:00"}]}, "lacks 'actor'"),
        ({"data": [1]}, "'data' must be a mapping"),
        ({"assigned_user": 7}, "'assigned_user' must be text"),
    ],
)
def test_stored_version_2_fields_with_a_bad_value_are_refused(
    review: Workflow, change: dict[str, object], message: str
) -> None:
    stored = {**workflows.start(review, record=RECORD, now=NOW).state.to_dict(), **change}

    with pytest.raises(CaseStateError, match=message):
        CaseState.from_dict(stored)
