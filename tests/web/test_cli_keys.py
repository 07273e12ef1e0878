"""`riskdesk keys rotate`, through typer's CliRunner, on each test database backend."""

from __future__ import annotations

import base64
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import select
from typer.testing import CliRunner

from engine.access import DEFAULT_ROLE_PERMISSIONS, Grant, access_of
from engine.customers import CustomerInput, get_customer, upsert_customer
from engine.db import Database
from engine.key_rotation import reseal_batch
from engine.keys import read_keys_file, write_keys_file
from engine.models import AuditEntry, Customer
from engine.templates import import_template
from tests.conftest import EXAMPLE_TEMPLATE, TEST_KEYS
from tests.web.conftest import HEALTHY, NOW
from web.cli import app

FINANCE = access_of([Grant(role="finance_head", department=None)], DEFAULT_ROLE_PERMISSIONS)
PHONES = {"C1": "13800000001", "C2": "13800000002", "C3": "13800000003"}


@pytest.fixture
def instance(database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Three customers with a sealed phone; the instance's keys file is returned."""
    keys_file = tmp_path / "riskdesk.keys.json"
    write_keys_file(keys_file, TEST_KEYS)
    monkeypatch.setenv("RISKDESK_DATABASE_URL", database.url)
    monkeypatch.setenv("RISKDESK_KEYS_FILE", str(keys_file))
    monkeypatch.delenv("RISKDESK_DATA_KEY", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env file is read
    with database.transaction() as session:
        import_template(session, EXAMPLE_TEMPLATE, actor="admin", now=NOW, base_currency="CNY")
        for ref, phone in PHONES.items():
            data = {**HEALTHY, "contact_phone": phone}
            payload = CustomerInput(name=str(data["name"]), department="east", data=data)
            upsert_customer(session, ref, payload, actor="api", now=NOW, tz=UTC)
    return keys_file


def sealed_key_ids(database: Database) -> dict[str, str]:
    with database.transaction() as session:
        rows = session.exec(select(Customer).order_by(Customer.external_ref)).all()
        return {row.external_ref: row.data["contact_phone"]["k"] for row in rows}


def rotations(database: Database) -> list[AuditEntry]:
    with database.transaction() as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == "keys.rotated")))


def test_rotate_adds_a_key_and_reseals_every_value_in_batches(
    database: Database, instance: Path
) -> None:
    result = CliRunner().invoke(app, ["keys", "rotate", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    keys = read_keys_file(instance)
    assert set(keys.data_keys) == {TEST_KEYS.current_data_key_id, keys.current_data_key_id}
    assert keys.current_data_key_id != TEST_KEYS.current_data_key_id
    assert f"added data key {keys.current_data_key_id}" in result.stdout
    assert (
        "re-sealed 3 value(s) and sealed 0 clear value(s) of 3 of 3 customer(s) under data key "
        f"{keys.current_data_key_id} in 2 batch(es)"
    ) in result.stdout
    assert set(sealed_key_ids(database).values()) == {keys.current_data_key_id}
    rotated = Database(database.url, keys=keys)
    try:
        with rotated.transaction() as session:
            shown = get_customer(session, "C2", viewer=FINANCE)
    finally:
        rotated.dispose()
    assert shown.data["contact_phone"] == "+86" + PHONES["C2"]  # stored as E.164
    (entry,) = rotations(database)
    assert entry.actor == "cli" and entry.entity_id == keys.current_data_key_id
    assert entry.detail == {
        "key_id": keys.current_data_key_id,
        "previous_key_id": TEST_KEYS.current_data_key_id,
        "customers": 3,
        "customers_changed": 3,
        "values_resealed": 3,
        "values_sealed": 0,
        "batches": 2,
        "resumed": False,
    }
    for key in keys.data_keys.values():  # never key material
        encoded = base64.urlsafe_b64encode(key).decode()
        assert encoded not in str(entry.detail) and key.hex() not in str(entry.detail)


def test_resume_skips_the_values_already_under_the_new_key(
    database: Database, instance: Path
) -> None:
    # a rotation stopped after its first batch: the key file has the new key, one row is done
    keys = TEST_KEYS.with_new_data_key()
    write_keys_file(instance, keys)
    interrupted = Database(database.url, keys=keys)
    try:
        with interrupted.transaction() as session:
            assert reseal_batch(session, after_id=0, limit=1).resealed == 1
    finally:
        interrupted.dispose()
    result = CliRunner().invoke(app, ["keys", "rotate", "--resume"])
    assert result.exit_code == 0, result.output
    assert "added data key" not in result.stdout
    assert "re-sealed 2 value(s)" in result.stdout and "of 2 of 3 customer(s)" in result.stdout
    assert read_keys_file(instance).data_keys == keys.data_keys  # no key added
    assert set(sealed_key_ids(database).values()) == {keys.current_data_key_id}
    (entry,) = rotations(database)
    assert entry.detail["resumed"] is True and entry.detail["values_resealed"] == 2


def test_rotate_seals_a_sensitive_value_stored_in_clear(database: Database, instance: Path) -> None:
    # saved before the field was marked sensitive: in clear in the row
    with database.transaction() as session:
        row = session.exec(select(Customer).where(Customer.external_ref == "C3")).one()
        data = {**row.data, "contact_phone": PHONES["C3"]}
        session.execute(update(Customer).where(Customer.id == row.id).values(data=data))  # type: ignore[arg-type]
    result = CliRunner().invoke(app, ["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "re-sealed 2 value(s) and sealed 1 clear value(s) of 3 of 3" in result.stdout
    keys = read_keys_file(instance)
    assert set(sealed_key_ids(database).values()) == {keys.current_data_key_id}


def test_rotate_refuses_while_the_environment_sets_the_data_key(
    database: Database, instance: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RISKDESK_DATA_KEY", base64.urlsafe_b64encode(b"k" * 32).decode())
    result = CliRunner().invoke(app, ["keys", "rotate"])
    assert result.exit_code == 1
    assert "RISKDESK_DATA_KEY is set" in result.stderr and len(result.stderr.splitlines()) == 1
    assert read_keys_file(instance).data_keys == TEST_KEYS.data_keys


def test_rotate_without_a_keys_file_fails_with_one_line(database: Database, instance: Path) -> None:
    instance.unlink()
    result = CliRunner().invoke(app, ["keys", "rotate"])
    assert result.exit_code == 1
    assert "cannot read the keys file" in result.stderr and "Traceback" not in result.output


def test_rotate_names_a_value_whose_key_is_lost(database: Database, instance: Path) -> None:
    keys = TEST_KEYS.with_new_data_key().without_data_keys_except(set())  # the old key is lost
    write_keys_file(instance, keys)
    result = CliRunner().invoke(app, ["keys", "rotate", "--resume"])
    assert result.exit_code == 1
    assert f"data key {TEST_KEYS.current_data_key_id}" in result.stderr
    assert "restore the keys file" in result.stderr and "--resume" in result.stderr
    assert "Traceback" not in result.output
    assert rotations(database) == []
