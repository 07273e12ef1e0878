"""Every user error of the `riskdesk` command is one line on stderr and exit status 1.

Regression for issue 8 item 17: `token create` before `db upgrade` (and every other command on a
database without the schema, or out of reach, or given a file it cannot read or a --now it cannot
use) ended in a traceback. Each command group is invoked here in a broken setting.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from engine.keys import default_keys_file, write_keys_file
from tests.conftest import _PG_URL, TEST_KEYS, _create_pg_database, _drop_pg_database
from web.cli import app
from web.cli_common import NO_SCHEMA, _refusals

# Nothing listens on port 1 of the loopback address: connecting is refused at once.
UNREACHABLE = "postgresql+psycopg://riskdesk@127.0.0.1:1/riskdesk"


def _one_line_error(result: Result) -> str:
    """The one line a refused command printed; asserts exit 1, one line, no traceback."""
    assert result.exit_code == 1, (result.exception, result.output)
    # CliRunner reports an exception that escaped the command with exit code 1 too
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    return lines[0].removeprefix("error: ")


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # no stray .env file is read
    for name in list(os.environ):
        if name.startswith("RISKDESK_"):
            monkeypatch.delenv(name)
    return CliRunner()


@pytest.fixture
def no_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A SQLite database with the instance's keys but no schema: `db upgrade` never ran."""
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    write_keys_file(default_keys_file(url), TEST_KEYS)
    monkeypatch.setenv("RISKDESK_DATABASE_URL", url)
    return url


@pytest.fixture
def unreachable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    keys_file = tmp_path / "keys.json"
    write_keys_file(keys_file, TEST_KEYS)
    monkeypatch.setenv("RISKDESK_DATABASE_URL", UNREACHABLE)
    monkeypatch.setenv("RISKDESK_KEYS_FILE", str(keys_file))
    return UNREACHABLE


@pytest.fixture
def empty_postgresql(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    base = _PG_URL  # read at import: the `runner` fixture clears RISKDESK_* from the environment
    if base is None:
        pytest.skip("RISKDESK_TEST_DATABASE_URL is not set")
    url, name = _create_pg_database(base)
    keys_file = tmp_path / "keys.json"
    write_keys_file(keys_file, TEST_KEYS)
    monkeypatch.setenv("RISKDESK_DATABASE_URL", url)
    monkeypatch.setenv("RISKDESK_KEYS_FILE", str(keys_file))
    try:
        yield url
    finally:
        _drop_pg_database(base, name)


# --- a database without the schema -------------------------------------------------------------


def test_token_create_before_db_upgrade_says_to_run_it(runner: CliRunner, no_schema: str) -> None:
    result = runner.invoke(app, ["token", "create", "erp", "--user", "alice"])
    assert _one_line_error(result) == NO_SCHEMA


def test_token_create_before_db_upgrade_on_postgresql_says_to_run_it(
    runner: CliRunner, empty_postgresql: str
) -> None:
    result = runner.invoke(app, ["token", "create", "erp", "--user", "alice"])
    assert _one_line_error(result) == NO_SCHEMA


def test_token_create_without_keys_says_to_run_db_upgrade(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RISKDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    result = runner.invoke(app, ["token", "create", "erp", "--user", "alice"])
    assert "riskdesk db upgrade" in _one_line_error(result)


@pytest.mark.parametrize(
    "args",
    [
        ["user", "add", "bob", "--role", "sales"],
        ["token", "list"],
        ["fx", "list"],
        ["fx", "set", "USD", "7.1"],
        ["keys", "rotate"],
        ["tick", "--now", "2026-12-01T09:00"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_each_command_group_on_a_database_without_schema_says_to_upgrade(
    runner: CliRunner, no_schema: str, args: list[str]
) -> None:
    assert _one_line_error(runner.invoke(app, args)) == NO_SCHEMA


def test_import_into_a_database_without_schema_says_to_upgrade(
    runner: CliRunner, no_schema: str
) -> None:
    from tests.conftest import EXAMPLE_TEMPLATE

    result = runner.invoke(app, ["import", str(EXAMPLE_TEMPLATE)])
    assert _one_line_error(result) == NO_SCHEMA


# --- a database out of reach -------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["db", "upgrade"],
        ["user", "add", "bob", "--role", "sales"],
        ["token", "create", "erp", "--user", "alice"],
        ["fx", "list"],
        ["tick"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_an_unreachable_database_is_one_line(
    runner: CliRunner, unreachable: str, args: list[str]
) -> None:
    message = _one_line_error(runner.invoke(app, args))
    assert message.startswith("cannot reach the database (RISKDESK_DATABASE_URL): ")
    assert "127.0.0.1" in message


def test_a_database_url_that_does_not_parse_is_one_line(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RISKDESK_DATABASE_URL", "not a url")
    monkeypatch.setenv("RISKDESK_SECRET_KEY", "s" * 40)
    message = _one_line_error(runner.invoke(app, ["user", "add", "bob", "--role", "sales"]))
    assert message.startswith("RISKDESK_DATABASE_URL is not a database URL riskdesk can use")


def test_a_database_file_that_cannot_be_created_is_one_line(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("RISKDESK_DATABASE_URL", f"sqlite:///{blocker / 'riskdesk.db'}")
    message = _one_line_error(runner.invoke(app, ["db", "upgrade"]))
    assert str(blocker) in message


def test_a_demo_database_that_cannot_be_created_is_one_line(
    runner: CliRunner, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = runner.invoke(app, ["demo", "--db", str(blocker / "demo.db"), "--no-serve"])
    assert str(blocker) in _one_line_error(result)


# --- files, times and settings -----------------------------------------------------------------


def test_import_of_a_missing_file_is_one_line(runner: CliRunner, no_schema: str) -> None:
    result = runner.invoke(app, ["import", "no-such-bundle.zip"])
    assert "no-such-bundle.zip" in _one_line_error(result)


def test_fmt_of_a_folder_is_one_line(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["fmt", str(tmp_path)])
    assert str(tmp_path) in _one_line_error(result)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("soon", "--now: 'soon' is not an ISO 8601 time"),
        ("9999-12-31T23:59:59-12:00", "--now: '9999-12-31T23:59:59-12:00' is outside"),
    ],
)
def test_tick_with_a_bad_now_is_one_line(
    runner: CliRunner, no_schema: str, now: str, expected: str
) -> None:
    assert _one_line_error(runner.invoke(app, ["tick", "--now", now])).startswith(expected)


def test_fx_set_with_a_bad_from_is_one_line(runner: CliRunner, no_schema: str) -> None:
    result = runner.invoke(app, ["fx", "set", "USD", "7.1", "--from", "tomorrow"])
    assert _one_line_error(result) == "--from: 'tomorrow' is not a date such as 2026-01-01"


def test_an_unknown_time_zone_setting_is_one_line(
    runner: CliRunner, no_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RISKDESK_TIMEZONE", "Mars/Olympus_Mons")
    message = _one_line_error(runner.invoke(app, ["tick"]))
    assert message.startswith("RISKDESK_TIMEZONE: ") and "Mars/Olympus_Mons" in message


def test_a_setting_that_does_not_parse_is_one_line(
    runner: CliRunner, no_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RISKDESK_SWEEP_INTERVAL_SECONDS", "often")
    message = _one_line_error(runner.invoke(app, ["user", "add", "bob", "--role", "sales"]))
    assert message.startswith("RISKDESK_SWEEP_INTERVAL_SECONDS: ")


# --- input too deep or too large (what check or import may still hit) ---------------------------


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (RecursionError("maximum recursion depth exceeded"), "the input is nested too deeply"),
        (MemoryError(), "the input is too large to process"),
    ],
)
def test_refusals_turn_recursion_and_memory_errors_into_one_line(
    capsys: pytest.CaptureFixture[str], error: BaseException, expected: str
) -> None:
    with pytest.raises(typer.Exit) as exited, _refusals():
        raise error
    assert exited.value.exit_code == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {expected}"), lines
