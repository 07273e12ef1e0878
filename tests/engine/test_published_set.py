"""What is published is read once per transaction, and a publish anywhere is seen at once.

Two `Database` objects on one database stand for two server processes: they share this process's
caches (compiled definitions, source texts, the last published set), which is exactly what must
not go stale when the other one publishes.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from engine import specs
from engine.customers import CustomerInput, upsert_customer
from engine.db import Database
from engine.models import SpecKind
from engine.templates import import_template
from tests.conftest import EXAMPLE_TEMPLATE, MECHANICS_TEMPLATE, TEST_KEYS, empty_tables
from tests.engine.conftest import NOW, RISKY


@pytest.fixture
def other_process(workspace: Database) -> Iterator[Database]:
    """A second Database on the same database, as another server process holds."""
    other = Database(workspace.url, keys=TEST_KEYS)
    try:
        yield other
    finally:
        other.dispose()


def _template_with_severe_overdue_worth(points: int, folder: Path) -> Path:
    """The example template with rule severe_overdue adding `points` instead of 30 (and
    without its own test cases, which expect 30)."""
    bundle = folder / f"template_{points}"
    shutil.copytree(EXAMPLE_TEMPLATE, bundle)
    manifest = bundle / "template.yaml"
    lines = manifest.read_text(encoding="utf-8").splitlines(keepends=True)
    manifest.write_text("".join(x for x in lines if not x.startswith("tests:")), encoding="utf-8")
    shutil.rmtree(bundle / "tests")
    rules = bundle / "rules" / "credit.rules"
    text = rules.read_text(encoding="utf-8")
    old = 'when max_overdue_days > 90\n  then add 30, alert warning "Invoice overdue'
    assert old in text
    rules.write_text(text.replace(old, old.replace("add 30", f"add {points}")), encoding="utf-8")
    return bundle


def _score(database: Database, ref: str, *, minutes: int) -> tuple[int, float]:
    with database.transaction() as session:
        upserted = upsert_customer(
            session,
            ref,
            CustomerInput(name=RISKY["name"], department="east", data=RISKY),
            actor="api",
            now=NOW + timedelta(minutes=minutes),
            tz=UTC,
        )
    assessment = upserted.customer.assessment
    assert assessment is not None
    return assessment.ruleset_version, assessment.score


def test_a_publish_through_one_process_scores_the_next_request_of_another(
    workspace: Database, other_process: Database, tmp_path: Path
) -> None:
    version, score = _score(other_process, "C1", minutes=0)
    assert version == 1
    with workspace.transaction() as session:
        import_template(
            session,
            _template_with_severe_overdue_worth(80, tmp_path),
            actor="admin",
            now=NOW + timedelta(minutes=1),
            base_currency="CNY",
        )
    version, rescored = _score(other_process, "C1", minutes=2)
    assert version == 2
    assert rescored == score + 50  # severe_overdue fires for RISKY: 80 points, not 30


def test_a_session_going_on_after_a_commit_sees_a_publish_made_meanwhile(
    workspace: Database, other_process: Database, tmp_path: Path
) -> None:
    with Session(other_process.engine) as session:
        assert specs.scoring_ruleset(session).version == 1
        session.commit()
        with workspace.transaction() as publishing:
            import_template(
                publishing,
                _template_with_severe_overdue_worth(31, tmp_path),
                actor="admin",
                now=NOW + timedelta(minutes=1),
                base_currency="CNY",
            )
        loaded = specs.scoring_ruleset(session)
        assert loaded.version == 2
        assert "add 31" in specs.find_row(session, SpecKind.RULESET, loaded.key).source


def test_a_publish_inside_a_transaction_is_seen_by_that_transaction(
    workspace: Database, tmp_path: Path
) -> None:
    with workspace.transaction() as session:
        assert specs.scoring_ruleset(session).version == 1
        import_template(
            session,
            _template_with_severe_overdue_worth(40, tmp_path),
            actor="admin",
            now=NOW + timedelta(minutes=1),
            base_currency="CNY",
        )
        assert specs.scoring_ruleset(session).version == 2


def test_the_same_definitions_in_a_fresh_database_are_read_from_it(
    workspace: Database, tmp_path: Path
) -> None:
    """The rows of the published set are compared as read, not recognised by their ids or
    checksums: a database emptied and imported again (on PostgreSQL the same ids, everywhere
    the same texts) is not answered from memory."""
    with workspace.transaction() as session:
        first = specs.latest_template_row(session)
        assert first is not None and first.author == "admin"
    empty_tables(workspace)

    with workspace.transaction() as session:
        import_template(session, MECHANICS_TEMPLATE, actor="someone", now=NOW, base_currency="CNY")
    with workspace.transaction() as session:
        again = specs.latest_template_row(session)
        assert again is not None
        assert again.checksum == first.checksum
        assert again.author == "someone"
