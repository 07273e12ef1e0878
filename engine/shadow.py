"""Shadow runs (champion–challenger): a ruleset's draft evaluated beside its published version on
live traffic — every upsert and event that scores a customer — until a given time, acting on
nothing; and the comparison of what each would have done.

A run names the draft it evaluates by version and checksum; its source is kept in the run's
`shadow.started` audit row, so a draft saved again later does not change what the run
evaluates, and any process can compile it (once per checksum, cached here). The hook
`observe` is called by engine.evaluation.assess_customer right after the published evaluation,
with the same inputs, in the same transaction; it writes only `ShadowResult` rows. When no run
is active it costs one query per transaction (what is active is remembered in the session).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any, Final

from sqlmodel import Session, col, select

import dsl
from engine import audit, fx, specs
from engine.errors import N_, ConflictError, InvalidRequestError, NotFoundError
from engine.models import (
    AuditEntry,
    Case,
    CaseStatus,
    Customer,
    ShadowResult,
    ShadowRun,
    SpecKind,
    SpecStatus,
    SpecVersion,
)
from engine.pagination import clamp_limit, decode_cursor, encode_cursor
from engine.scoping import Scope, is_within
from engine.views import Page, number

log = logging.getLogger(__name__)

STARTED: Final = "shadow.started"
TIER_CHANGED: Final = "tier_changed"
# session.info key: the runs active in this transaction, by ruleset key
_ACTIVE: Final = "riskdesk.shadow.active"

_compiled: dict[tuple[int, str], Any] = {}
_compiled_lock = threading.Lock()
_COMPILED_SIZE: Final = 64


@dataclass(frozen=True, slots=True)
class ShadowRunView:
    id: int
    ruleset_key: str
    draft_version: int
    draft_checksum: str
    started_by: str | None
    started_at: datetime
    until: datetime
    stopped_at: datetime | None
    status: str  # running, finished (until has passed), stopped


@dataclass(frozen=True, slots=True)
class TierCell:
    """How many evaluations the published ruleset put in `champion` and the draft in
    `challenger`."""

    champion: str | None
    challenger: str | None
    count: int


@dataclass(frozen=True, slots=True)
class ShadowDifference:
    """A customer's latest evaluation in the run where the two rulesets differ."""

    customer_ref: str
    at: datetime
    differs: tuple[str, ...]  # of score, tier, alerts, cases
    champion: Mapping[str, Any]  # {score, tier, previous_tier, alerts, cases}
    challenger: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ShadowComparison:
    run: ShadowRunView
    evaluations: int
    customers: int
    tiers_agree: int  # evaluations where both gave the same tier
    tiers: tuple[TierCell, ...]  # the agreement matrix, champion tier then challenger tier
    alerts: Mapping[str, Mapping[str, int]]  # side → rule → alerts raised
    cases: Mapping[str, Mapping[str, int]]  # side → workflow → cases it would have opened
    differences: Page[ShadowDifference]


@dataclass(frozen=True, slots=True)
class _Active:
    id: int
    key: str
    checksum: str
    until: datetime


# --- starting and stopping -------------------------------------------------------------------


def _status(run: ShadowRun, now: datetime) -> str:
    if run.stopped_at is not None:
        return "stopped"
    return "running" if now < run.until else "finished"


def _view(run: ShadowRun, now: datetime) -> ShadowRunView:
    assert run.id is not None
    return ShadowRunView(
        id=run.id,
        ruleset_key=run.ruleset_key,
        draft_version=run.draft_version,
        draft_checksum=run.draft_checksum,
        started_by=run.started_by,
        started_at=run.started_at,
        until=run.until,
        stopped_at=run.stopped_at,
        status=_status(run, now),
    )


def _active_run(session: Session, key: str, now: datetime) -> ShadowRun | None:
    return session.exec(
        select(ShadowRun)
        .where(
            ShadowRun.ruleset_key == key,
            col(ShadowRun.stopped_at).is_(None),
            col(ShadowRun.until) > now,
        )
        .order_by(col(ShadowRun.id).desc())
    ).first()


def start_shadow(
    session: Session, key: str, *, until: datetime, actor: str | None, now: datetime
) -> ShadowRunView:
    """Start evaluating the draft of ruleset `key` beside its published version on live traffic
    until `until`, inside the caller's transaction (audited, with the draft's source).

    Raises NotFoundError (no draft, nothing published), InvalidRequestError (a draft with
    errors, `until` not after `now`, a ruleset that does not score customers) and
    ConflictError (a run of `key` is already active)."""
    if until <= now:
        raise InvalidRequestError(
            N_("until must be later than now (%(now)s)"), now=now.isoformat(timespec="seconds")
        )
    # Locked: two editors starting a run of one key at once are serialised here.
    draft = session.exec(
        select(SpecVersion)
        .where(
            SpecVersion.kind == SpecKind.RULESET,
            SpecVersion.key == key,
            SpecVersion.status == SpecStatus.DRAFT,
        )
        .with_for_update()
    ).first()
    if draft is None:
        raise NotFoundError(N_("there is no draft of %(kind)s '%(key)s'"), kind="ruleset", key=key)
    published = specs.find_row(session, SpecKind.RULESET, key)
    if specs.scoring_ruleset(session).key != key:
        raise InvalidRequestError(
            N_("ruleset '%(key)s' does not score customers, so no live traffic reaches it"),
            key=key,
        )
    try:
        specs.compile_draft_ruleset(session, key, draft.source, published=published)
    except dsl.RulesError as exc:
        raise InvalidRequestError(
            N_("the draft of ruleset '%(key)s' has %(count)d error(s): correct them first"),
            key=key,
            count=sum(1 for d in exc.diagnostics if d.is_error),
        ) from exc
    running = _active_run(session, key, now)
    if running is not None:
        raise ConflictError(
            N_("a shadow run of ruleset '%(key)s' is already running until %(until)s"),
            key=key,
            until=running.until.isoformat(timespec="seconds"),
        )
    run = ShadowRun(
        ruleset_key=key,
        draft_version=draft.version,
        draft_checksum=draft.checksum,
        started_by=actor,
        started_at=now,
        until=until,
    )
    session.add(run)
    session.flush()
    assert run.id is not None
    audit.record(
        session,
        actor=actor,
        action=STARTED,
        entity_kind="shadow_run",
        entity_id=run.id,
        detail={
            "ruleset": key,
            "draft_version": draft.version,
            "draft_checksum": draft.checksum,
            "published_version": published.version,
            "until": until.isoformat(),
            # what the run evaluates, whatever the draft becomes meanwhile
            "source": draft.source,
        },
        now=now,
    )
    session.info.pop(_ACTIVE, None)
    return _view(run, now)


def stop_shadow(session: Session, key: str, *, actor: str | None, now: datetime) -> ShadowRunView:
    """Stop the running shadow run of ruleset `key` (audited); its results stay for comparison.
    Raises NotFoundError when none is running."""
    run = _active_run(session, key, now)
    if run is None:
        raise NotFoundError(N_("no shadow run of ruleset '%(key)s' is running"), key=key)
    run.stopped_at = now
    session.add(run)
    audit.record(
        session,
        actor=actor,
        action="shadow.stopped",
        entity_kind="shadow_run",
        entity_id=run.id,
        detail={"ruleset": key, "draft_version": run.draft_version},
        now=now,
    )
    session.info.pop(_ACTIVE, None)
    return _view(run, now)


# --- the hook ----------------------------------------------------------------------------------


def _active_runs(session: Session, now: datetime) -> dict[str, list[_Active]]:
    """The runs not stopped whose `until` is after `now`, by key; read once per transaction."""
    found: dict[str, list[_Active]] | None = session.info.get(_ACTIVE)
    if found is None:
        found = {}
        rows = session.exec(
            select(ShadowRun).where(col(ShadowRun.stopped_at).is_(None), col(ShadowRun.until) > now)
        )
        for run in rows:
            assert run.id is not None
            found.setdefault(run.ruleset_key, []).append(
                _Active(run.id, run.ruleset_key, run.draft_checksum, run.until)
            )
        session.info[_ACTIVE] = found
    return found


def is_observing(session: Session, ruleset_key: str, *, now: datetime) -> bool:
    """Whether a shadow run of `ruleset_key` is active at `now` (`observe` then evaluates its
    draft for every customer scored)."""
    return any(now < run.until for run in _active_runs(session, now).get(ruleset_key, ()))


def _challenger_program(session: Session, run: _Active) -> Any:
    """The run's draft compiled as it would be published beside the published version (cached
    by run and checksum). Raises dsl.RulesError when it no longer compiles."""
    cache_key = (run.id, run.checksum)
    with _compiled_lock:
        if cache_key in _compiled:
            return _compiled[cache_key]
    started = session.exec(
        select(AuditEntry).where(
            AuditEntry.action == STARTED,
            AuditEntry.entity_kind == "shadow_run",
            AuditEntry.entity_id == str(run.id),
        )
    ).one()
    source = str(started.detail["source"])
    if specs.checksum_of(source) != run.checksum:
        raise ValueError(f"the source kept for shadow run {run.id} does not match its checksum")
    published = specs.find_row(session, SpecKind.RULESET, run.key)
    program = specs.compile_draft_ruleset(session, run.key, source, published=published)
    with _compiled_lock:
        if len(_compiled) >= _COMPILED_SIZE:
            _compiled.clear()
        _compiled[cache_key] = program
    return program


def _would_open(
    session: Session,
    customer: Customer,
    record: Mapping[str, Any],
    *,
    tier: str,
    score: Any,
) -> list[str]:
    """The workflows a new assessment in `tier` would start for `customer` (as
    engine.evaluation starts them): tier changed, trigger matches, no case of it open."""
    if tier == customer.tier:
        return []
    guarded = {
        **record,
        "assessment": {"tier": tier, "previous_tier": customer.tier, "score": number(score)},
    }
    opened = []
    for workflow in specs.published_workflows(session):
        if str(workflow.value.trigger.on) != TIER_CHANGED or not workflow.value.matches(guarded):
            continue
        is_open = session.exec(
            select(Case.id).where(
                Case.customer_id == customer.id,
                Case.workflow_key == workflow.key,
                Case.status == CaseStatus.OPEN,
            )
        ).first()
        if is_open is None:
            opened.append(workflow.key)
    return opened


def _side(
    session: Session, customer: Customer, record: Mapping[str, Any], result: Any
) -> dict[str, Any]:
    # alert messages are left out: they may quote a sensitive value, and the rule says enough
    return {
        "score": number(result.score),
        "tier": result.tier,
        "previous_tier": customer.tier,
        "alerts": sorted({str(a.rule) for a in result.alerts}),
        "cases": _would_open(session, customer, record, tier=result.tier, score=result.score),
    }


def observe(
    session: Session,
    customer: Customer,
    ruleset: specs.LoadedSpec[Any],
    champion: Any,
    *,
    record: Mapping[str, Any],
    as_of: date,
    tz: tzinfo,
    now: datetime,
) -> None:
    """For each shadow run of `ruleset`'s key active at `now`, evaluate its draft on the same
    inputs as the published `champion` result and store both; acts on nothing else. Called by
    engine.evaluation before it stores the champion's assessment."""
    runs = _active_runs(session, now).get(ruleset.key)
    if not runs:
        return
    from engine.evaluation import customer_events  # engine.evaluation calls this module

    assert customer.id is not None
    events = customer_events(session, customer.id, tz)
    for run in runs:
        if now >= run.until:
            continue
        champion_side = _side(session, customer, record, champion)
        try:
            program = _challenger_program(session, run)
            result = program.evaluate(
                dict(record),
                events=events,
                as_of=as_of,
                fx=fx.rate_lookup(session, base_currency=program.base_currency),
            )
            challenger_side = _side(session, customer, record, result)
        except Exception as exc:  # the draft's failure must never fail the live request
            log.exception("shadow run %s could not evaluate customer %s", run.id, customer.id)
            challenger_side = {"error": f"{type(exc).__name__}: {exc}"[:500]}
        session.add(
            ShadowResult(
                run_id=run.id,
                customer_id=customer.id,
                at=now,
                champion=champion_side,
                challenger=challenger_side,
            )
        )


# --- comparing ---------------------------------------------------------------------------------


def _differs(champion: Mapping[str, Any], challenger: Mapping[str, Any]) -> tuple[str, ...]:
    if "error" in challenger:
        return ("error",)
    return tuple(
        name for name in ("score", "tier", "alerts", "cases") if champion[name] != challenger[name]
    )


def _latest_run(session: Session, key: str) -> ShadowRun:
    run = session.exec(
        select(ShadowRun).where(ShadowRun.ruleset_key == key).order_by(col(ShadowRun.id).desc())
    ).first()
    if run is None:
        raise NotFoundError(N_("ruleset '%(key)s' has no shadow run"), key=key)
    return run


def compare_shadow(
    session: Session,
    key: str,
    *,
    scope: Scope,
    now: datetime,
    cursor: str | None = None,
    limit: int | None = None,
) -> ShadowComparison:
    """What the latest shadow run of ruleset `key` saw, over the customers in `scope`: counts of
    evaluations, the tier agreement matrix, the alerts each side raised, the cases each would
    have opened (per workflow), and a page of the customers whose latest evaluation differs.

    Raises NotFoundError when `key` has no run, InvalidRequestError for a bad cursor or limit."""
    run = _latest_run(session, key)
    after = decode_cursor(cursor)
    size = clamp_limit(limit)
    rows = session.exec(
        select(ShadowResult, Customer.external_ref, Customer.department)
        .join(Customer, col(Customer.id) == col(ShadowResult.customer_id))
        .where(ShadowResult.run_id == run.id)
        .order_by(col(ShadowResult.id))
    )
    tiers: Counter[tuple[str | None, str | None]] = Counter()
    alerts: dict[str, Counter[str]] = {"champion": Counter(), "challenger": Counter()}
    cases: dict[str, Counter[str]] = {"champion": Counter(), "challenger": Counter()}
    latest: dict[int, tuple[ShadowResult, str]] = {}
    evaluations = 0
    for result, ref, department in rows:
        if not is_within(department, scope):
            continue
        evaluations += 1
        sides = {"champion": result.champion, "challenger": result.challenger}
        tiers[(result.champion.get("tier"), result.challenger.get("tier"))] += 1
        for side, shown in sides.items():
            alerts[side].update(shown.get("alerts") or ())
            cases[side].update(shown.get("cases") or ())
        latest[result.customer_id] = (result, ref)
    differing = [
        (customer_id, result, ref, found)
        for customer_id, (result, ref) in sorted(latest.items())
        if (found := _differs(result.champion, result.challenger))
        and (after is None or customer_id > after)
    ]
    page = differing[:size]
    return ShadowComparison(
        run=_view(run, now),
        evaluations=evaluations,
        customers=len(latest),
        tiers_agree=sum(n for (a, b), n in tiers.items() if a == b),
        tiers=tuple(TierCell(a, b, n) for (a, b), n in sorted(tiers.items(), key=_tier_order)),
        alerts={side: dict(sorted(c.items())) for side, c in alerts.items()},
        cases={side: dict(sorted(c.items())) for side, c in cases.items()},
        differences=Page(
            items=tuple(
                ShadowDifference(
                    customer_ref=ref,
                    at=result.at,
                    differs=found,
                    champion=result.champion,
                    challenger=result.challenger,
                )
                for _, result, ref, found in page
            ),
            next_cursor=encode_cursor(page[-1][0]) if len(differing) > size else None,
        ),
    )


def _tier_order(item: tuple[tuple[str | None, str | None], int]) -> tuple[str, str]:
    (a, b), _ = item
    return (a or "", b or "")
