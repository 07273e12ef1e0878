"""The dashboard's figures (issue 12, docs/dashboard.md): customers and exposure per tier, tier
migration over the last 12 months, open cases by step, held orders, the newest critical alerts,
the riskiest customers and the last rescore, of the customers within the caller's scope.

Every figure is an aggregate computed by the database (GROUP BY, ORDER BY ... LIMIT), never a
loop over the customers in Python: only a handful of grouped rows come back, whatever the size
of the portfolio. Read only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import and_, false, func, null, or_
from sqlalchemy import case as sql_case
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

import forms
from engine import alerts, fx, rescoring, specs
from engine.cases import _visible
from engine.dashboard_views import (
    Dashboard,
    HoldsWaiting,
    LastRescore,
    MigrationMonth,
    RiskyCustomer,
    StepFigure,
    TierFigure,
    TierMove,
    Unconverted,
)
from engine.errors import NotConfiguredError, NotFoundError
from engine.exposure import EXPOSURE_FIELD
from engine.models import (
    Assessment,
    Case,
    CaseStatus,
    CreditCheck,
    CreditCheckStatus,
    Customer,
)
from engine.scoping import Scope
from engine.views import number

MONTHS: Final = 12
CRITICAL_SHOWN: Final = 5
RISKIEST_SHOWN: Final = 10


def dashboard(
    session: Session,
    *,
    scope: Scope,
    now: datetime,
    tz: tzinfo = UTC,
    language: str = "en",
    spec_changes: bool = False,
    default_currency: str = "CNY",
) -> Dashboard:
    """The dashboard at `now` of the customers within `scope` (engine.scoping): months and the
    exposure's exchange rates are read on `now`'s date in `tz`; workflow and step titles are in
    `language`; open cases about no customer (ruleset changes) count only with `spec_changes`.

    The exposure is the customer form's money field EXPOSURE_FIELD, as each customer stores it
    (engine.exposure): a number is an amount in the base currency, `{amount, currency}` is
    converted at the rate in force on the day (engine.fx); currencies without a rate are
    returned apart (`unconverted`). No exposure is summed when the form has no such money
    field, or marks it sensitive (its values are sealed, never copied out). The base currency
    is the latest template's (`default_currency` before any import)."""
    today = now.astimezone(tz).date()
    base = specs.base_currency(session, default_currency)
    field = EXPOSURE_FIELD if _is_exposure_field(session, EXPOSURE_FIELD) else None
    tiers, unconverted = _tiers(session, scope=scope, field=field, today=today, base=base)
    migration = _migration(session, scope=scope, today=today)
    order = [t.tier for t in tiers if t.tier is not None]
    return Dashboard(
        now=now,
        base_currency=base,
        exposure_field=field,
        tiers=tiers,
        unconverted=unconverted,
        migration=migration,
        moves=_moves(migration, order),
        steps=_steps(session, scope=scope, now=now, language=language, spec_changes=spec_changes),
        holds=_holds(session, scope=scope),
        critical_alerts=alerts.list_alerts(
            session, severity=alerts.CRITICAL, limit=CRITICAL_SHOWN, scope=scope
        ).items,
        critical_active=alerts.count_active(session, scope=scope).get(alerts.CRITICAL, 0),
        riskiest=_riskiest(session, scope=scope),
        last_rescore=_last_rescore(session, every_department=scope is None),
    )


def _within(query: Any, scope: Scope) -> Any:
    """`query` (of customers, or joined to them) limited to customers within `scope`."""
    if scope is None:
        return query
    return query.where(col(Customer.department).in_(sorted(scope)) if scope else false())


def _is_exposure_field(session: Session, field_id: str) -> bool:
    """Whether the customer form has `field_id` as a money field that is not sensitive."""
    try:
        form = specs.customer_form(session).value
    except NotConfiguredError:
        return False
    field = form.field(field_id)
    return field is not None and field.type is forms.FieldType.MONEY and not field.sensitive


def _tier_order(session: Session) -> list[str]:
    """The scoring ruleset's tiers, as it declares them (riskiest first in the example)."""
    try:
        return [str(t) for t in specs.scoring_ruleset(session).meta.get("tiers") or ()]
    except NotConfiguredError:
        return []


# --- customers and exposure per tier ------------------------------------------------------------


def _tiers(
    session: Session, *, scope: Scope, field: str | None, today: date, base: str
) -> tuple[tuple[TierFigure, ...], tuple[Unconverted, ...]]:
    """Per tier: customers, exposure in `base` and order holds, from one statement grouped by
    tier and the balance's currency (none: the base currency, forms §Money), read from the
    customers' stored exposure (engine.exposure) through ix_customers_tier_exposure alone; the
    groups in other currencies are converted here, a multiplication per group."""
    held = func.sum(sql_case((col(Customer.order_hold), 1), else_=0))
    query: Any
    if field is None:
        query = sa_select(col(Customer.tier), null(), func.count(), null(), held).group_by(
            col(Customer.tier)
        )
    else:
        currency = col(Customer.exposure_currency)
        amount = func.sum(col(Customer.exposure_amount))
        query = sa_select(col(Customer.tier), currency, func.count(), amount, held).group_by(
            col(Customer.tier), currency
        )
    rates = fx.RateLookup(session, base_currency=base)
    counted: dict[str | None, list[int]] = {}
    exposure: dict[str | None, Decimal] = {}
    missing: dict[str, tuple[Decimal, int]] = {}
    for tier, code, customers, total, holds in session.execute(_within(query, scope)):
        figure = counted.setdefault(tier, [0, 0])
        figure[0] += int(customers)
        figure[1] += int(holds or 0)
        sum_ = Decimal(total or 0)
        rate = Decimal(1) if code is None else rates(str(code), today)
        if rate is None:
            before = missing.get(str(code), (Decimal(0), 0))
            missing[str(code)] = (before[0] + sum_, before[1] + int(customers))
        else:
            exposure[tier] = exposure.get(tier, Decimal(0)) + sum_ * rate
    order = _tier_order(session)
    names: list[str | None] = [
        *order,
        *sorted(t for t in counted if t is not None and t not in order),
    ]
    if None in counted:
        names.append(None)
    figures = tuple(
        TierFigure(
            tier=tier,
            customers=counted.get(tier, [0, 0])[0],
            exposure=_money(exposure.get(tier, Decimal(0))),
            order_hold=counted.get(tier, [0, 0])[1],
        )
        for tier in names
    )
    left = tuple(
        Unconverted(code, _money(amount), customers)
        for code, (amount, customers) in sorted(missing.items())
    )
    return figures, left


def _money(value: Decimal) -> int | float:
    return number(value.quantize(Decimal("0.01"))) or 0


# --- tier migration -----------------------------------------------------------------------------


def _month_starts(today: date, months: int) -> list[date]:
    """The first days of the `months` calendar months ending with `today`'s, oldest first."""
    index = today.year * 12 + today.month - 1
    return [date((i // 12), i % 12 + 1, 1) for i in range(index - months + 1, index + 1)]


def _migration(session: Session, *, scope: Scope, today: date) -> tuple[MigrationMonth, ...]:
    """The assessments of the last 12 months whose tier differs from the one before, by month
    and move, grouped by the database per day (a day is one date on both backends; months are
    folded from at most 366 days here), read from ix_assessments_moves alone when every
    department is seen (every assessment has its customer: no join needed then)."""
    starts = _month_starts(today, MONTHS)
    query = sa_select(
        col(Assessment.as_of),
        col(Assessment.previous_tier),
        col(Assessment.tier),
        func.count(),
    )
    if scope is not None:
        query = query.join(Customer, col(Customer.id) == col(Assessment.customer_id))
    query = query.where(
        col(Assessment.as_of) >= starts[0],
        col(Assessment.as_of) <= today,
        col(Assessment.previous_tier).is_not(None),
        col(Assessment.previous_tier) != col(Assessment.tier),
    ).group_by(col(Assessment.as_of), col(Assessment.previous_tier), col(Assessment.tier))
    counts: dict[str, dict[tuple[str, str], int]] = {s.isoformat()[:7]: {} for s in starts}
    for as_of, before, after, n in session.execute(_within(query, scope)):
        month = counts[as_of.isoformat()[:7]]
        month[(before, after)] = month.get((before, after), 0) + int(n)
    return tuple(
        MigrationMonth(
            month,
            tuple(TierMove(before, after, n) for (before, after), n in sorted(moves.items())),
        )
        for month, moves in counts.items()
    )


def _moves(
    migration: Iterable[MigrationMonth], order: Sequence[str]
) -> tuple[tuple[str, str], ...]:
    """Every move seen, in the ruleset's tier order (from, then to)."""
    rank = {tier: i for i, tier in enumerate(order)}
    seen = {(m.from_tier, m.to_tier) for month in migration for m in month.moves}
    return tuple(
        sorted(seen, key=lambda m: (rank.get(m[0], len(rank)), rank.get(m[1], len(rank)), m))
    )


# --- cases, holds, customers, rescore ----------------------------------------------------------


def _steps(
    session: Session, *, scope: Scope, now: datetime, language: str, spec_changes: bool
) -> tuple[StepFigure, ...]:
    """Open cases by workflow and step, with those past their step's deadline (`due_at`), read
    from ix_cases_status_step (and for a scope, the ids of its customers from
    ix_customers_department)."""
    past_due = func.sum(
        sql_case((and_(col(Case.due_at).is_not(None), col(Case.due_at) < now), 1), else_=0)
    )
    query = sa_select(
        col(Case.workflow_key),
        func.max(col(Case.workflow_version)),
        col(Case.step),
        func.count(),
        past_due,
    )
    query = (
        query.where(col(Case.status) == CaseStatus.OPEN, _cases_within(scope, spec_changes))
        .group_by(col(Case.workflow_key), col(Case.step))
        .order_by(col(Case.workflow_key), col(Case.step))
    )
    figures = []
    for key, version, step, n, late in session.execute(query):
        workflow_title, step_title = _titles(session, key, int(version), step, language)
        figures.append(StepFigure(key, workflow_title, step, step_title, int(n), int(late or 0)))
    return tuple(figures)


def _cases_within(scope: Scope, spec_changes: bool) -> Any:
    """engine.cases' visibility condition (a case of a customer within `scope`, or whose step
    names a department within it; with `spec_changes` also a case about no customer) without
    a join: the scope's customers as a set of ids, which both backends read from
    ix_customers_department alone, instead of a lookup of each open case's customer row."""
    if not scope:
        return _visible(scope, spec_changes=spec_changes)
    departments = sorted(scope)
    of_scope = sa_select(col(Customer.id)).where(col(Customer.department).in_(departments))
    of_customer = and_(
        col(Case.customer_id).is_not(None),
        or_(col(Case.customer_id).in_(of_scope), col(Case.assigned_department).in_(departments)),
    )
    if not spec_changes:
        return of_customer
    return or_(of_customer, col(Case.customer_id).is_(None))


def _titles(session: Session, key: str, version: int, step: str, language: str) -> tuple[str, str]:
    """The workflow's label and the step's title in `language` (its newest version open)."""
    try:
        loaded = specs.load_workflow(session, key, version)
    except NotFoundError:
        return key, step
    label = loaded.meta.get("label") or {}
    title = str(label.get(language) or label.get("en") or key)
    return title, loaded.value.step_title(step, language)


def _holds(session: Session, *, scope: Scope) -> HoldsWaiting:
    query = sa_select(
        func.count(), func.sum(col(CreditCheck.amount_base)), func.min(col(CreditCheck.created_at))
    ).join(Customer, col(Customer.id) == col(CreditCheck.customer_id))
    query = _within(query.where(col(CreditCheck.status) == CreditCheckStatus.HELD), scope)
    orders, amount, oldest = session.execute(query).one()
    return HoldsWaiting(int(orders), _money(Decimal(amount or 0)), oldest)


def _riskiest(session: Session, *, scope: Scope) -> tuple[RiskyCustomer, ...]:
    query = (
        sa_select(
            col(Customer.external_ref),
            col(Customer.name),
            col(Customer.department),
            col(Customer.score),
            col(Customer.tier),
        )
        .where(col(Customer.score).is_not(None))
        .order_by(col(Customer.score).desc(), col(Customer.id))
        .limit(RISKIEST_SHOWN)
    )
    return tuple(
        RiskyCustomer(ref, name, department, number(score) or 0, tier)
        for ref, name, department, score, tier in session.execute(_within(query, scope))
    )


def _last_rescore(session: Session, *, every_department: bool) -> LastRescore | None:
    found = rescoring.list_rescores(session, limit=1).items
    if not found:
        return None
    job = found[0]
    return LastRescore(
        id=job.id,
        status=job.status,
        as_of=job.as_of,
        reason=job.reason,
        created_at=job.created_at,
        finished_at=job.finished_at,
        done=job.done if every_department else None,
        total=job.total if every_department else None,
        changed=job.changed if every_department else None,
    )


__all__ = ["EXPOSURE_FIELD", "Dashboard", "dashboard"]
