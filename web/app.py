"""The FastAPI application: REST API, pages and static files over one database.

`create_app` is called at startup with settings built then (never at import), so tests pass their
own settings and database. The timer scheduler runs only when asked (`serve`, `demo`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.types import ASGIApp

import dsl
from engine import clock
from engine.db import Database
from engine.keys import KeysError
from engine.settings import Settings, instance_keys
from web import (
    api,
    pages,
    pages_account,
    pages_admin,
    pages_alerts,
    pages_calendars,
    pages_cases,
    pages_customer_edit,
    pages_customers,
    pages_dashboard,
    pages_form_builder,
    pages_forms,
    pages_imports,
    pages_notifications,
    pages_rules,
    pages_rules_publish,
    pages_rules_sim,
    pages_workflows,
)
from web.api_docs import install_api_docs
from web.errors import install_error_handlers
from web.i18n import install_translations
from web.middleware import harden
from web.rules_views import migration_matrix

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
VERSION = "0.1.0"


def make_templates(settings: Settings) -> Jinja2Templates:
    """The page templates (autoescaped), with filters that show times in the workspace zone and
    the i18n extension translating into each render's `page_language` (web.i18n)."""
    templates = Jinja2Templates(directory=str(TEMPLATES))
    tz = settings.tz

    def localtime(value: datetime | None) -> str:
        if value is None:
            return ""
        return clock.as_utc(value).astimezone(tz).strftime("%Y-%m-%d %H:%M")

    def day(value: date | None) -> str:
        return value.isoformat() if value is not None else ""

    def localday(value: datetime | None) -> str:
        if value is None:
            return ""
        return clock.as_utc(value).astimezone(tz).date().isoformat()

    def amount(value: Any) -> str:
        if value is None:
            return ""
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"

    def percent(value: Any) -> str:
        return "" if value is None else f"{float(value) * 100:g}%"

    env = templates.env
    install_translations(env)
    env.filters.update(
        localtime=localtime, localday=localday, day=day, amount=amount, percent=percent
    )
    # a simulation's result as a table (web/templates/rules_impact.html)
    env.filters["migration_matrix"] = migration_matrix
    # a tier in the page's language (the usual three in Chinese words): `tier | tier_label(lang)`
    env.filters["tier_label"] = lambda tier, language: dsl.tier_title(str(tier), language)
    env.globals.update(
        timezone=settings.timezone,
        has_htmx=(STATIC / "htmx.min.js").is_file(),
        version=VERSION,
    )
    return templates


class RiskdeskApp(FastAPI):
    """FastAPI with riskdesk's request limits and security headers around its whole middleware
    stack (web.middleware), outside even the server-error handler."""

    def build_middleware_stack(self) -> ASGIApp:
        return harden(super().build_middleware_stack())


def create_app(
    settings: Settings, *, database: Database | None = None, start_scheduler: bool = False
) -> FastAPI:
    """The application over `database` (default: one on `settings.database_url`, with the
    instance's keys, generated on first start).

    With `start_scheduler`, the lifespan runs the timer sweep on a background clock. Raises
    KeysError when the keys file is malformed.
    """
    owns_database = database is None
    db = (
        database
        if database is not None
        else Database(settings.database_url, keys=instance_keys(settings, create=True))
    )
    if db.keys is None:
        raise KeysError("the application needs a database opened with the instance's keys")

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        scheduler = None
        if start_scheduler:
            from engine.scheduler import start_scheduler as start

            scheduler = start(db, settings)
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            if owns_database:
                db.dispose()

    app = RiskdeskApp(
        title="riskdesk",
        version=VERSION,
        summary="Customer credit-risk engine: customers, events, assessments, cases.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # web.api_docs serves it, without a CDN
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.database = db
    app.state.keys = db.keys
    templates = make_templates(settings)
    app.state.templates = templates
    install_error_handlers(app, templates)
    app.include_router(api.router)
    app.include_router(pages_dashboard.router)
    app.include_router(pages_customers.router)
    app.include_router(pages.router)
    app.include_router(pages_cases.router)
    app.include_router(pages_customer_edit.router)
    app.include_router(pages_form_builder.router)
    app.include_router(pages_imports.router)
    app.include_router(pages_account.router)
    app.include_router(pages_admin.router)
    app.include_router(pages_calendars.router)
    app.include_router(pages_notifications.router)
    app.include_router(pages_alerts.router)
    app.include_router(pages_rules.router)
    app.include_router(pages_rules_sim.router)
    app.include_router(pages_rules_publish.router)
    app.include_router(pages_workflows.router)
    app.include_router(pages_forms.router)
    install_api_docs(app)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    return app
