"""`riskdesk serve --workers N`: several server processes on one port, over one database.

A real `riskdesk serve` subprocess on a free loopback port, with the test run's instance keys (so
what it writes is sealed and chained as the tests' own writes are); it is stopped, with its whole
process group, at the end of each test.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from engine import clock
from engine.db import Database, upgrade
from engine.keys import write_keys_file
from engine.templates import import_template
from engine.tokens import create_token
from engine.users import add_user
from tests.conftest import EXAMPLE_TEMPLATE, ROOT, TEST_KEYS
from tests.web.conftest import HEALTHY, PASSWORD, TERMS

STARTUP_SECONDS = 120  # spawning interpreters on a busy 2-core machine is slow


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture
def served(database: Database, tmp_path: Path) -> Iterator[tuple[Database, str]]:
    """The database the server runs on, with the example template and an admin's token.

    On SQLite a fresh file of its own: a second process on the test run's shared file would
    share it with connections of this process, whose POSIX locks SQLite cannot vouch for."""
    served = database
    if database.is_sqlite:
        url = f"sqlite:///{tmp_path / 'served.db'}"
        upgrade(url)
        served = Database(url, keys=TEST_KEYS)
    now = clock.utcnow()
    try:
        with served.transaction() as session:
            import_template(session, EXAMPLE_TEMPLATE, actor="admin", now=now, base_currency="CNY")
            add_user(session, "ada", roles=("admin",), password=PASSWORD, now=now)
            token = create_token(session, "ada", name="test", now=now).secret
        yield served, token
    finally:
        if served is not database:
            served.dispose()


@pytest.fixture
def two_workers(served: tuple[Database, str], tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`riskdesk serve --workers 2` on the served database: its URL and its log."""
    keys_file = tmp_path / "keys.json"
    write_keys_file(keys_file, TEST_KEYS)
    env = {
        **os.environ,
        "RISKDESK_DATABASE_URL": served[0].url,
        "RISKDESK_KEYS_FILE": str(keys_file),
        "RISKDESK_TIMEZONE": "UTC",
        "PYTHONPATH": str(ROOT),
    }
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "web.cli", "serve", "--port", str(port), "--workers", "2"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for_both_workers(f"http://127.0.0.1:{port}", process, log)
        yield f"http://127.0.0.1:{port}", log
    finally:
        _stop(process)
    assert process.returncode is not None


def _wait_for_both_workers(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        if log.read_text().count("Application startup complete") >= 2:
            try:
                if httpx.get(f"{url}/api/v1/openapi.json", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
        time.sleep(0.2)
    raise AssertionError(f"serve --workers 2 did not start in time:\n{log.read_text()}")


def test_serve_with_two_workers_starts_two_processes_that_answer(
    served: tuple[Database, str], two_workers: tuple[str, Path]
) -> None:
    url, log = two_workers
    headers = {"Authorization": f"Bearer {served[1]}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        created = client.put(
            "/api/v1/customers/W1",
            json={"name": "Hangzhou Bearings Co.", "data": HEALTHY, "terms": TERMS},
        )
        assert created.status_code == 201, created.text
        assert created.json()["assessment"]["tier"] == "low"
        # requests over fresh connections, which the kernel spreads over the two listeners
        for _ in range(20):
            with httpx.Client(base_url=url, headers=headers, timeout=30) as fresh:
                assert fresh.get("/api/v1/customers/W1").status_code == 200
    text = log.read_text()
    started = {
        line.split("[")[1].split("]")[0]
        for line in text.splitlines()
        if "Started server process" in line
    }
    assert len(started) == 2, text
    assert "Started parent process" in text
