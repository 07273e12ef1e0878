"""The customer list over HTTP: filters, sort and total on `GET /api/v1/customers`, saved views,
the export; and the customers page's sort links, total, pages, saved views and export."""

from __future__ import annotations

import csv
import html
import io
from typing import Any

from openpyxl import load_workbook

from engine.db import Database
from engine.pagination import Keyset, encode_keyset
from tests.web.conftest import HEALTHY, RISKY, ApiClient, PageClient, upsert

PHONE = "+8617099887766"


def seed(database: Database) -> None:
    upsert(database, "C001", {**HEALTHY, "name": "Alpha Bearings", "contact_phone": PHONE})
    upsert(database, "C002", {**RISKY, "name": "Bravo Trading"})
    upsert(database, "C003", {**HEALTHY, "name": "=Charlie", "industry": "retail"})


def refs(body: dict[str, Any]) -> list[str]:
    return [item["ref"] for item in body["items"]]


def test_the_list_filters_sorts_and_counts(workspace: Database, api: ApiClient) -> None:
    seed(workspace)
    reader = api.as_user("rita", ["legal"])
    body = reader.get(
        "/api/v1/customers", params={"sort": "name", "direction": "desc", "limit": 2}
    ).json()
    assert refs(body) == ["C002", "C001"] and body["total"] == 3
    assert body["previous_cursor"] is None
    rest = reader.get(
        "/api/v1/customers",
        params={"sort": "name", "direction": "desc", "limit": 2, "cursor": body["next_cursor"]},
    ).json()
    assert refs(rest) == ["C003"] and rest["next_cursor"] is None
    back = reader.get(
        "/api/v1/customers",
        params={"sort": "name", "direction": "desc", "cursor": rest["previous_cursor"]},
    ).json()
    assert refs(back) == ["C002", "C001"]
    assert refs(reader.get("/api/v1/customers", params={"alert": "critical"}).json()) == ["C002"]
    assert refs(reader.get("/api/v1/customers", params={"open_case": "no"}).json()) == [
        "C001",
        "C003",
    ]
    assert refs(reader.get("/api/v1/customers", params={"industry": "retail"}).json()) == ["C003"]


def test_bad_list_parameters_are_422_naming_them(workspace: Database, api: ApiClient) -> None:
    reader = api.as_user("rita", ["legal"])
    sort = reader.get("/api/v1/customers", params={"sort": "colour"})
    assert sort.status_code == 422
    assert "unknown sort 'colour'" in sort.json()["detail"]
    cursor = reader.get("/api/v1/customers", params={"sort": "score", "cursor": "x" * 1001})
    assert cursor.status_code == 422
    foreign = reader.get("/api/v1/customers", params={"cursor": "bm9wZQ"})
    assert foreign.status_code == 422


def test_saved_views_round_trip_and_stay_their_owners(workspace: Database, api: ApiClient) -> None:
    rita = api.as_user("rita", ["legal"])
    sam = api.as_user("sam", ["sales"])
    made = rita.post(
        "/api/v1/customer-views",
        json={"name": "Critical", "params": {"alert": "critical", "sort": "score"}},
    )
    assert made.status_code == 201, made.text
    view = made.json()
    assert view["params"] == {"alert": "critical", "sort": "score"}
    assert [v["name"] for v in rita.get("/api/v1/customer-views").json()] == ["Critical"]
    assert sam.get("/api/v1/customer-views").json() == []
    assert sam.delete(f"/api/v1/customer-views/{view['id']}").status_code == 404
    bad = rita.post("/api/v1/customer-views", json={"name": "x", "params": {"alert": "red"}})
    assert bad.status_code == 422
    assert rita.delete(f"/api/v1/customer-views/{view['id']}").status_code == 204
    assert rita.get("/api/v1/customer-views").json() == []


def test_the_export_masks_for_a_caller_without_view_sensitive(
    workspace: Database, api: ApiClient
) -> None:
    seed(workspace)
    sales = api.as_user("sam", ["sales"])
    finance = api.as_user("fay", ["finance_head"])
    masked = sales.get("/api/v1/customer-export", params={"format": "csv", "sort": "ref"})
    assert masked.status_code == 200
    assert masked.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="customers.csv"' in masked.headers["content-disposition"]
    assert masked.headers["x-export-capped"] == "false"
    rows = list(csv.reader(io.StringIO(masked.content.decode("utf-8-sig"))))
    phone = rows[0].index("contact_phone")
    assert [r[0] for r in rows[1:]] == ["C001", "C002", "C003"]
    assert rows[1][phone] == "170****7766" and rows[3][1] == "'=Charlie"
    clear = finance.get("/api/v1/customer-export", params={"format": "xlsx", "sort": "ref"})
    sheet = load_workbook(io.BytesIO(clear.content)).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert sheet.cell(row=2, column=header.index("contact_phone") + 1).value == PHONE
    assert sheet["B4"].value == "=Charlie" and sheet["B4"].data_type == "s"
    assert sales.get("/api/v1/customer-export", params={"format": "pdf"}).status_code == 422


def test_a_customer_whose_reference_is_export_is_read_like_any_other(
    workspace: Database, api: ApiClient, pages: PageClient
) -> None:
    from tests.web.conftest import HEALTHY, upsert

    upsert(workspace, "export", HEALTHY)
    reader = api.as_user("sam", ["sales_manager"])
    assert reader.get("/api/v1/customers/export").json()["ref"] == "export"
    pages.login("rita", ["sales_manager"])
    assert pages.get("/customers/export").context["customer"].ref == "export"


def test_the_page_sorts_counts_saves_and_exports(workspace: Database, pages: PageClient) -> None:
    seed(workspace)
    pages.login("rita", ["legal"])
    response = pages.get("/customers", params={"sort": "name", "direction": "desc"})
    assert response.template.name == "customers.html"
    context = response.context
    assert [c.ref for c in context["customers"]] == ["C002", "C001", "C003"]
    assert context["total"] == 3
    assert "litigation" in context["flags"]  # the scoring ruleset's, offered by the flag filter
    assert context["sort_links"]["name"] == {
        "href": "/customers?sort=name&direction=asc",
        "aria_sort": "descending",
    }
    assert (
        '<th scope="col" aria-sort="descending"><a href="/customers?sort=name&amp;direction=asc">'
        in response.text
    )
    assert "3 customers" in response.text
    saved = pages.post(
        "/customers/views",
        data={"name": "Risky", "tier": "high", "csrf_token": context["csrf_token"]},
        follow_redirects=False,
    )
    assert (saved.status_code, saved.headers["location"]) == (303, "/customers?tier=high")
    views = pages.get("/customers").context["views"]
    assert [(v["name"], v["url"]) for v in views] == [("Risky", "/customers?tier=high")]
    assert pages.get("/customers?tier=high").context["export_csv"] == (
        "/customer-export?tier=high&format=csv"
    )
    export = pages.get("/customer-export", params={"tier": "high", "format": "csv"})
    assert export.status_code == 200 and "C002" in export.text and "C001" not in export.text
    deleted = pages.post(
        f"/customers/views/{views[0]['id']}/delete",
        data={"csrf_token": context["csrf_token"]},
        follow_redirects=False,
    )
    assert deleted.status_code == 303
    assert pages.get("/customers").context["views"] == []


def test_the_page_pages_both_ways(workspace: Database, pages: PageClient) -> None:
    for i in range(55):
        upsert(workspace, f"P{i:03}", {**HEALTHY, "name": f"Firm {i:03}"})
    pages.login("rita", ["legal"])
    first = pages.get("/customers", params={"sort": "ref"}).context
    assert first["previous_url"] is None and first["total"] == 55
    second = pages.get(first["next_url"]).context
    assert [c.ref for c in second["customers"]] == [f"P{i:03}" for i in range(50, 55)]
    assert second["next_url"] is None
    back = pages.get(second["previous_url"]).context
    assert [c.ref for c in back["customers"]][:2] == ["P000", "P001"]


def test_a_bad_filter_on_the_page_is_said_not_a_crash(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("rita", ["legal"])
    response = pages.get("/customers", params={"open_case": "maybe"})
    assert response.status_code == 422
    assert "unknown open_case 'maybe'; expected one of yes, no" in html.unescape(response.text)
    cursor = pages.get("/customers", params={"sort": "name", "cursor": "bm9wZQ"})
    assert cursor.status_code == 422


def test_tiers_sort_by_severity_on_the_api_and_the_page(
    workspace: Database, api: ApiClient, pages: PageClient
) -> None:
    seed(workspace)  # C001 and C003 low, C002 high
    medium = {**HEALTHY, "name": "Delta", "max_overdue_days": 120, "has_guarantee": False}
    upsert(workspace, "C004", medium)
    reader = api.as_user("rita", ["legal"])
    params: dict[str, str | int] = {"sort": "tier", "direction": "desc", "limit": 2}
    first = reader.get("/api/v1/customers", params=params).json()
    assert refs(first) == ["C002", "C004"] and first["total"] == 4
    rest = reader.get("/api/v1/customers", params={**params, "cursor": first["next_cursor"]})
    assert refs(rest.json()) == ["C003", "C001"]  # ties of a tier: the direction's id order
    rising = reader.get("/api/v1/customers", params={"sort": "tier"}).json()
    assert refs(rising) == ["C001", "C003", "C004", "C002"]
    # a tier cursor carries the rank: one with a tier's name is not one this list gave out
    forged = encode_keyset(Keyset(sort="tier", value="high", last_id=1))
    refused = reader.get("/api/v1/customers", params={"sort": "tier", "cursor": forged})
    assert refused.status_code == 422
    pages.login("paula", ["legal"])
    page = pages.get("/customers", params={"sort": "tier", "direction": "desc"})
    assert [c.ref for c in page.context["customers"]] == ["C002", "C004", "C003", "C001"]
    assert page.context["sort_links"]["tier"] == {
        "href": "/customers?sort=tier&direction=asc",
        "aria_sort": "descending",
    }
    assert pages.get("/customers", params={"sort": "tier", "cursor": forged}).status_code == 422
