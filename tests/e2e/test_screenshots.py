"""`make screenshots` keeps working (scripts/screenshots.py): its shots of each kind, taken of the
live server instead of a new demo (which `make screenshots` itself starts), on each backend: a
page by address, the customer and the case it finds by following links, in Chinese and on a
phone. Each comes out a PNG as wide as its window."""

from __future__ import annotations

import importlib.util
import struct
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import pytest

from engine.db import Database
from tests.e2e.test_roles_browser import _seed
from tests.web.conftest import PASSWORD, ApiClient, LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "screenshots.py"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# one shot of each kind the script takes
TAKEN = ("dashboard", "customer", "case", "rules-editor", "customer-zh", "case-phone")


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("screenshots", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _png_width(path: Path) -> int:
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE, path
    return int(struct.unpack(">I", head[16:20])[0])


def test_the_screenshot_script_photographs_its_pages(
    workspace: Database, api: ApiClient, live_server: LiveServer, browser: Browser, tmp_path: Path
) -> None:
    _seed(workspace)
    for role in ("sales_manager", "admin"):  # the demo's users are named after their roles
        api.add_user(role, [role])
    screenshots = _script()
    shots = [shot for shot in screenshots.SHOTS if shot.name in TAKEN]
    assert {shot.name for shot in shots} == set(TAKEN)

    screenshots.take(browser, live_server.url, PASSWORD, shots, tmp_path)

    for shot in shots:
        assert _png_width(tmp_path / f"{shot.name}.png") == shot.width, shot.name


def test_the_script_refuses_an_unknown_shot(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        _script().main(["--only", "dashbord"])
    assert "unknown shots ['dashbord']" in capsys.readouterr().err
