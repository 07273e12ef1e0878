"""Every example of docs/import.md and docs/zh/import.md runs as written: the files it shows,
the commands and their output, the mapping file, and the table of how cells are read.

A ```csv file=NAME (or ```yaml file=NAME) block is a file: written into the example's folder,
unless a command before it wrote that file, in which case the block is what the command must have
written. A ```console block holds commands (`$ riskdesk ...`) each followed by its output, stdout
then stderr, and optionally `# exit status N` (else 0). They run in document order against one
workspace with the example template imported (typer's CliRunner, on each test database).
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from typer.testing import CliRunner

from engine.db import Database
from engine.keys import write_keys_file
from engine.templates import import_template
from forms import CellError, Field, FieldType, Target, coerce_cell, load_mapping
from tests.conftest import EXAMPLE_TEMPLATE, TEST_KEYS
from tests.engine.conftest import NOW
from web.cli import app

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("docs/import.md", "docs/zh/import.md")
_BLOCK = re.compile(r"^```(?P<info>[^\n]*)\n(?P<body>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
_EXIT = re.compile(r"^# exit status (\d+)$")


def _blocks(page: str) -> list[tuple[str, str]]:
    text = (ROOT / page).read_text(encoding="utf-8")
    return [(m["info"].strip(), m["body"]) for m in _BLOCK.finditer(text)]


@pytest.fixture
def example(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[CliRunner, Path]:
    with database.transaction() as session:
        import_template(session, EXAMPLE_TEMPLATE, actor="admin", now=NOW, base_currency="CNY")
    keys_file = tmp_path / "riskdesk.keys.json"
    write_keys_file(keys_file, TEST_KEYS)
    monkeypatch.setenv("RISKDESK_DATABASE_URL", database.url)
    monkeypatch.setenv("RISKDESK_KEYS_FILE", str(keys_file))
    monkeypatch.setenv("RISKDESK_TIMEZONE", "UTC")
    monkeypatch.chdir(tmp_path)
    return CliRunner(), tmp_path


def _run_console(runner: CliRunner, body: str, where: str) -> None:
    lines = body.splitlines()
    index = 0
    while index < len(lines):
        command = lines[index]
        assert command.startswith("$ riskdesk "), f"{where}: {command}"
        index += 1
        expected: list[str] = []
        status = 0
        while index < len(lines) and not lines[index].startswith("$ "):
            found = _EXIT.match(lines[index])
            if found:
                status = int(found[1])
            else:
                expected.append(lines[index])
            index += 1
        result = runner.invoke(app, shlex.split(command[len("$ riskdesk ") :]))
        shown = result.stdout.splitlines() + result.stderr.splitlines()
        assert (shown, result.exit_code) == (expected, status), f"{where}: {command}"


@pytest.mark.parametrize("page", PAGES)
def test_the_pages_examples_run_as_written(page: str, example: tuple[CliRunner, Path]) -> None:
    runner, folder = example
    ran = 0
    for number, (info, body) in enumerate(_blocks(page)):
        where = f"{page} block {number + 1}"
        words = info.split()
        if words[:1] == ["console"]:
            _run_console(runner, body, where)
            ran += 1
        elif len(words) == 2 and words[1].startswith("file="):
            path = folder / words[1].removeprefix("file=")
            if path.exists():
                assert path.read_text(encoding="utf-8-sig").replace("\r\n", "\n") == body, where
            else:
                path.write_text(body, encoding="utf-8")
    assert ran == 4


def test_the_pages_show_the_same_examples() -> None:
    english, chinese = ([b for b in _blocks(p) if b[0] != "json"] for p in PAGES)
    assert english == chinese


def test_the_mapping_file_of_the_page_loads() -> None:
    (body,) = [body for info, body in _blocks(PAGES[0]) if info == "yaml file=mapping.yaml"]
    targets = (Target("name"), Target("max_overdue_days"))
    mapping = load_mapping(body, filename="mapping.yaml", targets=targets)
    assert dict(mapping.columns) == {"客户名称": "name", "逾期天数": "max_overdue_days"}
    assert mapping.ignore == {"备注"}


_TYPES: dict[str, dict[str, Any]] = {
    "money": {"type": FieldType.MONEY},
    "integer": {"type": FieldType.INTEGER},
    "decimal": {"type": FieldType.DECIMAL, "minimum": -100},
    "decimal from 0 to 1": {"type": FieldType.DECIMAL, "minimum": 0, "maximum": 1},
    "decimal（取值 0 到 1）": {"type": FieldType.DECIMAL, "minimum": 0, "maximum": 1},
    "boolean": {"type": FieldType.BOOLEAN},
    "date": {"type": FieldType.DATE},
    "text": {"type": FieldType.TEXT},
}


def _coercion_rows(page: str) -> list[tuple[str, str, str]]:
    text = (ROOT / page).read_text(encoding="utf-8")
    section = text.split("<!-- coercions -->", 1)[1].split("\n\n", 2)[1]
    rows = []
    for line in section.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows.append((cells[0], cells[1], cells[2]))
    return rows


def _cell(written: str) -> Any:
    for prefix in ("number cell ", "数字单元格 "):
        if written.startswith(prefix):
            return int(written.removeprefix(prefix).strip("`"))
    return re.match(r"`(.*)`", written, re.S)[1]  # type: ignore[index]


@pytest.mark.parametrize("page", PAGES)
def test_the_table_of_how_cells_are_read(page: str) -> None:
    rows = _coercion_rows(page)
    assert len(rows) == 25
    for written, kind, outcome in rows:
        field = Field("f", **_TYPES[kind], label=MappingProxyType({}))
        cell = _cell(written)
        code = re.match(r"(?:error|错误) `(.*)`", outcome)
        if code:
            with pytest.raises(CellError) as caught:
                coerce_cell(field, cell)
            assert caught.value.code == code[1], written
        else:
            assert coerce_cell(field, cell) == json.loads(outcome.strip("`")), written
