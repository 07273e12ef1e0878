"""The dashboard at `/` (issue 12): the engine's figures for the caller's departments, charts as
inline SVG images each with a table of the same numbers, links to the lists they summarise, in
English and Chinese; a department-scoped user sees their departments only."""

from __future__ import annotations

import re
from datetime import UTC

from engine import clock
from engine.customers import CustomerInput, upsert_customer
from engine.db import Database
from engine.users import add_user
from tests.web.conftest import HEALTHY, PASSWORD, RISKY, TERMS, PageClient, upsert


def _west(database: Database, ref: str) -> None:
    with database.transaction() as session:
        upsert_customer(
            session,
            ref,
            CustomerInput(name="Western Risk Ltd.", department="west", data=RISKY, terms=TERMS),
            actor="api",
            now=clock.utcnow(),
            tz=UTC,
        )


def test_signing_in_lands_on_the_dashboard_with_its_figures_and_links(
    workspace: Database, pages: PageClient
) -> None:
    upsert(workspace, "C-OK", HEALTHY, terms=TERMS)
    upsert(workspace, "C-RISKY", RISKY, terms=TERMS)
    with workspace.transaction() as session:
        add_user(session, "sam", roles=("sales_manager",), password=PASSWORD, now=clock.utcnow())
    signed_in = pages.post(
        "/login",
        data={"username": "sam", "password": PASSWORD, "csrf_token": pages.csrf()},
        follow_redirects=False,
    )
    assert signed_in.headers["location"] == "/"
    page = pages.get("/")
    assert page.status_code == 200 and page.template.name == "dashboard.html"
    board = page.context["board"]
    assert [(t.tier, t.customers, t.exposure) for t in board.tiers] == [
        ("high", 1, 900_000),
        ("medium", 0, 0),
        ("low", 1, 100_000),
    ]
    assert [c.ref for c in board.riskiest] == ["C-RISKY", "C-OK"]
    assert [a.customer_ref for a in board.critical_alerts] == ["C-RISKY"]
    assert board.cases_open == 1
    assert set(page.context["charts"]) == {"customers", "exposure", "migration", "cases"}
    html = page.text
    # four charts, each an image with a title, each followed by a table of its numbers
    assert html.count('role="img"') == 3 + (1 if board.moves else 0)
    assert '<title id="chart-customers-title">Customers per tier</title>' in html
    assert '<title id="chart-exposure-title">Exposure per tier (CNY)</title>' in html
    assert html.count("<summary>Show as a table</summary>") == 3
    assert re.search(r"<td class=\"num\">900,000</td>", html)
    for link in (
        'href="/customers?tier=high"',
        'href="/customers/C-RISKY"',
        'href="/alerts?severity=critical"',
        'href="/inbox"',
    ):
        assert link in html, link
    assert '<a href="/" aria-current="page">Dashboard</a>' in html
    assert "<script" not in html.split("</head>", 1)[1]  # the charts need no script


def test_the_dashboard_speaks_chinese(workspace: Database, pages: PageClient) -> None:
    upsert(workspace, "C-RISKY", RISKY, terms=TERMS)
    pages.login("rita", ["legal"])
    page = pages.get("/", headers={"Accept-Language": "zh"})
    assert page.status_code == 200
    for text in ("仪表盘", "各等级客户数", "以表格显示", "最新严重预警", "风险最高的 10 个客户"):
        assert text in page.text, text


def test_a_department_scoped_user_sees_only_their_departments(
    workspace: Database, pages: PageClient
) -> None:
    upsert(workspace, "C-EAST", RISKY, terms=TERMS)
    _west(workspace, "C-WEST")
    with workspace.transaction() as session:
        add_user(
            session,
            "wendy",
            roles=("department_head",),
            department="west",
            password=PASSWORD,
            now=clock.utcnow(),
        )
    pages.post(
        "/login",
        data={"username": "wendy", "password": PASSWORD, "csrf_token": pages.csrf()},
    )
    page = pages.get("/")
    board = page.context["board"]
    assert board.customers == 1 and [c.ref for c in board.riskiest] == ["C-WEST"]
    assert [a.customer_ref for a in board.critical_alerts] == ["C-WEST"]
    assert "C-EAST" not in page.text and "C-WEST" in page.text


def test_a_user_without_roles_sees_an_empty_dashboard(
    workspace: Database, pages: PageClient
) -> None:
    upsert(workspace, "C-RISKY", RISKY, terms=TERMS)
    pages.login("nobody")
    page = pages.get("/")
    assert page.status_code == 200
    board = page.context["board"]
    assert (board.customers, board.riskiest, board.critical_alerts) == (0, (), ())
    assert "C-RISKY" not in page.text


def test_before_any_template_the_dashboard_is_empty_not_an_error(
    database: Database, pages: PageClient
) -> None:
    pages.login("ada", ["admin"])
    page = pages.get("/")
    assert page.status_code == 200 and page.template.name == "dashboard.html"
    board = page.context["board"]
    assert (board.customers, board.tiers, board.exposure_field) == (0, (), None)
    assert "no exposure is shown" in page.text
