"""The scheduler's sweep backs off while the database is unreachable and resumes when it is back
(issue #8, item 13): exponential waits up to a cap, one log line when the outage starts and one
when it ends."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest

from engine.db import Database, upgrade
from engine.scheduler import MAX_BACKOFF_SECONDS, SweepJob
from engine.settings import Settings
from tests.conftest import TEST_KEYS
from tests.engine.conftest import NOW


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when the block ends


def _job(url: str) -> SweepJob:
    settings = Settings(database_url=url, timezone="UTC", sweep_interval_seconds=5)
    return SweepJob(Database(url, keys=TEST_KEYS), settings, worker="test")


def _outage_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "engine.scheduler"]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_sweeps_back_off_exponentially_and_log_the_outage_once(
    backend: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'no such folder' / 'riskdesk.db'}"
        if backend == "sqlite"
        else f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/riskdesk"
    )
    job = _job(url)
    caplog.set_level(logging.INFO, logger="engine.scheduler")
    at, waits = 0.0, []
    for _ in range(10):
        assert job.run(now=NOW, at=at) is None
        waits.append(job.backoff.resume_at - at)
        # a run before the wait is over does not even try
        assert job.run(now=NOW, at=job.backoff.resume_at - 0.5) is None
        at = job.backoff.resume_at
    assert waits[:5] == [5, 10, 20, 40, 80]
    assert waits[-1] == MAX_BACKOFF_SECONDS and max(waits) == MAX_BACKOFF_SECONDS
    assert job.backoff.failures == 10
    lines = _outage_lines(caplog)
    assert len(lines) == 1 and lines[0].startswith("database unreachable, timer sweeps back off")
    job.database.dispose()


def test_sweeps_resume_when_the_database_is_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "data"
    url = f"sqlite:///{folder / 'riskdesk.db'}"
    job = _job(url)
    caplog.set_level(logging.INFO, logger="engine.scheduler")
    assert job.run(now=NOW, at=0) is None
    assert job.run(now=NOW, at=job.backoff.resume_at) is None
    folder.mkdir()
    upgrade(url)  # the database is back
    report = job.run(now=NOW, at=job.backoff.resume_at)
    assert report is not None and report.failed == 0
    assert job.backoff.failures == 0
    # back at its interval: the very next run sweeps again
    assert job.run(now=NOW, at=job.backoff.resume_at) is not None
    assert _outage_lines(caplog) == [
        _outage_lines(caplog)[0],
        "database reachable again, timer sweeps resume",
    ]
    job.database.dispose()
