"""Shared fixtures: every database test runs on SQLite and, when configured, on PostgreSQL.

The schema is built once per test run and backend through the Alembic migrations; each test then
starts from empty tables. Set `RISKDESK_TEST_DATABASE_URL` (as `.ci/run` does) to add PostgreSQL: a
fresh database is created beside the one named there and dropped at the end of the run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from engine.db import Database, upgrade
from engine.keys import generate_keys
from engine.models import metadata
from tests.audit_triggers import triggers_lifted

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_TEMPLATE = ROOT / "examples" / "manufacturing_credit"


def _mechanics_template() -> Path:
    """The example template as it was before issue 10's policy (calendars kept): its high-risk
    review the simple one of tests/data/simple_high_risk_review.yaml (one sales step, one
    finance approval, 24h/72h escalations, fixed terms), without the periodic and manual reviews.
    The tests of case mechanics run on workflows whose shape they state, while the example's own
    policy is tested as it is (tests/engine/test_example_policy.py). Built once per run."""
    folder = Path(tempfile.mkdtemp(prefix="riskdesk-mechanics-")) / "manufacturing_credit"
    shutil.copytree(EXAMPLE_TEMPLATE, folder)
    shutil.copy(
        ROOT / "tests" / "data" / "simple_high_risk_review.yaml",
        folder / "workflows" / "high_risk_review.yaml",
    )
    # and the manifest as it was: no periodic or manual review, no proposal form, no morning
    # reviews (the tests of schedules, bundles and diagnostics state those lines)
    manifest = folder / "template.yaml"
    text = manifest.read_text(encoding="utf-8")
    for added in (
        ", forms/credit_terms_proposal.yaml",
        ", workflows/periodic_review.yaml, workflows/manual_review.yaml",
    ):
        assert added in text, added
        text = text.replace(added, "")
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("# Every morning at 06:00"))
    assert "morning_reviews" in lines[start + 2]
    manifest.write_text("".join(lines[:start] + lines[start + 3 :]), encoding="utf-8")
    for path in ("forms/credit_terms_proposal.yaml", "workflows/periodic_review.yaml"):
        (folder / path).unlink()
    (folder / "workflows" / "manual_review.yaml").unlink()
    return folder


MECHANICS_TEMPLATE = _mechanics_template()

_PG_URL = os.environ.get("RISKDESK_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if _PG_URL else [])

# One random set of instance keys per test run (engine.keys): nothing is built in, even here.
TEST_KEYS = generate_keys()


def _create_pg_database(base_url: str) -> tuple[str, str]:
    url = make_url(base_url)
    name = f"riskdesk_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False), name


def _drop_pg_database(base_url: str, name: str) -> None:
    admin = create_engine(make_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database URL whose schema has been built by the migrations, once per run and backend."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "riskdesk-test.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url
        return
    assert _PG_URL is not None
    url, name = _create_pg_database(_PG_URL)
    try:
        upgrade(url)
        yield url
    finally:
        _drop_pg_database(_PG_URL, name)


def empty_tables(database: Database) -> None:
    """Delete every row (children first) and put the audit chain back at its genesis.

    The audit log's triggers refuse DELETE: on SQLite they are lifted for this transaction;
    PostgreSQL's TRUNCATE does not fire row triggers.
    """
    tables = [t for t in reversed(metadata.sorted_tables)]
    with database.engine.begin() as connection:
        if database.is_sqlite:
            with triggers_lifted(connection):
                for table in tables:
                    connection.execute(table.delete())
        else:
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        connection.execute(
            text("INSERT INTO audit_head (id, last_hash, row_count) VALUES (1, :genesis, 0)"),
            {"genesis": "0" * 64},
        )


@pytest.fixture
def database(migrated_url: str) -> Iterator[Database]:
    """A `Database` on a migrated schema with empty tables, on each backend in turn."""
    db = Database(migrated_url, keys=TEST_KEYS)
    empty_tables(db)
    try:
        yield db
    finally:
        db.dispose()
