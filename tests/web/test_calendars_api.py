"""Working calendars over HTTP: `GET /api/v1/calendars` and the days of one, and the calendar pages
(a year month by month, in both languages)."""

from __future__ import annotations

from engine.db import Database
from tests.web.conftest import ApiClient, PageClient


def test_the_calendars_are_listed_with_their_labels_and_the_default(
    workspace: Database, api: ApiClient
) -> None:
    sales = api.as_user("sue", ["sales"])

    response = sales.get("/api/v1/calendars")

    assert response.status_code == 200, response.text
    assert response.json() == {
        "default": "cn",
        "calendars": [
            {
                "name": "cn",
                "label": {"en": "Mainland China working days", "zh": "中国大陆工作日"},
                "is_default": True,
                "version": 1,
                "filename": "calendars/cn.yaml",
                "template_key": "manufacturing_credit",
            },
            {
                "name": "weekdays",
                "label": {"en": "Monday to Friday", "zh": "周一至周五"},
                "is_default": False,
                "version": None,
                "filename": None,
                "template_key": None,
            },
        ],
    }


def test_the_days_of_a_period_say_working_or_not_and_name_the_holidays(
    workspace: Database, api: ApiClient
) -> None:
    sales = api.as_user("sue", ["sales"])

    response = sales.get("/api/v1/calendars/cn", params={"from": "2026-10-07", "to": "2026-10-10"})

    assert response.status_code == 200, response.text
    assert response.json() == {
        "name": "cn",
        "label": {"en": "Mainland China working days", "zh": "中国大陆工作日"},
        "from": "2026-10-07",
        "to": "2026-10-10",
        "days": [
            {
                "date": "2026-10-07",
                "is_working_day": False,
                "kind": "holiday",
                "name": {"en": "National Day", "zh": "国庆节"},
            },
            {"date": "2026-10-08", "is_working_day": True, "kind": "working", "name": None},
            {"date": "2026-10-09", "is_working_day": True, "kind": "working", "name": None},
            {
                "date": "2026-10-10",
                "is_working_day": True,
                "kind": "workday",
                "name": {"en": "Working day for National Day", "zh": "国庆节调休上班"},
            },
        ],
    }


def test_without_dates_a_whole_year_is_listed(workspace: Database, admin_api: ApiClient) -> None:
    body = admin_api.get("/api/v1/calendars/cn", params={"from": "2026-01-01"}).json()

    assert (body["from"], body["to"], len(body["days"])) == ("2026-01-01", "2026-12-31", 365)
    weekdays = admin_api.get("/api/v1/calendars/weekdays", params={"to": "2026-10-01"}).json()
    assert weekdays["from"] == "2026-01-01"
    assert weekdays["days"][-1] == {
        "date": "2026-10-01",
        "is_working_day": True,
        "kind": "working",
        "name": None,
    }


def test_a_bad_period_or_an_unknown_calendar_is_a_problem(
    workspace: Database, admin_api: ApiClient
) -> None:
    too_long = admin_api.get(
        "/api/v1/calendars/cn", params={"from": "2026-01-01", "to": "2027-06-01"}
    )
    backwards = admin_api.get(
        "/api/v1/calendars/cn", params={"from": "2026-02-01", "to": "2026-01-01"}
    )
    not_a_date = admin_api.get("/api/v1/calendars/cn", params={"from": "soon"})
    unknown = admin_api.get("/api/v1/calendars/hk")

    for response in (too_long, backwards, not_a_date):
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    assert too_long.json()["detail"] == "ask for at most 366 days at once"
    assert (
        backwards.json()["detail"]
        == "the period ends on 2026-01-01, before it starts on 2026-02-01"
    )
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == "there is no calendar 'hk'"


def test_the_calendars_need_a_signed_in_caller(workspace: Database, api: ApiClient) -> None:
    assert api.get("/api/v1/calendars").status_code == 401
    assert api.get("/api/v1/calendars/cn").status_code == 401


# --- pages -------------------------------------------------------------------------------------


def test_the_calendar_page_shows_a_year_month_by_month(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("sue", ["sales"])

    response = pages.get("/calendars/cn", params={"year": 2026})

    assert response.status_code == 200, response.text
    assert response.template.name == "calendar.html"
    context = response.context
    assert (context["calendar"].name, context["year"]) == ("cn", 2026)
    assert context["weekdays"] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    months = context["months"]
    assert [m["name"] for m in months][:2] == ["January", "February"]
    october = months[9]
    first_week = october["weeks"][0]
    assert first_week[:3] == [None, None, None]  # 1 October 2026 is a Thursday
    assert [(c["day"], c["kind"]) for c in first_week[3:]] == [
        (1, "holiday"),
        (2, "holiday"),
        (3, "holiday"),
        (4, "holiday"),
    ]
    saturday = october["weeks"][1][5]
    assert (saturday["day"], saturday["kind"], saturday["name"]) == (
        10,
        "workday",
        "Working day for National Day",
    )
    assert all(len(week) == 7 for m in months for week in m["weeks"])
    assert sum(1 for m in months for w in m["weeks"] for c in w if c) == 365
    assert [
        (d["start"].isoformat(), d["end"].isoformat(), d["kind"], d["name"])
        for d in context["named_days"]
    ][-3:] == [
        ("2026-09-25", "2026-09-27", "holiday", "Mid-Autumn Festival"),
        ("2026-10-01", "2026-10-07", "holiday", "National Day"),
        ("2026-10-10", "2026-10-10", "workday", "Working day for National Day"),
    ]
    assert len(context["named_days"]) == 7 + 6
    assert 'data-date="2026-10-10"' in response.text


def test_the_calendar_page_speaks_chinese(workspace: Database, pages: PageClient) -> None:
    pages.login("sue", ["sales"])
    pages.cookies.set("riskdesk_lang", "zh")

    response = pages.get("/calendars/cn", params={"year": 2026})

    assert response.context["months"][9]["name"] == "十月"
    assert response.context["weekdays"][0] == "周一"
    assert "国庆节调休上班" in response.text
    assert "中国大陆工作日" in response.text


def test_the_calendars_page_lists_them_and_admins_find_it(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("ada", ["admin"])

    listed = pages.get("/calendars")

    assert listed.template.name == "calendars.html"
    assert [c.name for c in listed.context["calendars"]] == ["cn", "weekdays"]
    assert 'href="/calendars/cn"' in listed.text
    assert 'href="/calendars"' in pages.get("/admin/users").text
    assert pages.get("/calendars/hk").status_code == 404
    assert pages.get("/calendars/cn", params={"year": 1900}).status_code == 422
