"""The demo workspace: the example template, its sample data, one user per role, a synthetic
portfolio.

Everything goes through the engine services, as an integrator's calls would: the template's
sample customers through the bulk import (`riskdesk import-data`'s path, engine.imports), the
synthetic portfolio as single upserts; a customer upsert scores the customer and opens the cases
its tier calls for, events re-score it.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlmodel import col, select

from engine.access import ADMIN_ROLE
from engine.bundle import load_bundle
from engine.customers import CustomerInput, upsert_customer
from engine.db import Database
from engine.errors import N_
from engine.events import EventInput, record_event
from engine.settings import Settings
from engine.templates import import_template
from engine.tokens import create_token
from engine.users import add_user
from forms import read_table

DEMO_ACTOR = "demo"
DEMO_SEED = 20261128
DEMO_TOKEN_LIFETIME = timedelta(days=30)
# the first customers of the portfolio get a year of monthly updates (engine.portfolio)
HISTORY_CUSTOMERS = 100
MONTH_DAYS = 30
RECENT_DAYS = 4  # the last month's update: a case it opened is just past its deadline now
HOLDS = 3  # orders of high-risk customers held for a decision
ACKNOWLEDGED = 2  # warnings acknowledged by the sales manager
ACKNOWLEDGEMENT = "Called the customer's finance department: payment promised by Friday."


@dataclass(frozen=True, slots=True)
class DemoUser:
    name: str
    roles: tuple[str, ...]
    token: str


@dataclass(frozen=True, slots=True)
class DemoAccounts:
    users: tuple[DemoUser, ...]  # the admin last
    password: str  # the same for every demo user


def add_demo_users(database: Database, roles: tuple[str, ...], *, now: datetime) -> DemoAccounts:
    """One user per role, named after it and holding it, each with an API token; admin last."""
    password = secrets.token_urlsafe(9)
    names = [r for r in dict.fromkeys(roles) if r != ADMIN_ROLE] + [ADMIN_ROLE]
    users: list[DemoUser] = []
    with database.transaction() as session:
        for role in names:
            add_user(session, role, roles=(role,), password=password, actor=DEMO_ACTOR, now=now)
            token = create_token(
                session, role, name="demo", lifetime=DEMO_TOKEN_LIFETIME, actor=DEMO_ACTOR, now=now
            ).secret
            users.append(DemoUser(role, (role,), token))
    return DemoAccounts(users=tuple(users), password=password)


def load_portfolio(
    database: Database, settings: Settings, *, customers: int, now: datetime, console: Console
) -> None:
    """Generate `customers` synthetic customers with their events and push them through the
    engine services, one transaction per customer, with a progress bar."""
    from engine import portfolio

    records = list(portfolio.generate_customers(customers, seed=DEMO_SEED))
    columns = (
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    events = 0
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("Customers", total=len(records))
        _replay_year(database, settings, records[:HISTORY_CUSTOMERS], now=now, progress=progress)
        for record in records:
            parts = portfolio.upsert_parts(record)
            with database.transaction() as session:
                upsert_customer(
                    session,
                    parts.ref,
                    CustomerInput(
                        name=parts.name,
                        department=parts.department,
                        data=parts.data,
                        terms=parts.terms,
                    ),
                    actor=DEMO_ACTOR,
                    now=now,
                    tz=settings.tz,
                )
                # Its history, as an integrator would push it: each event re-scores.
                for event in portfolio.generate_events(record, seed=DEMO_SEED, as_of=now.date()):
                    record_event(
                        session,
                        parts.ref,
                        EventInput(
                            kind=event["kind"],
                            occurred_at=event["occurred_at"],
                            payload=event["payload"],
                            source="demo",
                        ),
                        actor=DEMO_ACTOR,
                        now=now,
                        tz=settings.tz,
                    )
                    events += 1
            progress.advance(task)
    console.print(f"Loaded {len(records)} customers and {events} events.")


def _replay_year(
    database: Database,
    settings: Settings,
    records: list[dict[str, Any]],
    *,
    now: datetime,
    progress: Progress,
) -> None:
    """The customers' past year (engine.portfolio.past_states), month by month, as an
    integrator's monthly sync would have sent it: each customer updated at that month's time
    (assessed then, the cases its tier called for opened then), then the timers due by then
    fired, as the server's sweep would have (cases escalated, orders held). The last month is
    replayed a few days ago, so some cases are just past their deadline now."""
    from engine import portfolio
    from engine.timers import sweep

    task = progress.add_task("History", total=portfolio.HISTORY_MONTHS)
    history = [
        (portfolio.upsert_parts(r), portfolio.past_states(r, seed=DEMO_SEED)) for r in records
    ]
    for month in range(portfolio.HISTORY_MONTHS):
        for parts, states in history:
            months_ago, data = states[month]
            then = now - (
                timedelta(days=RECENT_DAYS)
                if months_ago == 1
                else timedelta(days=MONTH_DAYS * months_ago)
            )
            with database.transaction() as session:
                upsert_customer(
                    session, parts.ref,
                    CustomerInput(name=parts.name, department=parts.department, data=data,
                                  terms=parts.terms),
                    actor=DEMO_ACTOR, now=then, tz=settings.tz,
                )  # fmt: skip
        sweep(database, now=then, worker="demo", tz=settings.tz)
        progress.advance(task)


def bring_to_life(
    database: Database, settings: Settings, *, now: datetime, console: Console
) -> None:
    """What makes the demo's first morning look like a real one: the timers due by now fired
    (cases past their deadline escalated), a few orders of high-risk customers held for a
    decision, and a few alerts acknowledged with what is done about them."""
    from engine.alerts import acknowledge, list_alerts
    from engine.credit_checks import check_order
    from engine.errors import EngineError
    from engine.models import Customer
    from engine.timers import sweep

    report = sweep(database, now=now, worker="demo", tz=settings.tz)
    rescored = _rescore(database, settings, now=now)
    held = 0
    with database.transaction() as session:
        risky = session.exec(
            select(Customer).where(Customer.tier == "high").order_by(col(Customer.id)).limit(HOLDS)
        ).all()
        refs = [(c.external_ref, c.credit_limit) for c in risky]
    for n, (ref, limit) in enumerate(refs, start=1):
        try:
            with database.transaction() as session:
                check = check_order(
                    session, customer=ref, order_ref=f"SO-DEMO-{n:03d}",
                    amount=max(int(limit or 0) // 2, 150_000), currency=settings.base_currency,
                    actor="sales", now=now, tz=settings.tz,
                )  # fmt: skip
                held += check.decision == "hold"
        except EngineError as exc:  # a template without credit checks: no holds to show
            console.print(f"No order checked for {ref}: {exc}")
            break
    acknowledged = 0
    with database.transaction() as session:
        found = list_alerts(session, status="open", severity="warning", limit=ACKNOWLEDGED)
        for alert in found.items:
            acknowledge(session, alert.id, comment=ACKNOWLEDGEMENT, actor="sales_manager", now=now)
            acknowledged += 1
    console.print(
        f"Fired {report.fired} timers due by now, rescored {rescored} customers, held {held} "
        f"orders, acknowledged {acknowledged} alerts."
    )


def _rescore(database: Database, settings: Settings, *, now: datetime) -> int:
    """The portfolio rescored as the nightly schedule would (the dashboard's last rescore),
    its chunks processed here; returns how many customers it read."""
    from engine import jobs
    from engine.job_kinds import HANDLERS
    from engine.rescoring import get_rescore, start_rescore

    with database.transaction() as session:
        job = start_rescore(session, actor=DEMO_ACTOR, now=now, reason="nightly", tz=settings.tz)
        job_id = job.id
    assert job_id is not None
    while jobs.run_jobs(
        database, handlers=HANDLERS, now=now, worker="demo", tz=settings.tz, job_id=job_id
    ).processed:
        pass
    with database.transaction() as session:
        return get_rescore(session, job_id).total


def load_sample_data(
    database: Database,
    settings: Settings,
    *,
    sample_data: Mapping[str, str],
    now: datetime,
    console: Console,
) -> None:
    """Import the template's sample customer files as `riskdesk import-data customers` does
    (all or nothing, one transaction per file). Raises EngineError when a file is refused."""
    from engine.errors import InvalidRequestError
    from web.cli_import import run_import, summary

    for name, source in sample_data.items():
        table = read_table(source.encode("utf-8"), filename=name)
        report = run_import(
            database,
            settings,
            kind="customers",
            table=table,
            mode="all-or-nothing",
            mapping=None,
            now=now,
            console=console,
            actor=DEMO_ACTOR,
            source="demo",
        )
        console.print(f"Imported sample {summary(report, name)}")
        if report.rejected:
            first = report.errors[0] if report.errors else None
            raise InvalidRequestError(
                N_("the template's sample data %(file)s was refused: %(problem)s"),
                file=name,
                problem=f"row {first.row}: {first.message}" if first else "rows rejected",
            )


def load_demo(
    database: Database,
    settings: Settings,
    *,
    template: Path,
    customers: int,
    now: datetime,
    console: Console,
) -> DemoAccounts:
    """Import `template`, add the demo users, load the portfolio; returns the demo accounts."""
    bundle = load_bundle(template, base_currency=settings.base_currency)
    with database.transaction() as session:
        imported = import_template(
            session,
            template,
            actor=DEMO_ACTOR,
            now=now,
            base_currency=settings.base_currency,
            timezone=settings.timezone,
        )
    console.print(f"Imported template {imported.key} {imported.template_version}.")
    load_sample_data(database, settings, sample_data=bundle.sample_data, now=now, console=console)
    accounts = add_demo_users(database, tuple(bundle.roles), now=now)
    if customers:
        load_portfolio(database, settings, customers=customers, now=now, console=console)
    bring_to_life(database, settings, now=now, console=console)
    return accounts
