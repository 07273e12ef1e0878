"""`riskdesk import-data` through typer's CliRunner, on the test database of each backend."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func
from sqlmodel import select
from typer.testing import CliRunner

from engine.db import Database
from engine.keys import write_keys_file
from engine.models import Customer
from tests.conftest import EXAMPLE_TEMPLATE, TEST_KEYS
from web.cli import app

NOW = "2026-12-01T09:00"
GOOD_AND_BAD = (
    "external_ref,公司名称,industry,最长逾期天数\n"
    "C1,Hangzhou Bearings,manufacturing,0\n"
    "C2,Bad Co,farming,0\n"
    "C3,Quiet Co,retail,１２\n"
)


@pytest.fixture
def runner(workspace: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    keys_file = tmp_path / "riskdesk.keys.json"
    write_keys_file(keys_file, TEST_KEYS)
    monkeypatch.setenv("RISKDESK_DATABASE_URL", workspace.url)
    monkeypatch.setenv("RISKDESK_KEYS_FILE", str(keys_file))
    monkeypatch.setenv("RISKDESK_TIMEZONE", "UTC")
    monkeypatch.chdir(tmp_path)  # no stray .env file is read
    return CliRunner()


def _customers(database: Database) -> int:
    with database.transaction() as session:
        return int(session.exec(select(func.count()).select_from(Customer)).one())


def test_the_example_sample_data_imports(runner: CliRunner, workspace: Database) -> None:
    sample = EXAMPLE_TEMPLATE / "data" / "customers.csv"
    result = runner.invoke(app, ["import-data", "customers", str(sample), "--now", NOW])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith(
        "customers.csv: 30 rows: 30 created, 0 updated, 0 unchanged, 0 rejected; "
    )
    again = runner.invoke(app, ["import-data", "customers", str(sample), "--now", NOW])
    assert again.stdout.splitlines()[-1] == (
        "customers.csv: 30 rows: 0 created, 0 updated, 30 unchanged, 0 rejected."
    )
    assert _customers(workspace) == 30


def test_rejected_rows_exit_1_with_each_error_and_the_rejected_file(
    runner: CliRunner, workspace: Database, tmp_path: Path
) -> None:
    (tmp_path / "in.csv").write_text(GOOD_AND_BAD, encoding="gb18030")
    result = runner.invoke(
        app,
        ["import-data", "customers", "in.csv", "--mode", "valid-rows", "--rejected", "out.csv"],
    )
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "in.csv (read as GB18030): 3 rows: 2 created, 0 updated, 0 unchanged, 1 rejected.",
        "Rejected rows written to out.csv.",
    ]
    assert result.stderr.splitlines() == [
        "row 3, column 'industry': Industry must be one of manufacturing, retail, internet, "
        "construction, trade, energy, found the text 'farming' [not-an-option]",
        "error: 1 of 3 rows rejected",
    ]
    rejected = (tmp_path / "out.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rejected[0] == "external_ref,公司名称,industry,最长逾期天数,reason"
    assert rejected[1].startswith("C2,Bad Co,farming,0,")
    assert _customers(workspace) == 2


def test_all_or_nothing_imports_nothing(
    runner: CliRunner, workspace: Database, tmp_path: Path
) -> None:
    (tmp_path / "in.csv").write_text(GOOD_AND_BAD, encoding="utf-8")
    result = runner.invoke(app, ["import-data", "customers", "in.csv"])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == (
        "in.csv: 3 rows: 0 created, 0 updated, 0 unchanged, 3 rejected; nothing was imported "
        "(all-or-nothing)."
    )
    assert _customers(workspace) == 0


def test_an_xlsx_with_a_mapping_file(
    runner: CliRunner, workspace: Database, tmp_path: Path
) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["客户编号", "客户名称", "行业", "备注"])
    sheet.append(["C7", '=HYPERLINK("x")', "trade", "a formula stays text"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    (tmp_path / "in.xlsx").write_bytes(buffer.getvalue())
    (tmp_path / "mapping.yaml").write_text(
        "columns: {客户名称: name, 行业: industry}\nignore: [备注]\n", encoding="utf-8"
    )
    result = runner.invoke(
        app, ["import-data", "customers", "in.xlsx", "--mapping", "mapping.yaml"]
    )
    assert result.exit_code == 0, result.output
    with workspace.transaction() as session:
        customer = session.exec(select(Customer)).one()
    assert (customer.external_ref, customer.name) == ("C7", '=HYPERLINK("x")')


def test_file_problems_are_positioned_lines_not_tracebacks(
    runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "bad.xlsx").write_bytes(b"PK\x03\x04 not really")
    result = runner.invoke(app, ["import-data", "customers", "bad.xlsx"])
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "bad.xlsx:1:1: error: the file is not a readable XLSX workbook ("
    )
    (tmp_path / "cols.csv").write_text("external_ref,nmae\nC1,x\n", encoding="utf-8")
    result = runner.invoke(app, ["import-data", "customers", "cols.csv"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:3] == [
        "cols.csv:1:14: error: column 'nmae' is no field of the form; did you mean 'name'?",
        "    1 | external_ref,nmae",
        "      |              ^^^^",
    ]
    missing = runner.invoke(app, ["import-data", "customers", "nothing.csv"])
    assert missing.exit_code == 1
    assert "cannot use nothing.csv: No such file or directory" in missing.stderr


def test_the_reports_errors_are_said_in_chinese(workspace: Database) -> None:
    from datetime import UTC

    from dsl.texts import say
    from engine.imports import import_rows
    from forms import read_table
    from tests.engine.conftest import NOW as ENGINE_NOW
    from web.i18n import translator

    table = read_table(
        b"external_ref,name,industry,max_overdue_days,has_guarantee\nC1,A,retail,03/04,maybe\n",
        filename="f.csv",
    )
    with workspace.transaction() as session:
        report = import_rows(
            session, "customers", table, mode="valid-rows", actor="cli", now=ENGINE_NOW, tz=UTC
        )
    zh = translator("zh").gettext
    assert [say(e.wording, "zh", zh) for e in report.errors if e.wording is not None] == [
        "'03/04' 不是数字",
        "'maybe' 不是“是”或“否”；请填写 true/false、yes/no、Y/N、1/0 或 是/否",
    ]
