"""`riskdesk audit verify` on each backend: exit 0 with "N rows, chain intact", else exit 1 with
the first row changed, removed or inserted."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from engine import audit
from engine.db import Database
from tests.audit_triggers import tampering
from tests.conftest import TEST_KEYS
from web.cli import app

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@pytest.fixture
def runner(database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A CliRunner on the test database, with the test keys given through the environment."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RISKDESK_DATABASE_URL", database.url)
    monkeypatch.setenv("RISKDESK_KEYS_FILE", str(tmp_path / "none.keys.json"))
    monkeypatch.setenv("RISKDESK_SECRET_KEY", TEST_KEYS.secret_key)
    monkeypatch.setenv("RISKDESK_AUDIT_KEY", base64.urlsafe_b64encode(TEST_KEYS.audit_key).decode())
    monkeypatch.setenv(
        "RISKDESK_DATA_KEY", base64.urlsafe_b64encode(TEST_KEYS.current_data_key).decode()
    )
    with database.transaction() as session:
        for i in range(4):
            audit.record(
                session,
                actor="ann",
                action="customer.updated",
                entity_kind="customer",
                entity_id=f"C{i}",
                now=NOW + timedelta(minutes=i),
            )
    return CliRunner()


def test_intact_chain_exits_0_with_the_row_count(runner: CliRunner) -> None:
    result = runner.invoke(app, ["audit", "verify", "--batch-size", "3"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "4 rows, chain intact"


def test_edited_row_exits_1_naming_it(runner: CliRunner, database: Database) -> None:
    with tampering(database) as connection:
        connection.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE id = 3"))
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: row 3 changed: its hash does not match its content"


def test_deleted_tail_exits_1_naming_the_first_row_removed(
    runner: CliRunner, database: Database
) -> None:
    with tampering(database) as connection:
        connection.execute(text("DELETE FROM audit_log WHERE id = 4"))
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: row 4 removed (the chain ends at row 3)"


def test_inserted_row_exits_1_naming_it(runner: CliRunner, database: Database) -> None:
    with tampering(database) as connection:
        last = connection.execute(text("SELECT hash FROM audit_log WHERE id = 4")).scalar_one()
        connection.execute(
            text(
                "INSERT INTO audit_log (id, at, actor, action, entity_kind, entity_id, detail, "
                "prev_hash, hash) VALUES (5, :at, 'mallory', 'terms.changed', 'customer', 'C0', "
                "'{}', :prev, :hash)"
            ),
            {
                "at": NOW.replace(tzinfo=None) if database.is_sqlite else NOW,
                "prev": last,
                "hash": hashlib.sha256(b"forged").hexdigest(),
            },
        )
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: row 5 inserted: past the head's last row 4"


def test_without_the_keys_it_is_one_line(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RISKDESK_AUDIT_KEY")
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert "no keys file" in result.stderr
    assert "Traceback" not in result.output
