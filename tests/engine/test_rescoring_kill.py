"""A rescore killed halfway: `riskdesk rescore` in its own process, killed with SIGKILL after some
chunks are done (one claimed and not finished), then resumed once that claim has expired,
finishes with every customer scored once on the new version and every triggered case opened
once — on both backends."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine
from sqlmodel import col, func, select

from engine import jobs
from engine.db import Database
from engine.keys import write_keys_file
from engine.models import Assessment, AuditEntry, Case, Customer, Job, JobChunk, JobStatus
from tests.conftest import ROOT, TEST_KEYS
from tests.engine.conftest import NOW
from tests.engine.portfolio_seed import publish_stricter_ruleset, seed_portfolio

LATER = NOW + timedelta(days=30)
N = 40
CHUNK = 8
KILL_AFTER = 2  # chunks reported done


def _cli_env(database: Database, tmp_path: Path) -> dict[str, str]:
    keys_file = tmp_path / "riskdesk.keys.json"
    write_keys_file(keys_file, TEST_KEYS)
    return {
        **os.environ,
        "RISKDESK_DATABASE_URL": database.url,
        "RISKDESK_TIMEZONE": "UTC",
        "RISKDESK_KEYS_FILE": str(keys_file),
    }


def _kill_while_claiming(database: Database, pid: int) -> None:
    """Kill process `pid` while it holds a claimed chunk not done (reads, no sleeps). The claim
    seen is checked again with the process stopped (SIGSTOP), so it cannot finish the chunk
    between the look and the kill. A plain engine: riskdesk's takes SQLite's write lock on every
    transaction, and polling with it would starve the process it waits for."""
    reader = create_engine(database.url)

    def held() -> int:
        with reader.connect() as connection:
            return int(
                connection.execute(
                    select(func.count())
                    .select_from(JobChunk)
                    .where(col(JobChunk.claimed_by).is_not(None), col(JobChunk.done_at).is_(None))
                ).scalar_one()
            )

    try:
        for _ in range(200_000):
            if not held():
                continue
            os.kill(pid, signal.SIGSTOP)
            if held():  # still claimed and not done: kill it there
                os.kill(pid, signal.SIGKILL)
                return
            os.kill(pid, signal.SIGCONT)
    finally:
        reader.dispose()
    raise AssertionError("the rescore never claimed another chunk")


def test_a_rescore_killed_halfway_and_resumed_scores_everyone_once(
    workspace: Database, tmp_path: Path
) -> None:
    seed_portfolio(workspace, N, now=NOW)
    publish_stricter_ruleset(workspace, tmp_path, now=LATER)
    env = _cli_env(workspace, tmp_path)
    command = [sys.executable, "-m", "web.cli", "rescore", "--chunk-size", str(CHUNK)]
    process = subprocess.Popen(
        [*command, "--now", LATER.isoformat()],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    rescore_id = None
    reported = 0
    try:
        for line in process.stdout:
            started = re.match(r"Rescore (\d+) started\.", line)
            if started:
                rescore_id = int(started[1])
            if re.match(r"rescore \d+: \d+/\d+ customers", line):
                reported += 1
                if reported == KILL_AFTER:
                    # kill it while it works on the next chunk, its claim taken
                    _kill_while_claiming(workspace, process.pid)
                    break
    finally:
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, process.stderr.read() if process.stderr else ""
    assert rescore_id is not None

    with workspace.transaction() as session:
        job = session.get(Job, rescore_id)
        assert job is not None and job.status == JobStatus.RUNNING
        assert KILL_AFTER * CHUNK <= job.done < N
        half_done = job.done

    # resumed before the dead process's claim expired: the claimed chunk is left to it ...
    early = subprocess.run(
        [
            *command,
            "--resume",
            str(rescore_id),
            "--now",
            (LATER + timedelta(minutes=1)).isoformat(),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert early.returncode == 0, early.stderr
    with workspace.transaction() as session:
        claimed_left = session.exec(
            select(func.count())
            .select_from(JobChunk)
            .where(JobChunk.job_id == rescore_id, col(JobChunk.done_at).is_(None))
        ).one()
    assert claimed_left == 1 and "held by other processes" in early.stdout
    # ... and taken once it has expired
    after_expiry = LATER + jobs.CLAIM_EXPIRY + timedelta(minutes=2)
    resumed = subprocess.run(
        [*command, "--resume", str(rescore_id), "--now", after_expiry.isoformat()],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"Rescore {rescore_id} done: {N} of {N} customers scored" in resumed.stdout

    with workspace.transaction() as session:
        job = session.get(Job, rescore_id)
        assert job is not None and job.status == JobStatus.DONE and job.done == N > half_done
        assert job.result is not None
        on_new = Counter(
            session.exec(
                select(Assessment.customer_id).where(Assessment.ruleset_version == 2)
            ).all()
        )
        customers = session.exec(select(Customer.id)).all()
        raised = session.exec(
            select(func.count())
            .select_from(Assessment)
            .where(
                Assessment.ruleset_version == 2,
                Assessment.tier == "high",
                col(Assessment.previous_tier) != "high",
            )
        ).one()
        new_cases = session.exec(
            select(Case.customer_id, Case.workflow_key).where(Case.opened_at >= LATER)
        ).all()
        open_cases = session.exec(
            select(Case.customer_id, Case.workflow_key).where(Case.status == "open")
        ).all()
        opened_audit = session.exec(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "case.opened", AuditEntry.at >= LATER)
        ).one()
    assert set(on_new) == set(customers) and set(on_new.values()) == {1}
    # the customers raised to high got their review (unless one was open already), once
    assert 0 < len(new_cases) <= raised
    assert len(new_cases) == opened_audit == job.result["cases_opened"]
    assert len(set(new_cases)) == len(new_cases) and len(set(open_cases)) == len(open_cases)
    assert job.result["changed"] == N
