"""End-to-end fixtures: the web layer's live server, API clients and workspace, and a browser.

- `browser`: Debian's Chromium (/usr/bin/chromium, installed by scripts/ensure-browser.sh), driven
  headless by Playwright, one per test session; the browser tests skip, saying why, when either
  is missing. Playwright's own browser download is never used.
- `page`: a new browser context (fresh cookies) per test, its base URL the live server's.
- `screenshot`: saves a full-page PNG of a page into the test's `tmp_path` (and into
  `$RISKDESK_SHOTS_DIR` too, when set, for a person to look at).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.web.conftest import LiveServer, api, live_server, workspace

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, ViewportSize

__all__ = ["api", "browser", "live_server", "page", "screenshot", "workspace"]

# Without the background-networking flags Chromium keeps dialling Google's hosts, which this
# machine's closed network refuses; Playwright passes --headless and a new empty profile itself.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 860}


def chromium_path() -> str | None:
    """Debian's Chromium, or `$RISKDESK_CHROMIUM`; None when there is none."""
    configured = os.environ.get("RISKDESK_CHROMIUM")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole run."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'"
    )
    executable = chromium_path()
    if executable is None:
        pytest.skip("Chromium is not installed: run scripts/ensure-browser.sh as root (make test)")
    playwright = sync_api.sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A fresh browser context (no cookies) on the live server of this backend."""
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT)
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def screenshot(tmp_path: Path, request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """`screenshot(page, name)` saves `name.png` into tmp_path and returns its path."""
    shots_dir = os.environ.get("RISKDESK_SHOTS_DIR")
    callspec = getattr(request.node, "callspec", None)
    backend = callspec.params.get("migrated_url", "default") if callspec else "default"

    def take(page: Page, name: str) -> Path:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        if shots_dir:
            Path(shots_dir).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, Path(shots_dir) / f"{name}-{backend}.png")
        return path

    return take
