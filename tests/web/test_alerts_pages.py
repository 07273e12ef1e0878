"""The alerts page (issue 12): the active alerts of the caller's departments with counts by
severity, filters, a link to each customer, acknowledging in place (htmx) and without htmx, in
English and Chinese; a refusal is said beside the alert and changes nothing."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from engine.db import Database
from engine.models import Alert
from tests.web.conftest import HEALTHY, RISKY, TERMS, PageClient, upsert


def _alerts(database: Database) -> dict[str, Alert]:
    with database.transaction() as session:
        rows = session.exec(select(Alert)).all()
        for row in rows:
            session.expunge(row)
        return {a.rule: a for a in rows}


def _rows(page: Any) -> dict[str, Any]:
    return {a.rule: a for a in page.context["alerts"]}


def test_the_page_lists_active_alerts_filters_and_links_each_customer(
    workspace: Database, pages: PageClient
) -> None:
    upsert(workspace, "C-RISKY", RISKY, terms=TERMS)
    upsert(workspace, "C-OK", HEALTHY, terms=TERMS)
    pages.login("sam", ["sales_manager"])
    page = pages.get("/alerts")
    assert page.status_code == 200 and page.template.name == "alerts.html"
    rows = _rows(page)
    assert set(rows) == {"severe_overdue", "court_enforcement"}
    assert page.context["counts"] == {"critical": 1, "warning": 1}
    assert 'href="/customers/C-RISKY"' in page.text
    assert page.text.count('action="/alerts/') == 2  # each open alert can be acknowledged
    critical = pages.get("/alerts?severity=critical", headers={"HX-Request": "true"})
    # an htmx answer is the results block alone (it has no template context to read)
    assert "Court enforcement: 2 record(s)" in critical.text and "<html" not in critical.text
    assert "Invoice overdue" not in critical.text
    assert _rows(pages.get("/alerts?status=resolved")) == {}
    chinese = pages.get("/alerts", headers={"Accept-Language": "zh"})
    assert "严重" in chinese.text and "确认" in chinese.text and "处理情况" in chinese.text


def test_an_alert_is_acknowledged_in_place_and_a_refusal_is_said_beside_it(
    workspace: Database, pages: PageClient
) -> None:
    upsert(workspace, "C-RISKY", RISKY, terms=TERMS)
    alert = _alerts(workspace)["court_enforcement"]
    pages.login("sam", ["sales_manager"])
    token = pages.get("/alerts").context["csrf_token"]
    refused = pages.post(
        f"/alerts/{alert.id}/acknowledge",
        data={"comment": "  ", "csrf_token": token},
        headers={"HX-Request": "true", "Accept-Language": "zh"},
    )
    assert refused.status_code == 200  # htmx swaps the block, which says why
    assert f'id="alert-{alert.id}-problem"' in refused.text and "必须填写说明" in refused.text
    assert _alerts(workspace)["court_enforcement"].status == "open"

    done = pages.post(
        f"/alerts/{alert.id}/acknowledge",
        data={"comment": "Settlement talks under way", "csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert done.status_code == 200
    assert f'data-alert="{alert.id}" data-status="acknowledged"' in done.text
    assert "Settlement talks under way" in done.text
    stored = _alerts(workspace)["court_enforcement"]
    assert (stored.status, stored.acknowledged_by) == ("acknowledged", "sam")
    assert stored.comment == "Settlement talks under way"
    # without htmx: a second acknowledgement is a 409 page saying who did it
    again = pages.post(
        f"/alerts/{alert.id}/acknowledge",
        data={"comment": "me too", "csrf_token": token},
        follow_redirects=False,
    )
    assert again.status_code == 409 and "acknowledged by sam already" in again.text
    warning = _alerts(workspace)["severe_overdue"]
    plain = pages.post(
        f"/alerts/{warning.id}/acknowledge",
        data={"comment": "Reminder sent", "csrf_token": token},
        follow_redirects=False,
    )
    assert (plain.status_code, plain.headers["location"]) == (303, "/alerts")


def test_a_forged_post_is_refused(workspace: Database, pages: PageClient) -> None:
    upsert(workspace, "C-RISKY", RISKY, terms=TERMS)
    alert = _alerts(workspace)["court_enforcement"]
    pages.login("sam", ["sales_manager"])
    forged = pages.post(
        f"/alerts/{alert.id}/acknowledge", data={"comment": "x", "csrf_token": "no"}
    )
    assert forged.status_code == 403
    assert _alerts(workspace)["court_enforcement"].status == "open"
