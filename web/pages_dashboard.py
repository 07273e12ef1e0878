"""The dashboard at `/` (issue 12, docs/dashboard.md): the figures of engine.dashboard for the
customers in the caller's departments, its charts drawn here as inline SVG (web.svg_charts),
each beside a table of the same numbers, with links to the lists they summarise.

Any signed-in user may open it; what it counts is limited to the departments where they may
read customers (none: every figure is zero)."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

import dsl
from engine import dashboard as figures
from engine.dashboard import Dashboard
from engine.spec_changes import may_publish
from web.deps import DbDep, NowDep, PageUser, SettingsDep
from web.i18n import N_, PageLanguageDep, gettext
from web.pages import render
from web.svg_charts import Bar, Series, bar_chart, series_class, stacked_bars

router = APIRouter(include_in_schema=False)


@router.get("/")
def dashboard_page(
    request: Request,
    user: PageUser,
    database: DbDep,
    settings: SettingsDep,
    language: PageLanguageDep,
    now: NowDep,
) -> Response:
    with database.transaction() as session:
        board = figures.dashboard(
            session,
            scope=user.access.departments_for("customers:read"),
            now=now,
            tz=settings.tz,
            language=language,
            spec_changes=may_publish(user.access),
            default_currency=settings.base_currency,
        )
    context = {
        "board": board,
        "charts": charts(board, language),
        "series_class": series_class,
        "exposure_field": figures.EXPOSURE_FIELD,
    }
    return render(request, "dashboard.html", context)


def _amount(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def tier_name(tier: str | None, language: str) -> str:
    """A tier as the page names it (a customer not assessed yet has none)."""
    if tier is None:
        return gettext(language, N_("not assessed"))
    return dsl.tier_title(tier, language)


def charts(board: Dashboard, language: str) -> dict[str, Markup]:
    """The dashboard's charts by name: `customers` and `exposure` per tier, `migration` by
    month, `cases` by step."""
    say = partial(gettext, language)
    drawn = {
        "customers": bar_chart(
            [
                Bar(tier_name(t.tier, language), t.customers, f"{t.customers:,}", f"tier-{t.tier}")
                for t in board.tiers
            ],
            title=say(N_("Customers per tier")),
            chart_id="chart-customers",
        ),
        "migration": stacked_bars(
            [m.month[5:] for m in board.migration],
            [
                Series(
                    f"{tier_name(before, language)} → {tier_name(after, language)}",
                    tuple(float(m.count(before, after)) for m in board.migration),
                )
                for before, after in board.moves
            ],
            title=say(N_("Tier changes per month, last 12 months")),
            chart_id="chart-migration",
        ),
        "cases": bar_chart(
            [
                Bar(
                    s.step_title,
                    s.open,
                    say(N_("%(open)s (%(late)s past due)"), open=s.open, late=s.past_due)
                    if s.past_due
                    else str(s.open),
                    "late" if s.past_due else "",
                )
                for s in board.steps
            ],
            title=say(N_("Open cases by step")),
            chart_id="chart-cases",
            value_width=130,
        ),
    }
    if board.exposure_field is not None:
        drawn["exposure"] = bar_chart(
            [
                Bar(tier_name(t.tier, language), t.exposure, _amount(t.exposure), f"tier-{t.tier}")
                for t in board.tiers
            ],
            title=say(N_("Exposure per tier (%(currency)s)"), currency=board.base_currency),
            chart_id="chart-exposure",
            value_width=130,  # an amount in billions, "1,698,514,910", is wider than the default
        )
    return drawn
