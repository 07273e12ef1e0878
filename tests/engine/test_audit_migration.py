"""Migration 0005: rows written under the unkeyed chain are chained again under the audit key."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from engine import audit
from engine.db import Database, alembic_config, upgrade
from engine.keys import KeysError
from tests.conftest import TEST_KEYS

AT = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def _unkeyed(prev: str, actor: str, entity_id: str) -> str:
    body = json.dumps(
        {
            "at": AT.isoformat(),
            "actor": actor,
            "action": "login",
            "entity_kind": "user",
            "entity_id": entity_id,
            "detail": {},
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256((prev + body).encode()).hexdigest()


@pytest.fixture
def legacy_url(tmp_path: Path) -> Iterator[str]:
    """A SQLite database at revision 0004 holding three audit rows of the unkeyed chain, with a
    gap in their ids (a rolled-back PostgreSQL sequence leaves those)."""
    url = f"sqlite:///{tmp_path / 'legacy.db'}"
    upgrade(url, "0004")
    engine = create_engine(url)
    prev = audit.GENESIS
    with engine.begin() as connection:
        for row_id, actor in ((1, "ann"), (2, "bob"), (5, "cy")):
            digest = _unkeyed(prev, actor, str(row_id))
            connection.execute(
                text(
                    "INSERT INTO audit_log (id, at, actor, action, entity_kind, entity_id, "
                    "detail, prev_hash, hash) VALUES (:id, :at, :actor, 'login', 'user', "
                    ":entity, '{}', :prev, :hash)"
                ),
                {
                    "id": row_id,
                    "at": AT.replace(tzinfo=None),
                    "actor": actor,
                    "entity": str(row_id),
                    "prev": prev,
                    "hash": digest,
                },
            )
            prev = digest
        connection.execute(
            text("UPDATE audit_head SET last_hash = :hash, last_id = 5"), {"hash": prev}
        )
    engine.dispose()
    yield url


def test_upgrade_chains_existing_rows_under_the_audit_key(legacy_url: str) -> None:
    config = alembic_config(legacy_url)
    config.attributes["keys"] = TEST_KEYS
    command.upgrade(config, "head")
    database = Database(legacy_url, keys=TEST_KEYS)
    try:
        with database.transaction() as session:
            report = audit.verify_trail(session)
            assert (report.summary, report.last_id) == ("3 rows, chain intact", 3)
            audit.record(
                session, actor="dee", action="login", entity_kind="user", entity_id=4, now=AT
            )
        with database.transaction() as session:
            assert audit.verify_trail(session).summary == "4 rows, chain intact"
    finally:
        database.dispose()


def test_upgrade_with_rows_and_no_keys_is_refused(
    legacy_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RISKDESK_KEYS_FILE", str(tmp_path / "absent.keys.json"))
    with pytest.raises(KeysError, match="no keys file"):
        upgrade(legacy_url)
