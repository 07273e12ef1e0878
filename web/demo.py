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

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

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
    return accounts
