"""`python -m bench.load`: customer upserts against a real `riskdesk serve`, at fixed rates.

For each database (a SQLite file; a fresh database on a PostgreSQL server) and each number of
server processes (`--workers`): a fresh database gets the schema, the example template, a user
and an API token through the `riskdesk` command, exactly as an operator sets one up; then
`riskdesk serve --workers N` starts on a free loopback port, and an open-loop generator (httpx,
asyncio) sends `PUT /api/v1/customers/{ref}` at each target rate: request i leaves at
start + i / rate whether or not the earlier ones have answered, so a slow server shows as
latency, not as a lower offered rate. Latency is counted from the moment a request was due to
leave (at most 64 are on the wire at once; one due while all are busy waits, and that counts).
One request in five creates a customer; the others change an existing customer's data (each one
re-scores the customer, some open a review case). Every run is bounded: at most `--seconds` of
sending and `--requests` requests per rate, with a grace period for the last answers.

Reported per rate: requests sent, achieved rate (answers per second of sending), p50 / p95 /
p99 latency in ms, errors (any status but 200/201, or no answer in time), and the CPU time the
server processes used per request (user + system, from /proc: a figure a busy machine distorts
less than latency). The load generator runs on the same machine as the server and takes some of
its CPU: that is part of the figures.

`--profile` samples the first server process with py-spy (when it is installed) during the
highest rate and prints where the time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_TEMPLATE = ROOT / "examples" / "manufacturing_credit"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SEED = 20261202
GRACE_SECONDS = 10.0
PRELOADED = 200  # customers created before timing, so most requests update one
IN_FLIGHT = 64  # requests on the wire at once, at most


@dataclass(frozen=True, slots=True)
class RateResult:
    """What one rate did: latencies in ms of the answered requests."""

    target_rps: float
    sent: int
    ok: int
    errors: int
    seconds: float  # from the first request's due time to the last answer
    latencies_ms: tuple[float, ...]
    server_cpu_ms: float = 0.0  # CPU time of the server processes over the run, per answer

    @property
    def achieved_rps(self) -> float:
        return self.ok / self.seconds if self.seconds > 0 else 0.0

    def percentile(self, p: float) -> float:
        """The `p`-th percentile (nearest rank) of the latencies of every request sent: one
        without an answer counts as slower than all."""
        ranked = sorted(self.latencies_ms) + [float("inf")] * (self.sent - len(self.latencies_ms))
        if not ranked:
            return float("nan")
        index = max(0, min(len(ranked) - 1, math.ceil(p / 100 * len(ranked)) - 1))
        return ranked[index]


@dataclass(frozen=True, slots=True)
class Server:
    """A running `riskdesk serve`: its URL, its process, and the token to call it with."""

    url: str
    process: subprocess.Popen[bytes]
    token: str
    log: Path


# --- the workspace and the server ---------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _riskdesk(env: dict[str, str], *args: str) -> str:
    """Run the `riskdesk` command; returns its standard output. Raises CalledProcessError."""
    done = subprocess.run(
        [sys.executable, "-m", "web.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"riskdesk {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@contextmanager
def fresh_database(backend: str, *, pg_url: str, folder: Path) -> Iterator[str]:
    """A URL on an empty database of `backend`, removed afterwards."""
    if backend == "sqlite":
        path = folder / f"load-{uuid.uuid4().hex[:6]}.db"
        yield f"sqlite:///{path}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(pg_url)
    name = f"riskdesk_load_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepare_workspace(env: dict[str, str]) -> str:
    """Schema, example template, an admin user and their token; returns the token."""
    _riskdesk(env, "db", "upgrade")
    _riskdesk(env, "import", str(EXAMPLE_TEMPLATE))
    _riskdesk(env, "user", "add", "loader", "--role", "admin", "--password", "load-bench-secret")
    out = _riskdesk(env, "token", "create", "load", "--user", "loader")
    return out.strip().splitlines()[-1].strip()


@contextmanager
def running_server(
    env: dict[str, str], *, workers: int, token: str, folder: Path
) -> Iterator[Server]:
    """`riskdesk serve --workers N` on a free loopback port, stopped (its process group) at the
    end. Raises RuntimeError when it does not answer within two minutes."""
    port = _free_port()
    log = folder / f"serve-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "web.cli",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(url=f"http://127.0.0.1:{port}", process=process, token=token, log=log)
    try:
        _wait_until_up(server, workers=workers)
        yield server
    finally:
        _stop(process)


def _wait_until_up(server: Server, *, workers: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited:\n{server.log.read_text()}")
        try:
            answered = httpx.get(f"{server.url}/api/v1/openapi.json", timeout=2).status_code
        except httpx.HTTPError:
            answered = 0
        started = server.log.read_text().count("Application startup complete")
        if answered == 200 and started >= workers:
            return
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer in time:\n{server.log.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


# --- the requests ---------------------------------------------------------------------------------


class Customers:
    """The bodies to send: generated customers (engine.portfolio), created once, then changed."""

    def __init__(self, seed: int) -> None:
        from engine import portfolio

        self._portfolio = portfolio
        self._rng = random.Random(seed)
        self._seed = seed
        self._made = 0
        self.known: list[tuple[str, dict[str, Any]]] = []

    def new(self) -> tuple[str, dict[str, Any]]:
        (record,) = self._portfolio.generate_customers(1, seed=self._seed + self._made)
        self._made += 1
        parts = self._portfolio.upsert_parts(record)
        ref = f"L{self._made:07d}-{parts.ref}"
        body = {"name": parts.name, "department": parts.department, "data": parts.data}
        self.known.append((ref, body))
        return ref, {**body, "terms": parts.terms}

    def changed(self) -> tuple[str, dict[str, Any]]:
        ref, body = self.known[self._rng.randrange(len(self.known))]
        data = dict(body["data"])
        data["max_overdue_days"] = self._rng.choice((0, 0, 0, 5, 15, 45, 95))
        data["outstanding_balance"] = round(self._rng.uniform(0, 2_000_000), 2)
        changed = {**body, "data": data}
        return ref, changed

    def next(self) -> tuple[str, dict[str, Any]]:
        """One in five a new customer, else a change to a known one."""
        if not self.known or self._rng.random() < 0.2:
            return self.new()
        return self.changed()


async def _put(client: httpx.AsyncClient, ref: str, body: dict[str, Any]) -> int:
    response = await client.put(f"/api/v1/customers/{ref}", json=body)
    return response.status_code


async def preload(server: Server, customers: Customers, count: int) -> None:
    """Create `count` customers (untimed, a few at a time)."""
    headers = {"Authorization": f"Bearer {server.token}"}
    async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=60) as client:
        for start in range(0, count, 8):
            batch = [customers.new() for _ in range(min(8, count - start))]
            statuses = await asyncio.gather(*(_put(client, ref, body) for ref, body in batch))
            bad = [s for s in statuses if s not in (200, 201)]
            if bad:
                raise RuntimeError(f"preloading customers failed with status {bad[0]}")


async def open_loop(
    server: Server, customers: Customers, *, rate: float, seconds: float, requests: int
) -> RateResult:
    """Send min(requests, rate * seconds) upserts, request i due at start + i / rate."""
    count = max(1, min(requests, int(rate * seconds)))
    bodies = [customers.next() for _ in range(count)]
    headers = {"Authorization": f"Bearer {server.token}"}
    # At most IN_FLIGHT requests on the wire: httpcore's pool works through its queue in
    # quadratic time, so a backlog of thousands would make the generator, not the server, the
    # bottleneck. A request due while all are busy waits, and that wait counts as its latency.
    limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=IN_FLIGHT)
    lanes = asyncio.Semaphore(IN_FLIGHT)
    latencies: list[float] = []
    errors = 0
    last_answer = 0.0
    async with httpx.AsyncClient(
        base_url=server.url, headers=headers, timeout=GRACE_SECONDS, limits=limits
    ) as client:
        loop = asyncio.get_running_loop()
        start = loop.time() + 0.05

        async def one(i: int) -> None:
            nonlocal errors, last_answer
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - loop.time()))
            ref, body = bodies[i]
            try:
                async with lanes:
                    status = await _put(client, ref, body)
            except httpx.HTTPError:
                errors += 1
                return
            answered = loop.time()
            last_answer = max(last_answer, answered)
            if status in (200, 201):
                latencies.append((answered - due) * 1e3)
            else:
                errors += 1

        tasks = [asyncio.create_task(one(i)) for i in range(count)]
        budget = count / rate + GRACE_SECONDS + 1
        _, pending = await asyncio.wait(tasks, timeout=budget)
        for task in pending:
            task.cancel()
        errors += len(pending)
    seconds = max(last_answer - start, count / rate) if latencies else count / rate
    return RateResult(
        target_rps=rate,
        sent=count,
        ok=len(latencies),
        errors=errors,
        seconds=seconds,
        latencies_ms=tuple(latencies),
    )


def server_cpu_seconds(server: Server) -> float:
    """User + system CPU seconds used so far by the server and its worker processes."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in [server.process.pid, *_children(server.process.pid)]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return [int(child) for child in found.stdout.split()]


def timed_rate(
    server: Server, customers: Customers, *, rate: float, seconds: float, requests: int
) -> RateResult:
    """`open_loop` at `rate`, with the server's CPU time per request."""
    before = server_cpu_seconds(server)
    result = asyncio.run(
        open_loop(server, customers, rate=rate, seconds=seconds, requests=requests)
    )
    used = server_cpu_seconds(server) - before
    return replace(result, server_cpu_ms=used / max(1, result.ok) * 1e3)


# --- profiling ----------------------------------------------------------------------------------


def _server_pids(server: Server) -> list[int]:
    """The processes that serve requests: the workers under a supervisor, else the server."""
    children = _children(server.process.pid)
    # multiprocessing also starts a resource tracker: the workers are the ones that listen
    workers = [pid for pid in children if _listens(pid)]
    return workers or [server.process.pid]


def _listens(pid: int) -> bool:
    try:
        return any(
            "socket:" in os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")
        )
    except OSError:
        return False


def start_profile(server: Server, seconds: float, out: Path) -> subprocess.Popen[bytes] | None:
    """py-spy sampling the first worker for `seconds` into `out` (raw collapsed stacks), or None
    when py-spy is not installed."""
    py_spy = shutil.which("py-spy") or os.environ.get("PY_SPY")
    if not py_spy:
        return None
    pid = _server_pids(server)[0]
    return subprocess.Popen(
        [
            py_spy,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(seconds)),
            "--rate",
            "250",
            "--format",
            "raw",
            "--output",
            str(out),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


# Where a sample's time goes: the first frame (innermost first) whose file matches, in order.
SHARES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "waiting (idle threads, the event loop's select)",
        ("selectors.py", "threading.py:wait", "queue.py"),
    ),
    ("waiting for the SQLite writer gate", ("WriterGate",)),
    ("database driver, and waiting for the database", ("sqlite3", "psycopg/")),
    ("SQLAlchemy", ("sqlalchemy/",)),
    ("SQLModel / pydantic", ("sqlmodel/", "pydantic/", "pydantic_core")),
    ("rules evaluation", ("<ruleset", "dsl/runtime", "dsl/result")),
    ("riskdesk engine", ("engine/", "forms/", "workflows/", "dsl/")),
    ("riskdesk web", ("web/",)),
    ("FastAPI / Starlette / anyio", ("fastapi/", "starlette/", "anyio/")),
    ("uvicorn / h11 / asyncio", ("uvicorn/", "h11/", "asyncio/")),
    ("json / other", ("",)),
)


def summarise_profile(raw: Path) -> list[tuple[str, float]]:
    """Shares of the samples by where the innermost matching frame lies (see SHARES)."""
    totals: dict[str, int] = {name: 0 for name, _ in SHARES}
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = stack.split(";")[::-1]
        totals[_share_of(frames)] += int(count)
    busy = sum(v for k, v in totals.items() if not k.startswith("waiting"))
    return [
        (name, value / busy * 100)
        for name, value in totals.items()
        if not name.startswith("waiting") and busy
    ]


def _share_of(frames: Sequence[str]) -> str:
    for frame in frames:
        for name, marks in SHARES:
            if any(mark and mark in frame for mark in marks):
                return name
    return SHARES[-1][0]


# --- the run --------------------------------------------------------------------------------------


def run_one(
    backend: str,
    *,
    workers: int,
    rates: Sequence[float],
    seconds: float,
    requests: int,
    pg_url: str,
    profile: bool,
) -> tuple[list[RateResult], list[tuple[str, float]] | None]:
    """A fresh workspace on `backend`, a server with `workers` processes, each rate in turn."""
    with tempfile.TemporaryDirectory(prefix="riskdesk-load-") as tmp:
        folder = Path(tmp)
        with fresh_database(backend, pg_url=pg_url, folder=folder) as url:
            env = {
                **os.environ,
                "RISKDESK_DATABASE_URL": url,
                "RISKDESK_KEYS_FILE": str(folder / "keys.json"),
                "PYTHONPATH": str(ROOT),
            }
            token = prepare_workspace(env)
            customers = Customers(SEED)
            with running_server(env, workers=workers, token=token, folder=folder) as server:
                asyncio.run(preload(server, customers, PRELOADED))
                # warm every worker: its compiled definitions and its connections
                asyncio.run(open_loop(server, customers, rate=20, seconds=1.5, requests=30))
                results = []
                shares = None
                for rate in rates:
                    spy = None
                    raw = folder / "profile.txt"
                    if profile and rate == max(rates):
                        spy = start_profile(server, min(seconds, requests / rate), raw)
                    results.append(
                        timed_rate(server, customers, rate=rate, seconds=seconds, requests=requests)
                    )

                    if spy is not None:
                        spy.wait(timeout=60)
                        if raw.exists():
                            shares = summarise_profile(raw)
    return results, shares


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--backends", default="sqlite,postgresql", help="sqlite, postgresql or both"
    )
    parser.add_argument("--workers", default="1,2", help="server processes, e.g. 1,2")
    parser.add_argument("--rates", default="25,50,100,200", help="target requests per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="sending time per rate")
    parser.add_argument("--requests", type=int, default=2000, help="at most this many per rate")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("RISKDESK_TEST_DATABASE_URL", DEFAULT_PG),
        help="a PostgreSQL server to create the fresh database on",
    )
    parser.add_argument("--profile", action="store_true", help="py-spy the busiest rate")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    # stopped from outside: unwind, so the server and the fresh databases go too
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    rates = [float(r) for r in args.rates.split(",") if r]
    print(
        f"bench.load: PUT /api/v1/customers/{{ref}}, open loop, {args.seconds:g} s or "
        f"{args.requests} requests per rate; {os.cpu_count()} CPUs"
    )
    print(
        "| database | workers | target rps | sent | achieved rps | p50 ms | p95 ms | p99 ms "
        "| errors | server CPU ms / request |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    profiles = []
    for backend in [b for b in args.backends.split(",") if b]:
        for workers in [int(w) for w in args.workers.split(",") if w]:
            results, shares = run_one(
                backend,
                workers=workers,
                rates=rates,
                seconds=args.seconds,
                requests=args.requests,
                pg_url=args.pg_url,
                profile=args.profile,
            )
            for r in results:
                print(
                    f"| {backend} | {workers} | {r.target_rps:g} | {r.sent} | {r.achieved_rps:.1f} "
                    f"| {r.percentile(50):.1f} | {r.percentile(95):.1f} | {r.percentile(99):.1f} "
                    f"| {r.errors} | {r.server_cpu_ms:.1f} |",
                    flush=True,
                )
            if shares is not None:
                profiles.append((backend, workers, shares))
    for backend, workers, shares in profiles:
        print(f"\nwhere one worker's busy time goes ({backend}, {workers} worker(s), top rate):")
        for name, share in sorted(shares, key=lambda item: -item[1]):
            print(f"  {share:5.1f}%  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
