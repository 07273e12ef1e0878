"""The interactive API docs render in a real browser, from this server's files only (issue 8,
defect 15), under the Content-Security-Policy."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = pytest.importorskip("playwright.sync_api").expect


def test_the_api_docs_show_every_operation_without_the_internet(page: Page) -> None:
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if message.type == "error" else None
    )
    page.goto("/api/v1/docs")
    operations = page.locator(".opblock")
    # Swagger UI parses the whole OpenAPI document in the page first: on a loaded two-core
    # machine that has taken over the default 5 s (a wait, not a speed assertion)
    expect(operations.first).to_be_visible(timeout=30_000)
    assert operations.count() >= 15  # every operation of the OpenAPI 3.1 document
    expect(page.get_by_text("Unable to render this definition")).to_have_count(0)
    base = page.url.split("/api/")[0]
    assert all(url.startswith(base) or url.startswith("data:") for url in asked), asked
    assert not [m for m in refused if "Content Security Policy" in m], refused
