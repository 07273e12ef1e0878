"""The bulk rescoring path: the customers of an id range scored with the published scoring
ruleset and acted on exactly as a single update (engine.evaluation.assess_customer) would, with
a few statements per range instead of several per customer.

Reads: the customers, their latest assessments and their events, one query each for the range.
Writes, for the changed customers only: the assessments in one INSERT, their alerts in one, the
customers' score, tier and tier rank in one executemany UPDATE (each guarded by its row version),
their flags in one or two (engine.customer_flags), their audit rows in one (engine.audit_batch).
A tier change then starts workflows through the single path (`act_on_tier_change`), so a case
opens exactly as an upsert would open it. Everything runs in the caller's transaction.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, cast

from sqlalchemy import bindparam, func, insert, update
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

import forms
from engine import alerts, crypto, fx, specs
from engine.audit_batch import AuditInput, record_many
from engine.customer_flags import write_customer_flags
from engine.customer_query import tier_rank
from engine.db import session_keys
from engine.errors import N_, ConflictError
from engine.evaluation import (
    NewAssessment,
    act_on_tier_change,
    assessment_audit_detail,
    guard_record,
    new_assessment,
    score_record,
    triggered_workflows,
)
from engine.explanations import PreviousAssessment, all_field_names
from engine.freshness import with_freshness
from engine.models import Assessment, Customer, Event, metadata
from engine.terms import terms_record


@dataclass(frozen=True, slots=True)
class RangeOutcome:
    """What rescoring one id range did."""

    scored: int
    changed: int
    # (from tier, to tier) → customers, for the changed customers whose tier changed
    tier_changes: Mapping[tuple[str | None, str], int]
    cases_opened: int
    ruleset_key: str
    ruleset_version: int


_CUSTOMER_COLUMNS = (
    col(Customer.id),
    col(Customer.external_ref),
    col(Customer.department),
    col(Customer.data),
    col(Customer.tier),
    col(Customer.row_version),
    *(getattr(Customer, name) for name in forms.TERMS_FIELDS),
)


def _customers(
    session: Session, first_id: int, last_id: int, *, with_freshness: bool
) -> Sequence[Any]:
    """The customer rows of the range; their `freshness` only when the rules read it (decoding
    it for every customer made a nightly rescore about a fifth slower)."""
    columns = (*_CUSTOMER_COLUMNS, col(Customer.freshness)) if with_freshness else _CUSTOMER_COLUMNS
    return session.execute(
        select_columns(*columns)
        .where(col(Customer.id) >= first_id, col(Customer.id) <= last_id)
        .order_by(col(Customer.id))
    ).all()


def _latest(session: Session, first_id: int, last_id: int) -> dict[int, PreviousAssessment]:
    newest = (
        select(func.max(Assessment.id))
        .where(col(Assessment.customer_id) >= first_id, col(Assessment.customer_id) <= last_id)
        .group_by(col(Assessment.customer_id))
    )
    rows = session.execute(
        select_columns(
            col(Assessment.id),
            col(Assessment.customer_id),
            col(Assessment.ruleset_key),
            col(Assessment.ruleset_version),
            col(Assessment.as_of),
            col(Assessment.result),
        ).where(col(Assessment.id).in_(newest))
    )
    return {
        row.customer_id: PreviousAssessment(
            id=row.id,
            ruleset_key=row.ruleset_key,
            ruleset_version=row.ruleset_version,
            as_of=row.as_of,
            result=row.result,
        )
        for row in rows
    }


def _events(
    session: Session, first_id: int, last_id: int, *, before: datetime, tz: tzinfo
) -> dict[int, list[dict[str, Any]]]:
    """Each customer's events that occurred before `before`, oldest first, dates in `tz`
    (what engine.evaluation.customer_events reads for one customer)."""
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = session.execute(
        select_columns(
            col(Event.customer_id), col(Event.kind), col(Event.occurred_at), col(Event.payload)
        )
        .where(
            col(Event.customer_id) >= first_id,
            col(Event.customer_id) <= last_id,
            col(Event.occurred_at) < before,
        )
        .order_by(col(Event.customer_id), col(Event.occurred_at), col(Event.id))
    )
    for customer_id, kind, occurred_at, payload in rows:
        # dsl.md §3: event dates are read in the workspace's time zone.
        found[customer_id].append(
            {"kind": kind, "occurred_at": occurred_at.astimezone(tz), "payload": payload}
        )
    return found


def _update_customers(
    session: Session,
    changed: Sequence[tuple[Any, NewAssessment]],
    *,
    tiers: Sequence[str],
    latest: Mapping[int, PreviousAssessment],
    now: datetime,
) -> None:
    """Every changed customer's score, tier and its rank among `tiers` (the ruleset's), each
    only at the row version it was read at (engine.rows.update_versioned's guard, many rows in
    one executemany); then their flags (engine.customer_flags: none for those flagged as in
    their `latest` assessment, a statement or two for the others)."""
    table = metadata.tables["customers"]
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.row_version == bindparam("b_version"))
        .values(
            score=bindparam("b_score"),
            tier=bindparam("b_tier"),
            tier_rank=bindparam("b_rank"),
            assessed_at=now,
            updated_at=now,
            row_version=bindparam("b_version") + 1,
        )
    )
    params = [
        {
            "b_id": row.id,
            "b_version": row.row_version,
            "b_score": assessment.score,
            "b_tier": assessment.tier,
            "b_rank": tier_rank(tiers, assessment.tier),
        }
        for row, assessment in changed
    ]
    result = session.connection().execute(statement, params)
    dialect = session.connection().dialect
    if dialect.supports_sane_multi_rowcount and result.rowcount != len(params):
        raise ConflictError(
            N_("a customer was changed by someone else during the rescore; the chunk is retried")
        )
    write_customer_flags(
        session,
        {row.id: assessment.result.get("flags") or () for row, assessment in changed},
        latest={
            row.id: latest[row.id].result.get("flags") for row, _ in changed if row.id in latest
        },
    )


def rescore_range(
    session: Session,
    *,
    first_id: int,
    last_id: int,
    as_of: date,
    actor: str | None,
    now: datetime,
    tz: tzinfo,
) -> RangeOutcome:
    """Score every customer with `first_id <= id <= last_id` on `as_of` (events that occurred
    by the end of that day in `tz` count) and act on each result as a single update would.

    Raises NotConfiguredError before a template is imported, ConflictError when a customer was
    changed meanwhile (nothing of the range is then kept: the caller's transaction rolls back).
    """
    ruleset = specs.scoring_ruleset(session)
    names = all_field_names(session)
    rates = fx.rate_lookup(session, base_currency=ruleset.value.base_currency)
    day_end = datetime.combine(as_of + timedelta(days=1), time(), tzinfo=tz)
    reads_freshness = bool(ruleset.value.freshness_read)
    customers = _customers(session, first_id, last_id, with_freshness=reads_freshness)
    latest = _latest(session, first_id, last_id)
    events = _events(session, first_id, last_id, before=day_end, tz=tz)

    changed: list[tuple[Any, NewAssessment]] = []
    records: dict[int, dict[str, Any]] = {}
    for row in customers:
        sealed = crypto.sealed_fields(row.data)
        data = (
            crypto.open_data(session_keys(session), row.data, ref=row.external_ref)
            if sealed
            else row.data
        )
        # a row holds the terms columns under their names, as terms_record reads a Customer
        record = {**data, **terms_record(cast(Customer, row))}
        if reads_freshness:
            with_freshness(record, row.freshness, tz)
        result_dict = score_record(
            ruleset, record, events=events.get(row.id, []), as_of=as_of, rates=rates, sealed=sealed
        )
        assessment = new_assessment(
            latest.get(row.id),
            result_dict,
            customer_id=row.id,
            previous_tier=row.tier,
            ruleset=ruleset,
            as_of=as_of,
            now=now,
            names=names,
        )
        if assessment is not None:
            changed.append((row, assessment))
            records[row.id] = record
    if not changed:
        return RangeOutcome(len(customers), 0, {}, 0, ruleset.key, ruleset.version)

    _write(session, changed, tiers=ruleset.value.tiers, latest=latest, actor=actor, now=now)
    tier_changes: Counter[tuple[str | None, str]] = Counter(
        (row.tier, assessment.tier) for row, assessment in changed if assessment.tier != row.tier
    )
    opened = 0
    workflows = specs.published_workflows(session)
    for row, assessment in changed:
        if assessment.tier == row.tier:
            continue
        guards = guard_record(records[row.id], assessment)
        # the customer row is loaded only for the (few) customers a workflow starts for
        if not triggered_workflows(session, row.id, guards, workflows=workflows):
            continue
        customer = session.get(Customer, row.id)
        assert customer is not None
        opened += len(
            act_on_tier_change(
                session, customer, actor=actor, now=now, tz=tz, record=guards, workflows=workflows
            )
        )
    return RangeOutcome(
        len(customers), len(changed), dict(tier_changes), opened, ruleset.key, ruleset.version
    )


def _write(
    session: Session,
    changed: Sequence[tuple[Any, NewAssessment]],
    *,
    tiers: Sequence[str],
    latest: Mapping[int, PreviousAssessment],
    actor: str | None,
    now: datetime,
) -> None:
    """The changed customers' assessments, alerts, scores (tiers ranked among `tiers`), flags
    and audit rows, a statement each."""
    ids = session.scalars(
        insert(Assessment).returning(col(Assessment.id), sort_by_parameter_order=True),
        [assessment.values() for _, assessment in changed],
    ).all()
    for (_, assessment), assessment_id in zip(changed, ids, strict=True):
        assessment.id = assessment_id

    alerts.track(
        session,
        [
            alerts.Tracked(row.id, assessment.id or 0, assessment.result["alerts"])
            for row, assessment in changed
        ],
        now=now,
    )
    _update_customers(session, changed, tiers=tiers, latest=latest, now=now)
    record_many(
        session,
        [
            AuditInput(
                actor=actor,
                action=(
                    "assessment.tier_changed"
                    if assessment.tier != row.tier
                    else "assessment.recorded"
                ),
                entity_kind="customer",
                entity_id=row.external_ref,
                detail=assessment_audit_detail(
                    assessment, score=assessment.result["score"], previous_tier=row.tier
                ),
                department=row.department,
                customer_ref=row.external_ref,
            )
            for row, assessment in changed
        ],
        now=now,
    )
