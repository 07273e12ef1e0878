"""An import through the import page in a real browser, on each backend (issue 11, "Pages"): a
sales manager uploads a CSV with good and bad rows in valid-rows mode, watches the page move
from queued to done once the server's sweep runs it (htmx polls), reads the report whose counts
add up, and downloads the rejected rows with their reasons. Once in Chinese."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from engine import clock
from engine.db import Database
from engine.job_kinds import run_due_chunks
from tests.e2e.test_start_review_browser import _sign_in
from tests.engine.test_imports import MIXED
from tests.web.conftest import ApiClient

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = pytest.importorskip("playwright.sync_api").expect

Screenshot = Callable[["Page", str], Path]


def _upload(page: Page, tmp_path: Path, *, mode: str) -> None:
    csv = tmp_path / "customers.csv"
    csv.write_text(MIXED, encoding="utf-8")
    page.goto("/imports")
    page.locator("#import-file").set_input_files(str(csv))
    page.locator("#import-mode").select_option(mode)
    page.get_by_test_id("upload-import").click()
    expect(page).to_have_url(re.compile(r"/imports/\d+$"))


def _sweep(workspace: Database) -> None:
    run_due_chunks(workspace, now=clock.utcnow(), worker="test", tz=UTC)


def test_an_import_with_good_and_bad_rows_reports_them_and_the_rejects_download(
    workspace: Database, api: ApiClient, page: Page, screenshot: Screenshot, tmp_path: Path
) -> None:
    api.add_user("mia", ["sales_manager"])
    _sign_in(page, "mia")
    _upload(page, tmp_path, mode="valid-rows")
    report = page.locator("#import-report")
    expect(report).to_have_attribute("data-status", "queued")

    _sweep(workspace)  # as the server's background sweep would
    expect(report).to_have_attribute("data-status", "done", timeout=10_000)  # polled in place
    counts = page.locator("#import-counts")
    expect(counts.locator('[data-count="created"] td')).to_have_text("3")
    expect(counts.locator('[data-count="rejected"] td')).to_have_text("2")
    expect(page.locator('#import-errors tr[data-row="3"]')).to_contain_text("farming")
    screenshot(page, "import-report")

    with page.expect_download() as download:
        page.locator("#download-rejected").click()
    saved = tmp_path / "rejected.csv"
    download.value.save_as(saved)
    lines = saved.read_text(encoding="utf-8-sig").splitlines()
    assert download.value.suggested_filename == "customers-rejected.csv"
    assert lines[0].endswith(",reason") and [line[:3] for line in lines[1:]] == ["C2,", "C4,"]

    page.goto("/customers")
    expect(page.locator('a[href="/customers/C1"]')).to_have_count(1)


def test_an_all_or_nothing_import_in_chinese(
    workspace: Database, api: ApiClient, page: Page, screenshot: Screenshot, tmp_path: Path
) -> None:
    api.add_user("mia", ["sales_manager"])
    _sign_in(page, "mia", chinese=True)
    _upload(page, tmp_path, mode="all-or-nothing")
    _sweep(workspace)
    expect(page.locator("#import-report")).to_have_attribute("data-status", "done", timeout=10_000)
    expect(page.locator("#rolled-back")).to_contain_text("全部或不导入")
    expect(page.locator('#import-counts [data-count="rejected"] td')).to_have_text("5")
    screenshot(page, "import-report-zh")
