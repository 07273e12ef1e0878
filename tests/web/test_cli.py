"""The `riskdesk` command, through typer's CliRunner, on a temporary SQLite file."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from engine import clock
from engine.db import Database
from engine.keys import load_keys
from engine.models import ApiToken, AuditEntry
from engine.tokens import user_for_token
from engine.users import roles_of
from tests.conftest import EXAMPLE_TEMPLATE
from web.cli import app


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[CliRunner, str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("RISKDESK_DATABASE_URL", url)
    monkeypatch.setenv("RISKDESK_TIMEZONE", "Asia/Shanghai")
    monkeypatch.chdir(tmp_path)  # no stray .env file is read
    runner = CliRunner()
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    return runner, url


def _broken_copy(tmp_path: Path) -> Path:
    broken = tmp_path / "broken"
    shutil.copytree(EXAMPLE_TEMPLATE, broken)
    rules = next(broken.rglob("*.rules"))
    rules.write_text(
        rules.read_text(encoding="utf-8").replace("max_overdue_days", "max_overdue_dayz"),
        encoding="utf-8",
    )
    return broken


def test_user_add_then_token_create_prints_the_token_last(cli: tuple[CliRunner, str]) -> None:
    runner, url = cli
    added = runner.invoke(
        app, ["user", "add", "alice", "--role", "admin", "--role", "legal", "--password", "pw"]
    )
    assert added.exit_code == 0, added.output
    assert "Password" not in added.stdout
    created = runner.invoke(app, ["token", "create", "cli", "--user", "alice"])
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip().splitlines()[-1]
    database = Database(url, keys=load_keys(database_url=url))
    try:
        with database.transaction() as session:
            user = user_for_token(session, secret, now=clock.utcnow())
            assert user is not None and user.name == "alice"
            assert roles_of(session, "alice") == frozenset({"admin", "legal"})
    finally:
        database.dispose()


def test_token_revoke_by_id_stops_the_token_and_is_audited_as_the_cli(
    cli: tuple[CliRunner, str],
) -> None:
    runner, url = cli
    runner.invoke(app, ["user", "add", "alice", "--role", "admin", "--password", "pw"])
    secret = runner.invoke(app, ["token", "create", "cli", "--user", "alice"]).stdout.split()[-1]
    database = Database(url, keys=load_keys(database_url=url))
    try:
        with database.transaction() as session:
            user = user_for_token(session, secret, now=clock.utcnow())
            token_id = session.exec(select(ApiToken.id)).one()
        assert user is not None
        revoked = runner.invoke(app, ["token", "revoke", str(token_id)])
        assert revoked.exit_code == 0, revoked.output
        assert revoked.stdout.strip() == f"Revoked token {token_id} 'cli' of alice."
        with database.transaction() as session:
            assert user_for_token(session, secret, now=clock.utcnow()) is None
            row = session.exec(select(AuditEntry).where(AuditEntry.action == "token.revoked")).one()
            assert (row.actor, row.entity_id) == ("cli", "alice")
        missing = runner.invoke(app, ["token", "revoke", "999"])
        assert missing.exit_code == 1 and "there is no token 999" in missing.stderr
    finally:
        database.dispose()


def test_user_add_without_password_prints_a_generated_one(cli: tuple[CliRunner, str]) -> None:
    runner, _ = cli
    result = runner.invoke(app, ["user", "add", "bob", "--role", "sales", "--department", "east"])
    assert result.exit_code == 0, result.output
    assert "Password: " in result.stdout


def test_user_add_twice_fails_with_one_line(cli: tuple[CliRunner, str]) -> None:
    runner, _ = cli
    runner.invoke(app, ["user", "add", "bob", "--role", "sales"])
    result = runner.invoke(app, ["user", "add", "bob", "--role", "sales"])
    assert result.exit_code == 1
    assert "already a user 'bob'" in result.stderr


def test_token_for_unknown_user_fails(cli: tuple[CliRunner, str]) -> None:
    runner, _ = cli
    result = runner.invoke(app, ["token", "create", "cli", "--user", "ghost"])
    assert result.exit_code == 1
    assert "no user 'ghost'" in result.stderr


def test_import_the_example_then_tick(cli: tuple[CliRunner, str]) -> None:
    runner, _ = cli
    imported = runner.invoke(app, ["import", str(EXAMPLE_TEMPLATE)])
    assert imported.exit_code == 0, imported.output
    assert "Imported template manufacturing_credit" in imported.stdout
    ticked = runner.invoke(app, ["tick", "--now", "2026-12-01T09:00"])
    assert ticked.exit_code == 0, ticked.output
    # naive times are read in RISKDESK_TIMEZONE (UTC+8)
    assert "Sweep at 2026-12-01T01:00:00+00:00" in ticked.stdout


def test_tick_refuses_a_time_it_cannot_read(cli: tuple[CliRunner, str]) -> None:
    runner, _ = cli
    result = runner.invoke(app, ["tick", "--now", "soon"])
    assert result.exit_code == 1  # one line and status 1, as every user error (item 17)
    assert "soon" in result.stderr


def test_import_a_broken_template_fails_with_positions(
    cli: tuple[CliRunner, str], tmp_path: Path
) -> None:
    runner, _ = cli
    result = runner.invoke(app, ["import", str(_broken_copy(tmp_path))])
    assert result.exit_code == 1
    assert ".rules:" in result.stderr and "error:" in result.stderr


def test_check_a_clean_template_exits_0(cli: tuple[CliRunner, str]) -> None:
    runner, _ = cli
    result = runner.invoke(app, ["check", str(EXAMPLE_TEMPLATE)])
    assert result.exit_code == 0, result.output
    assert "no errors" in result.stdout


def test_check_a_broken_template_renders_positioned_errors(
    cli: tuple[CliRunner, str], tmp_path: Path
) -> None:
    runner, _ = cli
    broken = _broken_copy(tmp_path)
    result = runner.invoke(app, ["check", str(broken)])
    assert result.exit_code == 1
    first = result.stderr.splitlines()[0]
    file, line, column, rest = first.split(":", 3)
    assert file.endswith(".rules") and int(line) >= 1 and int(column) >= 1
    assert rest.startswith(" error:")
    assert "max_overdue_dayz" in result.stderr
    assert "^" in result.stderr  # the caret snippet


def test_check_a_broken_template_in_chinese(cli: tuple[CliRunner, str], tmp_path: Path) -> None:
    runner, _ = cli
    english = runner.invoke(app, ["check", str(_broken_copy(tmp_path / "en"))])
    chinese = runner.invoke(app, ["check", str(_broken_copy(tmp_path / "zh")), "--lang", "zh"])
    assert chinese.exit_code == english.exit_code == 1
    first_en, first_zh = english.stderr.splitlines()[0], chinese.stderr.splitlines()[0]
    # the same position and field, another language
    assert first_zh.split(": ")[0] == first_en.split(": ")[0].replace("/en/", "/zh/")
    assert "max_overdue_dayz" in first_zh and first_zh != first_en.replace("/en/", "/zh/")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in first_zh)


def test_check_json_lists_diagnostics(cli: tuple[CliRunner, str], tmp_path: Path) -> None:
    runner, _ = cli
    result = runner.invoke(app, ["check", str(_broken_copy(tmp_path)), "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert report["diagnostics"][0]["severity"] == "error"
    assert report["diagnostics"][0]["line"] >= 1


def test_schema_template_prints_json_schema(cli: tuple[CliRunner, str]) -> None:
    runner, _ = cli
    result = runner.invoke(app, ["schema", "template"])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    assert "template" in schema["properties"]


def test_demo_without_its_template_says_how_to_give_one(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-template"
    result = CliRunner().invoke(
        app, ["demo", "--db", str(tmp_path / "d.db"), "--template", str(missing), "--no-serve"]
    )
    assert result.exit_code == 1
    assert "--template" in result.stderr and str(missing) in result.stderr
    assert not (tmp_path / "d.db").exists()


def test_demo_without_serving_builds_a_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    demo_db = tmp_path / "demo.db"
    demo_db.write_text("stale")  # the demo starts from a fresh file
    result = CliRunner().invoke(
        app, ["demo", "--db", str(demo_db), "--customers", "40", "--no-serve"]
    )
    assert result.exit_code == 0, result.output
    assert (
        "Imported sample data/customers.csv: 30 rows: 30 created, 0 updated, 0 unchanged, "
        "0 rejected" in result.stdout
    )
    token = result.stdout.strip().splitlines()[-1].split(": ")[-1]
    demo_url = f"sqlite:///{demo_db}"
    database = Database(demo_url, keys=load_keys(database_url=demo_url))
    try:
        from engine.customers import list_customers

        with database.transaction() as session:
            assert user_for_token(session, token, now=clock.utcnow()) is not None
            # the template's 30 sample customers (data/customers.csv, through the import) and
            # the 40 synthetic ones
            refs = [c.ref for c in list_customers(session, limit=100).items]
            assert len(refs) == 70
            assert refs[:2] == ["C0001", "C0002"]
            assert "sales_manager" in roles_of(session, "sales_manager")
            # the first morning looks real: a year of assessments, cases past their deadline
            # (escalated, or on hold at the CFO's step), orders held, alerts of each severity
            from sqlmodel import func, select

            from engine.models import Alert, Assessment, Case, CreditCheck

            first, last = session.exec(
                select(func.min(Assessment.as_of), func.max(Assessment.as_of))
            ).one()
            assert (last - first).days >= 330, (first, last)
            now = clock.utcnow()
            open_cases = session.exec(select(Case).where(Case.status == "open")).all()
            late = [c for c in open_cases if c.due_at is not None and c.due_at < now]
            assert late and any(c.escalation_level > 0 for c in late), late
            held = session.exec(select(CreditCheck).where(CreditCheck.status == "held")).all()
            assert held
            severities = set(session.exec(select(Alert.severity)).all())
            assert {"info", "warning", "critical"} <= severities, severities
    finally:
        database.dispose()


def test_demo_on_a_taken_port_fails_at_once_and_says_how_to_choose_another(
    tmp_path: Path,
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            app, ["demo", "--db", str(tmp_path / "d.db"), "--port", str(port)]
        )
    assert result.exit_code == 1
    assert f"port {port}" in result.stderr and "--port" in result.stderr
    assert not (tmp_path / "d.db").exists()  # nothing was loaded
