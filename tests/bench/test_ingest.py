"""The ingest benchmark, short: a few customers and their events through the engine services."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from bench import ingest
from engine.db import Database
from engine.models import Assessment, Customer, Event


def test_ingest_pushes_customers_and_events_through_the_engine(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ingest.db'}"
    result = ingest.run(url, customers=3)
    assert result.customers == 3 and result.events > 0
    assert result.upsert_seconds > 0 and result.event_seconds > 0 and result.rules_seconds > 0
    database = Database(url)
    try:
        with database.transaction() as session:
            # the warm-up customer is stored too, and every upsert and event was scored
            assert len(session.exec(select(Customer)).all()) == 4
            stored_events = len(session.exec(select(Event)).all())
            assert stored_events >= result.events
            assert len(session.exec(select(Assessment)).all()) >= 4
    finally:
        database.dispose()


def test_ingest_prints_its_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert ingest.main(["--customers", "2"]) == 0
    out = capsys.readouterr().out
    assert "ingest (sqlite): 2 customer upserts" in out and "rules evaluation" in out
