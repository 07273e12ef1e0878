"""Simulation: a draft ruleset (or a rules file) scored beside the published ruleset on the whole
portfolio, as a job in chunks (engine.jobs), without acting. Its result: the tier migration
matrix with the exposure that moves, the cases each `tier_changed` workflow would open, how
often each rule fires under each version, the pre-publish checks (engine.policy_checks), and the
movers, stored as SimulationMover rows and read a page at a time.

Nothing is written but the simulation itself: the job, its chunks (with their shares of the
result), its movers and the job's own audit rows (`job.started`, `job.finished`).

A simulation runs over the whole portfolio, so it needs `customers:read` everywhere: a caller
whose grants are limited to departments is refused (PermissionDeniedError), both to start one
and to read one — the movers and the totals name customers of every department.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import insert
from sqlmodel import Session, col, select

from engine import jobs, policy_checks, specs
from engine.errors import N_, NotFoundError, PermissionDeniedError
from engine.models import (
    Customer,
    Job,
    JobChunk,
    JobStatus,
    SimulationMover,
    SpecKind,
    SpecStatus,
    SpecVersion,
)
from engine.pagination import clamp_limit, decode_cursor, encode_cursor
from engine.scoping import Scope
from engine.simulation_batch import BatchOutcome, compile_source, load_specs, simulate_batch
from engine.views import Page, number

KIND: Final = "simulation"
SCHEMA_VERSION: Final = 1


@dataclass(frozen=True, slots=True)
class SimulationView:
    """A simulation as the API and the rules editor page show it: `result` is None until done."""

    id: int
    status: str
    done: int
    total: int
    ruleset: str
    draft_version: int | None
    as_of: str
    created_by: str | None
    created_at: datetime
    finished_at: datetime | None
    error: str | None
    result: Mapping[str, Any] | None


@dataclass(frozen=True, slots=True)
class MoverView:
    """A customer the draft moves to another tier, with the rules that moved them."""

    id: int
    customer_ref: str
    customer_name: str
    department: str | None
    from_tier: str | None
    to_tier: str | None
    from_score: int | float | None
    to_score: int | float | None
    exposure: int | float
    started_firing: tuple[Mapping[str, Any], ...]
    stopped_firing: tuple[Mapping[str, Any], ...]
    points_changed: tuple[Mapping[str, Any], ...]


def _require_whole_portfolio(scope: Scope) -> None:
    if scope is not None:
        raise PermissionDeniedError(
            N_(
                "a simulation covers the whole portfolio: it needs customers:read in every "
                "department, not only in some"
            )
        )


def _draft_source(session: Session, key: str) -> SpecVersion:
    row = session.exec(
        select(SpecVersion).where(
            SpecVersion.kind == SpecKind.RULESET,
            SpecVersion.key == key,
            SpecVersion.status == SpecStatus.DRAFT,
        )
    ).first()
    if row is None:
        raise NotFoundError(N_("there is no draft of %(kind)s '%(key)s'"), kind="ruleset", key=key)
    return row


def _published_version(session: Session, key: str) -> int | None:
    try:
        return specs.find_row(session, SpecKind.RULESET, key).version
    except NotFoundError:
        return None


def simulation_params(
    session: Session, key: str, *, as_of: date, source: str | None = None
) -> dict[str, Any]:
    """What a simulation of ruleset `key` runs on: the saved draft's source (or `source`, a
    rules file), checked now, and the published version it is compared with. Raises
    NotFoundError (no draft) and InvalidRequestError (errors in the source)."""
    draft = _draft_source(session, key) if source is None else None
    text = draft.source if draft is not None else source
    assert text is not None
    published_version = _published_version(session, key)
    compiled = compile_source(session, key, text, published_version)
    return {
        "key": key,
        "source": text,
        "checksum": specs.checksum_of(text),
        "draft_version": draft.version if draft is not None else None,
        "published_version": published_version,
        "as_of": as_of.isoformat(),
        "tiers": list(compiled.tiers),
    }


def start_simulation(
    session: Session,
    key: str,
    *,
    as_of: date | None = None,
    actor: str | None,
    now: datetime,
    scope: Scope,
    tz: tzinfo = UTC,
    source: str | None = None,
    chunk_size: int = jobs.DEFAULT_CHUNK_SIZE,
) -> Job:
    """Queue a simulation of the saved draft of ruleset `key` (or of `source`, a rules file
    not saved anywhere) against its published version on `as_of` (default: today in `tz`), over
    every customer, in the caller's transaction; returns the job. The sweep (or
    `engine.job_kinds.run_due_chunks`) processes its chunks.

    Raises PermissionDeniedError (a `scope` limited to departments), NotFoundError (no draft)
    and InvalidRequestError (a draft with errors)."""
    _require_whole_portfolio(scope)
    day = as_of or now.astimezone(tz).date()
    params = simulation_params(session, key, as_of=day, source=source)
    return jobs.start_job(
        session, kind=KIND, params=params, actor=actor, now=now, chunk_size=chunk_size
    )


class SimulationHandler:
    """The `simulation` kind of job (engine.job_kinds): each chunk scores its customers and
    stores its movers; the last one combines the shares into the result."""

    def process(
        self, session: Session, job: Job, chunk: JobChunk, *, now: datetime, tz: tzinfo
    ) -> dict[str, Any]:
        sim = load_specs(session, job.params)
        outcome = simulate_batch(
            session, sim, first_id=chunk.first_id, last_id=chunk.last_id, tz=tz
        )
        _store_movers(session, job, outcome)
        return outcome.share()

    def combine(
        self, session: Session, job: Job, shares: Sequence[Mapping[str, Any]], *, now: datetime
    ) -> dict[str, Any]:
        sim = load_specs(session, job.params)
        return combine_shares(job.params, sim, shares)


def _store_movers(session: Session, job: Job, outcome: BatchOutcome) -> None:
    if not outcome.movers:
        return
    session.execute(
        insert(SimulationMover),
        [
            {
                "job_id": job.id,
                "customer_id": m.customer_id,
                "from_tier": m.from_tier,
                "to_tier": m.to_tier,
                "from_score": m.from_score,
                "to_score": m.to_score,
                "exposure": m.exposure,
                "rules": m.rules,
            }
            for m in outcome.movers
        ],
    )


def _tier_order(tiers: Sequence[str]) -> dict[str | None, int]:
    order: dict[str | None, int] = {None: -1}
    order.update({tier: i for i, tier in enumerate(tiers)})
    return order


def combine_shares(
    params: Mapping[str, Any], sim: Any, shares: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """A simulation's result from its chunks' shares (`BatchOutcome.share`)."""
    cells: dict[tuple[str | None, str], list[Any]] = {}
    published: Counter[str] = Counter()
    draft: Counter[str] = Counter()
    cases: Counter[str] = Counter()
    missing_rates: set[str] = set()
    for share in shares:
        for from_tier, to_tier, count, exposure in share.get("cells", ()):
            cell = cells.setdefault((from_tier, to_tier), [0, Decimal(0)])
            cell[0] += count
            cell[1] += Decimal(exposure)
        published.update(share.get("fired", {}).get("published", {}))
        draft.update(share.get("fired", {}).get("draft", {}))
        cases.update(share.get("cases", {}))
        missing_rates.update(share.get("missing_rates", ()))
    from_order = _tier_order(sim.published.tiers if sim.published is not None else ())
    to_order = _tier_order(sim.draft.tiers)
    matrix = [
        {"from_tier": f, "to_tier": t, "customers": c, "exposure": number(e) or 0}
        for (f, t), (c, e) in sorted(
            cells.items(), key=lambda i: (from_order.get(i[0][0], 99), to_order.get(i[0][1], 99))
        )
    ]
    labels = dict(sim.published.rules if sim.published is not None else ())
    labels.update(sim.draft.rules)
    rules = [
        {
            "id": rule_id,
            "label": label,
            "published": published.get(rule_id, 0),
            "draft": draft.get(rule_id, 0),
            "change": draft.get(rule_id, 0) - published.get(rule_id, 0),
        }
        for rule_id, label in labels.items()
    ]
    rules.sort(key=lambda r: (-abs(r["change"]), r["id"]))
    moving = [cell for cell in matrix if cell["from_tier"] != cell["to_tier"]]
    probes = policy_checks.merge_probes(share.get("probes", ()) for share in shares)
    return {
        "schema_version": SCHEMA_VERSION,
        "ruleset": params["key"],
        "draft_version": params["draft_version"],
        "published_version": params["published_version"],
        "as_of": params["as_of"],
        "customers": sum(share.get("customers", 0) for share in shares),
        "tiers": list(sim.draft.tiers),
        "matrix": matrix,
        "exposure_moves": moving,
        "exposure_missing": sum(share.get("exposure_missing", 0) for share in shares),
        "movers": sum(share.get("movers", 0) for share in shares),
        "cases": [
            {"workflow": w.key, "label": w.label, "cases": cases.get(w.key, 0)}
            for w in sim.workflows
        ],
        "rules": rules,
        "missing_rates": sorted(missing_rates),
        "checks": policy_checks.checks_result(sim.draft.rules, draft, probes),
    }


def find_simulation(session: Session, job_id: int, *, scope: Scope) -> Job:
    """The simulation `job_id`. Raises PermissionDeniedError (a scoped caller) and
    NotFoundError."""
    _require_whole_portfolio(scope)
    return jobs.find_job(session, job_id, kind=KIND)


def simulation_view(session: Session, job_id: int, *, scope: Scope) -> SimulationView:
    """The simulation `job_id`: status, progress and (once done) its result. Raises as
    `find_simulation`."""
    job = find_simulation(session, job_id, scope=scope)
    assert job.id is not None
    return SimulationView(
        id=job.id,
        status=job.status,
        done=job.done,
        total=job.total,
        ruleset=job.params["key"],
        draft_version=job.params.get("draft_version"),
        as_of=job.params["as_of"],
        created_by=job.created_by,
        created_at=job.created_at,
        finished_at=job.finished_at,
        error=job.error,
        result=job.result,
    )


def latest_result(
    session: Session, key: str, *, checksum: str, scope: Scope
) -> Mapping[str, Any] | None:
    """The result of the latest finished simulation of ruleset `key` run on the source whose
    checksum is `checksum` (a saved draft's), or None: what publishing attaches as the impact
    report, with its `checks`, without simulating again. Raises PermissionDeniedError (a scoped
    caller)."""
    _require_whole_portfolio(scope)
    finished = session.exec(
        select(Job.id, Job.params)
        .where(Job.kind == KIND, Job.status == JobStatus.DONE)
        .order_by(col(Job.id).desc())
    )
    for job_id, params in finished:
        if params.get("key") == key and params.get("checksum") == checksum:
            job = session.get(Job, job_id)
            return job.result if job is not None else None
    return None


def list_movers(
    session: Session,
    job_id: int,
    *,
    scope: Scope,
    cursor: str | None = None,
    limit: int | None = None,
    from_tier: str | None = None,
    to_tier: str | None = None,
) -> Page[MoverView]:
    """The customers simulation `job_id` moves (so far, while it runs), in the order they were
    found, a page at a time; only those from `from_tier` and to `to_tier` when given. Raises as
    `find_simulation`, and InvalidRequestError for a bad cursor or limit."""
    job = find_simulation(session, job_id, scope=scope)
    size = clamp_limit(limit)
    query = (
        select(SimulationMover, Customer.external_ref, Customer.name, Customer.department)
        .join(Customer, col(Customer.id) == col(SimulationMover.customer_id))
        .where(SimulationMover.job_id == job.id)
    )
    if from_tier is not None:
        query = query.where(SimulationMover.from_tier == from_tier)
    if to_tier is not None:
        query = query.where(SimulationMover.to_tier == to_tier)
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(col(SimulationMover.id) > after)
    rows = session.exec(query.order_by(col(SimulationMover.id)).limit(size + 1)).all()
    items = tuple(
        MoverView(
            id=mover.id or 0,
            customer_ref=ref,
            customer_name=name,
            department=department,
            from_tier=mover.from_tier,
            to_tier=mover.to_tier,
            from_score=number(mover.from_score),
            to_score=number(mover.to_score),
            exposure=number(mover.exposure) or 0,
            started_firing=tuple(mover.rules.get("started", ())),
            stopped_firing=tuple(mover.rules.get("stopped", ())),
            points_changed=tuple(mover.rules.get("changed", ())),
        )
        for mover, ref, name, department in rows[:size]
    )
    next_cursor = encode_cursor(items[-1].id) if len(rows) > size else None
    return Page(items=items, next_cursor=next_cursor)


def portfolio_checks(
    session: Session, key: str, *, now: datetime, tz: tzinfo = UTC, batch_size: int = 1000
) -> dict[str, Any]:
    """The pre-publish checks of the saved draft of ruleset `key` over the whole portfolio
    today (`policy_checks.checks_result`), in this transaction, writing nothing. Raises
    NotFoundError (no draft) and InvalidRequestError (a draft with errors)."""
    params = simulation_params(session, key, as_of=now.astimezone(tz).date())
    sim = load_specs(session, params)
    counts: Counter[str] = Counter()
    probes = []
    after = 0
    while True:
        ids = session.exec(
            select(Customer.id)
            .where(col(Customer.id) > after)
            .order_by(col(Customer.id))
            .limit(batch_size)
        ).all()
        if not ids:
            break
        first, last = int(ids[0] or 0), int(ids[-1] or 0)
        outcome = simulate_batch(session, sim, first_id=first, last_id=last, tz=tz)
        counts.update(outcome.fired_draft)
        probes.append(outcome.probes)
        after = last
    return policy_checks.checks_result(sim.draft.rules, counts, policy_checks.merge_probes(probes))


__all__ = [
    "KIND",
    "MoverView",
    "SimulationHandler",
    "SimulationView",
    "combine_shares",
    "find_simulation",
    "latest_result",
    "list_movers",
    "portfolio_checks",
    "simulation_params",
    "simulation_view",
    "start_simulation",
]
