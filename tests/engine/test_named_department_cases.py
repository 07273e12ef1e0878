"""A step assigned to a role in a named department (`assignee: {role: R, department: D}`): the
holders of R in D find the case in their inbox and act on it, whichever department the customer
is in; holders of R elsewhere do not (engine.case_actors, engine.cases)."""

from __future__ import annotations

import shutil
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest

from engine.cases import get_case, take_action
from engine.customers import CustomerInput, upsert_customer
from engine.db import Database
from engine.errors import PermissionDeniedError
from engine.inbox import list_inbox
from engine.templates import import_template
from engine.users import add_user, find_user_row, user_view
from tests.conftest import MECHANICS_TEMPLATE
from tests.engine.conftest import NOW, RISKY, TERMS


@pytest.fixture
def finance_decides(database: Database, tmp_path: Path) -> Database:
    """The mechanics template with its finance approval assigned to the finance department's
    finance heads; a sales manager in the east, a finance head in finance and one in the east."""
    bundle = tmp_path / "bundle"
    shutil.copytree(MECHANICS_TEMPLATE, bundle)
    review = bundle / "workflows" / "high_risk_review.yaml"
    text = review.read_text(encoding="utf-8")
    assert text.count("assignee: {role: finance_head}") == 1
    review.write_text(
        text.replace(
            "assignee: {role: finance_head}", "assignee: {role: finance_head, department: finance}"
        ),
        encoding="utf-8",
    )
    with database.transaction() as session:
        import_template(session, bundle, actor="admin", now=NOW, base_currency="CNY")
        add_user(session, "sam", roles=("sales_manager",), department="east", now=NOW)
        add_user(session, "fei", roles=("finance_head",), department="finance", now=NOW)
        add_user(session, "fox", roles=("finance_head",), department="east", now=NOW)
    return database


def _as(database: Database, actor: str, call: Any, *args: Any, **kw: Any) -> Any:
    with database.transaction() as session:
        access = user_view(session, find_user_row(session, actor)).access
        return call(
            session,
            *args,
            access=access,
            scope=access.departments_for("customers:read"),
            actor=actor,
            now=NOW,
            **kw,
        )


def _proposed(database: Database) -> int:
    with database.transaction() as session:
        upserted = upsert_customer(
            session,
            "C-EAST",
            CustomerInput(name=RISKY["name"], department="east", data=RISKY, terms=TERMS),
            actor="api",
            now=NOW,
            tz=UTC,
        )
    (case_id,) = upserted.cases_opened
    _as(database, "sam", take_action, case_id, "propose_terms")
    return case_id


def _mine(database: Database, actor: str) -> list[int]:
    return [c.id for c in _as(database, actor, list_inbox, "mine").items]


def test_the_named_departments_role_holder_decides_a_customer_outside_it(
    finance_decides: Database,
) -> None:
    case_id = _proposed(finance_decides)

    assert _mine(finance_decides, "fei") == [case_id]
    seen = _as(finance_decides, "fei", get_case, case_id)
    assert (seen.step, seen.available_actions) == ("finance_approval", ("approve", "reject"))
    done = _as(finance_decides, "fei", take_action, case_id, "approve")

    assert done.status == "closed"
    assert [h.actor for h in done.history if h.action == "approve"] == ["fei"]


def test_the_same_role_in_the_customers_department_does_not_decide(
    finance_decides: Database,
) -> None:
    case_id = _proposed(finance_decides)

    assert _mine(finance_decides, "fox") == []
    with pytest.raises(PermissionDeniedError, match="finance_head"):
        _as(finance_decides, "fox", take_action, case_id, "approve")
