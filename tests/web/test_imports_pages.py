"""The import pages: the upload form (CSRF), an import's progress polled while it runs and its
report once the sweep ran it, the rejected rows' download, a file that cannot be imported shown
again with its problems, writers only, in both languages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from engine import clock
from engine.db import Database
from engine.job_kinds import run_due_chunks
from tests.engine.test_imports import MIXED
from tests.web.conftest import PageClient


def _csrf(pages: PageClient) -> str:
    return str(pages.get("/account").context["csrf_token"])


def _upload(pages: PageClient, token: str, content: bytes = MIXED.encode()) -> Any:
    return pages.post(
        "/imports",
        data={"kind": "customers", "mode": "valid-rows", "csrf_token": token},
        files={"file": ("customers.csv", content, "text/csv")},
        follow_redirects=False,
    )


def test_a_writer_uploads_follows_the_progress_and_downloads_the_rejected_rows(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("hana", ["department_head"])
    listing = pages.get("/imports")
    assert listing.template.name == "imports.html"
    assert 'enctype="multipart/form-data"' in listing.text
    response = _upload(pages, _csrf(pages))
    assert response.status_code == 303, response.text
    import_id = int(response.headers["location"].rsplit("/", 1)[1])
    running = pages.get(f"/imports/{import_id}")
    assert 'hx-trigger="every 2s"' in running.text and "0 of 5 rows processed" in running.text

    run_due_chunks(workspace, now=clock.utcnow() + timedelta(seconds=1), worker="test")
    done = pages.get(f"/imports/{import_id}")
    assert "every 2s" not in done.text
    job = done.context["job"]
    assert (job.created, job.updated, job.unchanged, job.rejected, job.rows) == (3, 0, 0, 2, 5)
    polled = pages.get(f"/imports/{import_id}", headers={"HX-Request": "true"})
    assert polled.text.lstrip().startswith('<section class="card" id="import-report"')
    csv = pages.get(f"/imports/{import_id}/rejected.csv")
    assert csv.status_code == 200 and "attachment" in csv.headers["content-disposition"]
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].endswith(",reason") and [line[:3] for line in lines[1:]] == ["C2,", "C4,"]
    chinese = pages.get(f"/imports/{import_id}", headers={"Accept-Language": "zh"}).text
    assert "下载被拒绝的行" in chinese and "被拒绝的行" in chinese


def test_a_file_that_cannot_be_imported_is_shown_with_its_problems(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("hana", ["department_head"])
    response = _upload(pages, _csrf(pages), b"who,what\nC1,x\n")
    assert response.status_code == 422
    assert response.context["problem"]["errors"]
    assert 'id="upload-problem"' in response.text
    assert pages.get("/imports").context["imports"] == ()


def test_the_upload_needs_its_csrf_token(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("hana", ["department_head"])
    assert _upload(pages, "forged").status_code == 403
    assert pages.get("/imports").context["imports"] == ()


def test_the_pages_are_for_writers_of_customers_or_events(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("carol", ["cfo"])
    assert pages.get("/imports").status_code == 403
    assert 'href="/imports"' not in pages.get("/customers").text


def test_the_row_errors_are_shown_in_the_readers_language(
    workspace: Database, pages: PageClient
) -> None:
    # the report keeps each message's wording, so a Chinese reader reads the errors in Chinese
    pages.login("hana", ["department_head"])
    response = _upload(pages, _csrf(pages))
    import_id = int(response.headers["location"].rsplit("/", 1)[1])
    run_due_chunks(workspace, now=clock.utcnow() + timedelta(seconds=1), worker="test")
    pages.cookies.set("riskdesk_lang", "zh")
    chinese = pages.get(f"/imports/{import_id}")
    assert chinese.template.name == "import.html"
    errors = chinese.context["errors"]
    assert [(e["row"], e["column"], e["code"]) for e in errors] == [
        (3, "industry", "not-an-option"),
        (5, "max_overdue_days", "ambiguous-number"),
    ]
    assert errors[0]["message"] == (
        "行业应为 manufacturing, retail, internet, construction, trade, energy 之一，"
        "实际为文本 'farming'"
    )
    assert "行业应为 manufacturing, retail" in chinese.text
    pages.cookies.set("riskdesk_lang", "en")
    english = pages.get(f"/imports/{import_id}").context["errors"]
    assert english[0]["message"].startswith("Industry must be one of manufacturing")
