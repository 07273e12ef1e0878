"""Regenerate the screenshots of docs/screenshots/ (`make screenshots`).

Starts `riskdesk demo` (as `make run` does) on a free port over a fresh SQLite file in a temporary
folder, signs in as its users (named after their roles, one password printed by the demo), and
saves full-page PNGs of the main pages into docs/screenshots/, overwriting them: desktop (1280 px
wide) in English, a few in Chinese, and a few on a 375 px phone. Driven by Playwright on Debian's
Chromium, as the browser tests are (tests/e2e/conftest.py).

    .venv/bin/python scripts/screenshots.py [--out DIR] [--url URL --password PASSWORD] [--only a,b]

With `--url` it photographs a server already running (users `sales_manager` and `admin` with
`--password`) instead of starting the demo; tests/e2e/test_screenshots.py runs it that way.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a file: the repository's packages beside it
    sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import CHROMIUM_ARGS, chromium_path  # noqa: E402

if TYPE_CHECKING:
    from playwright.sync_api import Browser, FloatRect, Page

OUT = ROOT / "docs" / "screenshots"
START_SECONDS = 180.0  # importing the template and 500 customers on a loaded two-core machine
# `riskdesk demo`'s last line once it serves (web/cli.py), naming the users' one password
READY = re.compile(r"riskdesk is ready: .* password (\S+)\. Ctrl\+C")
DESKTOP = 1280
PHONE = 375
PAGE_HEIGHT = 860  # the window's; a full-page shot is as tall as the page, up to:
MAX_HEIGHT = 1800  # the top of a long list tells what it is, and keeps each file under ~400 KB


def _goto(address: str) -> Callable[[Page], None]:
    def open_page(page: Page) -> None:
        page.goto(address)

    return open_page


def _riskiest_customer(page: Page) -> None:
    """The first customer of the dashboard's riskiest list."""
    page.goto("/")
    page.locator("#riskiest a[href^='/customers/']").first.click()


def _oldest_case(page: Page) -> None:
    """The first case of the inbox (the oldest deadline)."""
    page.goto("/inbox")
    page.locator("main a[href^='/cases/']").first.click()


@dataclass(frozen=True, slots=True)
class Shot:
    name: str  # the file: docs/screenshots/NAME.png
    user: str
    open: Callable[[Page], None]
    language: str = "en"
    width: int = DESKTOP


SHOTS: tuple[Shot, ...] = (
    Shot("dashboard", "sales_manager", _goto("/")),
    Shot("customer-list", "sales_manager", _goto("/customers")),
    Shot("customer", "sales_manager", _riskiest_customer),
    Shot("inbox", "sales_manager", _goto("/inbox")),
    Shot("case", "sales_manager", _oldest_case),
    Shot("alerts", "sales_manager", _goto("/alerts")),
    Shot("rules-editor", "admin", _goto("/rules/credit")),
    Shot("form-builder", "admin", _goto("/forms/customer/builder")),
    Shot("workflow", "admin", _goto("/workflows/high_risk_review")),
    Shot("dashboard-zh", "sales_manager", _goto("/"), language="zh"),
    Shot("customer-zh", "sales_manager", _riskiest_customer, language="zh"),
    Shot("case-zh", "sales_manager", _oldest_case, language="zh"),
    Shot("dashboard-phone", "sales_manager", _goto("/"), width=PHONE),
    Shot("case-phone", "sales_manager", _oldest_case, width=PHONE),
)


class ScreenshotError(RuntimeError):
    """A page could not be photographed: the message says which and why."""


def _sign_in(page: Page, user: str, password: str, *, language: str) -> None:
    page.goto("/login")
    if language == "zh":
        page.get_by_role("button", name="中文").click()
        page.locator("html[lang=zh-Hans]").wait_for()
    page.locator("input[name=username]").fill(user)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"://[^/]+/$"))


def _photograph(page: Page, shot: Shot, out: Path) -> None:
    shot.open(page)
    page.wait_for_load_state("networkidle")  # htmx's parts (the bell) are in
    if page.locator("main h1").count() == 0 or page.locator(".error-page").count():
        raise ScreenshotError(f"{shot.name}: {page.url} shows no page but an error")
    height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT)
    path = out / f"{shot.name}.png"
    clip: FloatRect = {"x": 0, "y": 0, "width": shot.width, "height": height}
    page.screenshot(path=str(path), full_page=True, clip=clip)
    print(f"saved {path} ({page.url})")


def take(browser: Browser, base_url: str, password: str, shots: Sequence[Shot], out: Path) -> None:
    """Photograph `shots`, one signed-in browser context per user, language and width."""
    out.mkdir(parents=True, exist_ok=True)

    def session_of(shot: Shot) -> tuple[str, str, int]:
        return shot.user, shot.language, shot.width

    for (user, language, width), group in groupby(sorted(shots, key=session_of), session_of):
        context = browser.new_context(
            base_url=base_url,
            viewport={"width": width, "height": PAGE_HEIGHT},
            is_mobile=width < DESKTOP,
            has_touch=width < DESKTOP,
        )
        context.set_default_timeout(15_000)
        try:
            page = context.new_page()
            _sign_in(page, user, password, language=language)
            for shot in group:
                _photograph(page, shot, out)
        finally:
            context.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2) as r:
            return bool(r.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@contextmanager
def demo() -> Iterator[tuple[str, str]]:
    """`riskdesk demo` serving a fresh workspace on a free port: yields its URL and password."""
    with tempfile.TemporaryDirectory(prefix="riskdesk-shots-") as folder:
        port = _free_port()
        log_path = Path(folder) / "demo.log"
        command = [sys.executable, "-m", "web.cli", "demo", "--port", str(port)]
        command += ["--db", str(Path(folder) / "riskdesk-demo.db")]
        # the demo configures itself, as on a newcomer's machine: no RISKDESK_ setting reaches it
        environment = {k: v for k, v in os.environ.items() if not k.startswith("RISKDESK_")}
        environment |= {"PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, stopped as one
            )
        try:
            deadline = time.monotonic() + START_SECONDS
            while not (_healthy(port) and (ready := READY.search(log_path.read_text()))):
                if process.poll() is not None:
                    raise ScreenshotError(f"the demo exited:\n{log_path.read_text()}")
                if time.monotonic() > deadline:
                    raise ScreenshotError(f"the demo did not start:\n{log_path.read_text()}")
                time.sleep(0.3)
            yield f"http://127.0.0.1:{port}", ready[1]
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="where the PNGs go")
    parser.add_argument("--url", help="photograph this running server instead of a new demo")
    parser.add_argument("--password", help="the users' password on --url")
    parser.add_argument("--only", help="comma-separated shot names (default: all)")
    args = parser.parse_args(argv)
    shots = SHOTS
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {s.name for s in SHOTS}
        if unknown:
            parser.error(f"unknown shots {sorted(unknown)}; known: {[s.name for s in SHOTS]}")
        shots = tuple(s for s in SHOTS if s.name in wanted)
    if args.url and not args.password:
        parser.error("--url needs --password")
    executable = chromium_path()
    if executable is None:
        print("screenshots: Chromium is not installed: run scripts/ensure-browser.sh as root")
        return 1
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            if args.url:
                take(browser, args.url, args.password, shots, args.out)
            else:
                with demo() as (url, password):
                    take(browser, url, password, shots, args.out)
        except ScreenshotError as error:
            print(f"screenshots: {error}", file=sys.stderr)
            return 1
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
