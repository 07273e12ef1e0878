"""`python -m bench.credit_checks`: order credit checks against a real `riskdesk serve`, at fixed
rates (issue 10's target: p99 under 20 ms per check on SQLite at 50 checks/s).

The workspace and the server are bench.load's: a fresh database (a SQLite file, or a fresh
database on a PostgreSQL server) set up through the `riskdesk` command with the example
template, `riskdesk serve --workers N` on a loopback port, and an open-loop generator in this
process: check i is due at start + i / rate whether or not the earlier ones have answered, and
its latency counts from that moment. Before timing, `PRELOADED` customers are created (with
their generated credit terms). Each check is `POST /api/v1/customers/{ref}/credit-checks` for
a new order of a random customer (amounts spread so that some pass, some warn, some are held);
one in ten is a replay of an earlier order (the idempotent path), and every fifth new order is
closed as invoiced after it answers (untimed), so open orders come and go.

Reported per rate: checks sent, achieved rate, p50 / p95 / p99 latency in ms, errors (any status
but 200/201), the decisions seen, and the server's CPU time per check. `--profile` samples the
first server process with py-spy during the highest rate.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx

from bench import load

SEED = 20261210
PRELOADED = 100
REPLAY_SHARE = 0.1
CLOSE_EVERY = 5
TARGET_P99_MS = 20.0
TARGET_RPS = 50.0


@dataclass(frozen=True, slots=True)
class ChecksResult:
    """What one rate did (as bench.load's RateResult) and the decisions the checks gave."""

    rate: load.RateResult
    decisions: tuple[tuple[str, int], ...]


class Orders:
    """The checks to send: new orders of the preloaded customers, and replays of earlier ones."""

    def __init__(self, refs: Sequence[str], seed: int) -> None:
        self._refs = list(refs)
        self._rng = random.Random(seed)
        self._made = 0
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def next(self) -> tuple[str, dict[str, Any]]:
        if self.sent and self._rng.random() < REPLAY_SHARE:
            return self.sent[self._rng.randrange(len(self.sent))]
        self._made += 1
        ref = self._refs[self._rng.randrange(len(self._refs))]
        amount = round(self._rng.lognormvariate(11, 1.2), 2)  # median ≈ 60,000
        body = {"order_ref": f"SO-{SEED}-{self._made:07d}", "amount": amount, "currency": "CNY"}
        self.sent.append((ref, body))
        return ref, body


async def preload(server: load.Server, count: int) -> list[str]:
    """Create `count` customers (untimed); returns their references."""
    customers = load.Customers(SEED)
    await load.preload(server, customers, count)
    return [ref for ref, _ in customers.known]


async def open_loop(
    server: load.Server, orders: Orders, *, rate: float, seconds: float, requests: int
) -> ChecksResult:
    """Send min(requests, rate * seconds) checks, check i due at start + i / rate."""
    count = max(1, min(requests, int(rate * seconds)))
    bodies = [orders.next() for _ in range(count)]
    headers = {"Authorization": f"Bearer {server.token}"}
    limits = httpx.Limits(max_connections=load.IN_FLIGHT, max_keepalive_connections=load.IN_FLIGHT)
    lanes = asyncio.Semaphore(load.IN_FLIGHT)
    latencies: list[float] = []
    decisions: Counter[str] = Counter()
    to_close: list[int] = []
    errors = 0
    last_answer = 0.0
    async with httpx.AsyncClient(
        base_url=server.url, headers=headers, timeout=load.GRACE_SECONDS, limits=limits
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
                    response = await client.post(
                        f"/api/v1/customers/{ref}/credit-checks", json=body
                    )
            except httpx.HTTPError:
                errors += 1
                return
            answered = loop.time()
            last_answer = max(last_answer, answered)
            if response.status_code not in (200, 201):
                errors += 1
                return
            latencies.append((answered - due) * 1e3)
            check = response.json()
            decisions[check["decision"]] += 1
            if response.status_code == 201 and check["status"] == "open" and i % CLOSE_EVERY == 0:
                to_close.append(check["id"])

        tasks = [asyncio.create_task(one(i)) for i in range(count)]
        _, pending = await asyncio.wait(tasks, timeout=count / rate + load.GRACE_SECONDS + 1)
        for task in pending:
            task.cancel()
        errors += len(pending)
        for check_id in to_close:  # untimed: invoiced orders stop counting as open
            await client.post(
                f"/api/v1/credit-checks/{check_id}/close", json={"reason": "invoiced"}
            )
    seconds = max(last_answer - start, count / rate) if latencies else count / rate
    result = load.RateResult(
        target_rps=rate,
        sent=count,
        ok=len(latencies),
        errors=errors,
        seconds=seconds,
        latencies_ms=tuple(latencies),
    )
    return ChecksResult(rate=result, decisions=tuple(sorted(decisions.items())))


def run_one(
    backend: str,
    *,
    workers: int,
    rates: Sequence[float],
    seconds: float,
    requests: int,
    pg_url: str,
    profile: bool,
) -> tuple[list[ChecksResult], list[tuple[str, float]] | None]:
    """A fresh workspace on `backend`, a server with `workers` processes, each rate in turn."""
    with tempfile.TemporaryDirectory(prefix="riskdesk-checks-") as tmp:
        folder = Path(tmp)
        with load.fresh_database(backend, pg_url=pg_url, folder=folder) as url:
            env = {
                **os.environ,
                "RISKDESK_DATABASE_URL": url,
                "RISKDESK_KEYS_FILE": str(folder / "keys.json"),
                "PYTHONPATH": str(load.ROOT),
            }
            token = load.prepare_workspace(env)
            with load.running_server(env, workers=workers, token=token, folder=folder) as server:
                refs = asyncio.run(preload(server, PRELOADED))
                orders = Orders(refs, SEED)
                # warm every worker: its compiled definitions and its connections
                asyncio.run(open_loop(server, orders, rate=20, seconds=1.5, requests=30))
                results: list[ChecksResult] = []
                shares = None
                for rate in rates:
                    raw = folder / "profile.txt"
                    spy = None
                    if profile and rate == max(rates):
                        spy = load.start_profile(server, min(seconds, requests / rate), raw)
                    before = load.server_cpu_seconds(server)
                    found = asyncio.run(
                        open_loop(server, orders, rate=rate, seconds=seconds, requests=requests)
                    )
                    used = load.server_cpu_seconds(server) - before
                    per_check = used / max(1, found.rate.ok) * 1e3
                    results.append(
                        replace(found, rate=replace(found.rate, server_cpu_ms=per_check))
                    )
                    if spy is not None:
                        spy.wait(timeout=60)
                        if raw.exists():
                            shares = load.summarise_profile(raw)
    return results, shares


def verdict(results: Sequence[ChecksResult], backend: str) -> str | None:
    """Whether the target (p99 < 20 ms at 50 checks/s on SQLite) was met, when it was measured."""
    at_target = [r for r in results if r.rate.target_rps == TARGET_RPS]
    if backend != "sqlite" or not at_target:
        return None
    p99 = at_target[0].rate.percentile(99)
    met = "met" if p99 < TARGET_P99_MS and at_target[0].rate.errors == 0 else "NOT met"
    target = f"p99 < {TARGET_P99_MS:g} ms at {TARGET_RPS:g} checks/s on SQLite"
    return f"target {target}: {met} ({p99:.1f} ms)"


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.credit_checks", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--backends", default="sqlite", help="sqlite, postgresql or both")
    parser.add_argument("--workers", default="1", help="server processes, e.g. 1,2")
    parser.add_argument("--rates", default="25,50,100", help="target checks per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="sending time per rate")
    parser.add_argument("--requests", type=int, default=2000, help="at most this many per rate")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("RISKDESK_TEST_DATABASE_URL", load.DEFAULT_PG),
        help="a PostgreSQL server to create the fresh database on",
    )
    parser.add_argument("--profile", action="store_true", help="py-spy the busiest rate")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    rates = [float(r) for r in args.rates.split(",") if r]
    print(
        f"bench.credit_checks: POST /api/v1/customers/{{ref}}/credit-checks, open loop, "
        f"{args.seconds:g} s or {args.requests} checks per rate; {os.cpu_count()} CPUs"
    )
    print(
        "| database | workers | target rps | sent | achieved rps | p50 ms | p95 ms | p99 ms "
        "| errors | decisions | server CPU ms / check |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    verdicts: list[str] = []
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
            for found in results:
                r = found.rate
                decided = ", ".join(f"{name} {n}" for name, n in found.decisions)
                print(
                    f"| {backend} | {workers} | {r.target_rps:g} | {r.sent} | {r.achieved_rps:.1f} "
                    f"| {r.percentile(50):.1f} | {r.percentile(95):.1f} | {r.percentile(99):.1f} "
                    f"| {r.errors} | {decided} | {r.server_cpu_ms:.1f} |",
                    flush=True,
                )
            said = verdict(results, backend)
            if said is not None:
                verdicts.append(f"{said}, {workers} worker(s)")
            if shares is not None:
                profiles.append((backend, workers, shares))
    for line in verdicts:
        print(line)
    for backend, workers, shares in profiles:
        print(f"\nwhere one worker's busy time goes ({backend}, {workers} worker(s), top rate):")
        for name, share in sorted(shares, key=lambda item: -item[1]):
            print(f"  {share:5.1f}%  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
