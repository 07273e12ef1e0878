"""Imports through the API on the live server: a multipart upload queued (202), the sweep runs
it, the report adds up, the rejected rows download and import again as they are; refusals for
a file that cannot be imported (422, nothing stored), a kind the caller may not write (403), an
import that is not the caller's (404)."""

from __future__ import annotations

import io

from openpyxl import Workbook

from engine.db import Database
from tests.engine.test_imports import MIXED
from tests.web.conftest import ApiClient


def _upload(
    client: ApiClient,
    content: bytes,
    *,
    name: str = "customers.csv",
    kind: str = "customers",
    mode: str = "valid-rows",
    mapping: bytes | None = None,
) -> object:
    files: dict[str, tuple[str, bytes]] = {"file": (name, content)}
    if mapping is not None:
        files["mapping"] = ("mapping.yaml", mapping)
    return client.post("/api/v1/imports", data={"kind": kind, "mode": mode}, files=files)


def test_an_import_is_queued_run_by_the_sweep_and_reported(
    workspace: Database, admin_api: ApiClient
) -> None:
    queued = admin_api.post(
        "/api/v1/imports",
        data={"kind": "customers", "mode": "valid-rows"},
        files={"file": ("customers.csv", MIXED.encode("utf-8"))},
    )
    assert queued.status_code == 202, queued.text
    body = queued.json()
    assert queued.headers["location"] == f"/api/v1/imports/{body['id']}"
    assert (body["status"], body["rows"], body["done"]) == ("queued", 5, 0)

    assert admin_api.post("/api/v1/sweep", json={}).status_code == 200
    report = admin_api.get(f"/api/v1/imports/{body['id']}").json()
    assert report["status"] == "done"
    counts = [report[k] for k in ("rows", "created", "updated", "unchanged", "rejected")]
    assert counts == [5, 3, 0, 0, 2]
    assert report["errors"][0] == {
        "row": 3,
        "column": "industry",
        "code": "not-an-option",
        "message": "Industry must be one of manufacturing, retail, internet, construction, "
        "trade, energy, found the text 'farming'",
    }
    chinese = admin_api.get(
        f"/api/v1/imports/{body['id']}", headers={"Accept-Language": "zh-CN,zh;q=0.9"}
    ).json()
    assert chinese["errors"][0]["message"] == (
        "行业应为 manufacturing, retail, internet, construction, trade, energy 之一，"
        "实际为文本 'farming'"
    )
    assert [i["id"] for i in admin_api.get("/api/v1/imports").json()["items"]] == [body["id"]]

    rejected = admin_api.get(f"/api/v1/imports/{body['id']}/rejected.csv")
    assert rejected.status_code == 200
    assert rejected.headers["content-type"].startswith("text/csv")
    assert 'filename="customers-rejected.csv"' in rejected.headers["content-disposition"]
    again = admin_api.post(
        "/api/v1/imports",
        data={"kind": "customers", "mode": "valid-rows"},
        files={"file": ("customers-rejected.csv", rejected.content)},
    )
    assert again.status_code == 202, again.text
    assert again.json()["rows"] == 2


def test_an_xlsx_import_in_all_or_nothing_mode_rolls_back(
    workspace: Database, admin_api: ApiClient
) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for line in MIXED.splitlines():
        sheet.append(line.split(",")[:5])
    out = io.BytesIO()
    workbook.save(out)
    queued = admin_api.post(
        "/api/v1/imports",
        data={"kind": "customers"},
        files={"file": ("customers.xlsx", out.getvalue())},
    )
    assert queued.status_code == 202, queued.text
    assert queued.json()["mode"] == "all-or-nothing"
    admin_api.post("/api/v1/sweep", json={})
    report = admin_api.get(f"/api/v1/imports/{queued.json()['id']}").json()
    assert report["rolled_back"] is True
    assert (report["rows"], report["created"], report["rejected"]) == (5, 0, 5)
    assert admin_api.get("/api/v1/customers").json()["items"] == []


def test_a_file_that_cannot_be_imported_is_a_422_with_positions(
    workspace: Database, admin_api: ApiClient
) -> None:
    header = admin_api.post(
        "/api/v1/imports",
        data={"kind": "customers"},
        files={"file": ("customers.csv", b"who,what\nC1,x\n")},
    )
    assert header.status_code == 422
    problem = header.json()
    assert problem["type"].endswith("invalid-import-file")
    assert problem["errors"][0]["line"] == 1
    broken = admin_api.post(
        "/api/v1/imports",
        data={"kind": "customers"},
        files={"file": ("customers.xlsx", b"PK\x03\x04 not really a workbook")},
    )
    assert broken.status_code == 422
    wrong = admin_api.post(
        "/api/v1/imports",
        data={"kind": "orders"},
        files={"file": ("customers.csv", MIXED.encode())},
    )
    assert wrong.status_code == 422
    assert admin_api.get("/api/v1/imports").json()["items"] == []


def test_an_import_needs_its_kinds_permission_and_is_its_authors(
    workspace: Database, admin_api: ApiClient
) -> None:
    cfo = admin_api.as_user("carol", ["cfo"])  # writes neither customers nor events
    refused = cfo.post(
        "/api/v1/imports",
        data={"kind": "customers"},
        files={"file": ("customers.csv", MIXED.encode())},
    )
    assert refused.status_code == 403
    head = admin_api.as_user("eve", ["department_head"], department="east")
    queued = head.post(
        "/api/v1/imports",
        data={"kind": "customers", "mode": "valid-rows"},
        files={"file": ("customers.csv", MIXED.encode())},
    )
    assert queued.status_code == 202, queued.text
    other = admin_api.as_user("olga", ["department_head"], department="west")
    assert other.get(f"/api/v1/imports/{queued.json()['id']}").status_code == 404
    assert other.get(f"/api/v1/imports/{queued.json()['id']}/rejected.csv").status_code == 404
    assert admin_api.get(f"/api/v1/imports/{queued.json()['id']}").status_code == 200
    assert admin_api.get("/api/v1/imports/999999").status_code == 404
