"""The customer page's orders section: open orders and the latest credit checks with their
decision, status and reasons, in the page's language."""

from __future__ import annotations

from datetime import UTC

from engine import clock
from engine.credit_checks import check_order
from engine.credit_decisions import close_check
from engine.db import Database
from tests.web.conftest import HEALTHY, PageClient, upsert


def _check(database: Database, order_ref: str, amount: int) -> int:
    with database.transaction() as session:
        return check_order(
            session,
            customer="C001",
            order_ref=order_ref,
            amount=amount,
            currency="CNY",
            actor="erp",
            now=clock.utcnow(),
            tz=UTC,
        ).id


def test_the_customer_page_lists_open_orders_and_recent_checks(
    workspace: Database, pages: PageClient
) -> None:
    upsert(
        workspace,
        "C001",
        {**HEALTHY, "outstanding_balance": 100_000},
        terms={"credit_limit": 1_000_000},
    )
    _check(workspace, "SO-PASS", 200_000)
    closed = _check(workspace, "SO-CLOSED", 50_000)
    with workspace.transaction() as session:
        close_check(session, closed, "invoiced", actor="erp", now=clock.utcnow())
    _check(workspace, "SO-HOLD", 900_000)
    pages.login("rita", ["legal"])

    response = pages.get("/customers/C001")
    assert response.template.name == "customer.html"
    orders = response.context["orders"]
    assert (orders.open_count, orders.open_orders) == (1, 200_000)
    assert [(c.order_ref, c.decision, c.status) for c in orders.recent] == [
        ("SO-HOLD", "hold", "held"),
        ("SO-CLOSED", "pass", "closed"),
        ("SO-PASS", "pass", "open"),
    ]
    assert "200,000 CNY" in response.text
    assert "The order takes the customer over its credit limit" in response.text

    chinese = pages.get("/customers/C001?lang=zh")
    assert "该订单使客户超出信用额度" in chinese.text
    assert "The order takes the customer" not in chinese.text
    assert "暂停" in chinese.text  # the status `held`


def test_a_customer_without_orders_says_so(workspace: Database, pages: PageClient) -> None:
    upsert(workspace, "C001", HEALTHY)
    pages.login("rita", ["legal"])
    response = pages.get("/customers/C001")
    assert response.context["orders"].recent == ()
    assert "No order checked yet." in response.text
