"""Field freshness (issue 11): every stored value keeps when it last changed and from which source,
and a rule reading `updated(FIELD)` scores differently once time has passed."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import func, select

from engine.customers import CustomerInput, upsert_customer
from engine.db import Database
from engine.evaluation import assess_customer
from engine.freshness import FieldFreshness, Source
from engine.models import Customer
from engine.rescore_bulk import rescore_range
from engine.templates import import_template
from engine.views import CustomerUpserted, CustomerView
from tests.conftest import MECHANICS_TEMPLATE
from tests.engine.conftest import HEALTHY, NOW, TERMS

MONTH_LATER = NOW + timedelta(days=31)

# the rule of docs/rules-language.md ("Freshness"): overdue data older than 30 days counts as
# missing, and a customer without recent payment data is riskier
STALE_RULE = """
rule stale_overdue_data "Overdue data older than 30 days"
  when updated(max_overdue_days) is missing or updated(max_overdue_days) < today() - 30 days
  then add 40
"""


def write(
    database: Database,
    ref: str,
    data: dict[str, Any],
    *,
    now: datetime = NOW,
    source: str = Source.API,
    is_partial: bool = False,
) -> CustomerUpserted:
    payload = CustomerInput(
        department="east",
        data=data,
        terms=TERMS if not is_partial else None,
        source=source,
        is_partial=is_partial,
    )
    with database.transaction() as session:
        return upsert_customer(session, ref, payload, actor="api", now=now, tz=UTC)


@pytest.fixture
def stale_rules(database: Database, tmp_path: Path) -> Database:
    """The mechanics template with STALE_RULE added to its ruleset, imported at NOW."""
    bundle = tmp_path / "stale"
    shutil.copytree(MECHANICS_TEMPLATE, bundle)
    rules = bundle / "rules" / "credit.rules"
    text = rules.read_text(encoding="utf-8")
    rules.write_text(text.replace("\ntiers\n", STALE_RULE + "\ntiers\n"), encoding="utf-8")
    manifest = bundle / "template.yaml"
    # the bundle's own cases expect the points without the rule
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace("tests: [tests/cases.yaml]\n", ""),
        encoding="utf-8",
    )
    shutil.rmtree(bundle / "tests")
    with database.transaction() as session:
        import_template(session, bundle, actor="admin", now=NOW, base_currency="CNY")
    return database


def test_every_field_written_is_stamped_with_its_time_and_source(workspace: Database) -> None:
    created = write(workspace, "C1", HEALTHY, source=Source.IMPORT).customer
    assert set(created.freshness) == set(created.data)
    assert created.freshness["max_overdue_days"] == FieldFreshness(NOW, "import")


def test_only_a_changed_value_moves_its_stamp(workspace: Database) -> None:
    write(workspace, "C1", HEALTHY, source=Source.IMPORT)
    later = NOW + timedelta(days=3)
    again = write(workspace, "C1", {**HEALTHY, "max_overdue_days": 12}, now=later).customer
    assert again.freshness["max_overdue_days"] == FieldFreshness(later, "api")
    # sent again with the same value: the old stamp stays
    assert again.freshness["industry"] == FieldFreshness(NOW, "import")
    patched = write(
        workspace,
        "C1",
        {"max_overdue_days": 12, "industry": "retail"},
        now=later + timedelta(days=1),
        source=Source.CONNECTOR,
        is_partial=True,
    ).customer
    assert patched.freshness["max_overdue_days"] == FieldFreshness(later, "api")
    assert patched.freshness["industry"] == FieldFreshness(later + timedelta(days=1), "connector")


def test_a_customer_stored_before_freshness_has_fields_of_unknown_age(
    workspace: Database,
) -> None:
    write(workspace, "C1", HEALTHY)
    with workspace.transaction() as session:
        session.exec(update(Customer).values(freshness=None))
    unchanged = write(workspace, "C1", HEALTHY, now=NOW + timedelta(days=1)).customer
    assert unchanged.freshness == {}
    changed = write(
        workspace, "C1", {**HEALTHY, "max_overdue_days": 3}, now=NOW + timedelta(days=2)
    ).customer
    assert changed.freshness == {"max_overdue_days": FieldFreshness(NOW + timedelta(days=2), "api")}


def _rescored(database: Database, now: datetime) -> CustomerView:
    from engine.customers import customer_view

    with database.transaction() as session:
        customer = session.exec(select(Customer)).one()
        assessed = assess_customer(session, customer, actor="rescorer", now=now, tz=UTC)
        return customer_view(session, customer, latest=assessed.latest)


def test_a_rule_on_updated_scores_once_the_data_grows_old(stale_rules: Database) -> None:
    fresh = write(stale_rules, "C1", HEALTHY).customer
    assert fresh.assessment is not None
    assert "stale_overdue_data" not in _fired(fresh)
    # a month later, nothing sent: the same data is now too old
    old = _rescored(stale_rules, MONTH_LATER)
    assert "stale_overdue_data" in _fired(old)
    assert old.score == (fresh.score or 0) + 40
    # the same value sent again does not make it fresh
    resent = write(stale_rules, "C1", HEALTHY, now=MONTH_LATER).customer
    assert "stale_overdue_data" in _fired(resent)
    # a new value does
    renewed = write(
        stale_rules, "C1", {"max_overdue_days": 1}, now=MONTH_LATER, is_partial=True
    ).customer
    assert "stale_overdue_data" not in _fired(renewed)


def test_the_bulk_rescore_reads_freshness_as_a_single_update_does(
    stale_rules: Database,
) -> None:
    write(stale_rules, "C1", HEALTHY)
    with stale_rules.transaction() as session:
        first, last = session.exec(select(func.min(Customer.id), func.max(Customer.id))).one()
        assert first is not None and last is not None
        outcome = rescore_range(
            session,
            first_id=first,
            last_id=last,
            as_of=MONTH_LATER.date(),
            actor="rescorer",
            now=MONTH_LATER,
            tz=UTC,
        )
    assert outcome.changed == 1
    with stale_rules.transaction() as session:
        customer = session.exec(select(Customer)).one()
        assert customer.tier == "medium"


def _fired(view: CustomerView) -> list[str]:
    assert view.assessment is not None
    return [f["id"] for f in view.assessment.result["fired"]]


def test_freshness_dates_are_read_in_the_workspace_zone(stale_rules: Database) -> None:
    from zoneinfo import ZoneInfo

    from engine.evaluation import customer_record

    late = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)  # the 29th in Shanghai
    write(stale_rules, "C1", HEALTHY, now=late)
    with stale_rules.transaction() as session:
        customer = session.exec(select(Customer)).one()
        shanghai = customer_record(session, customer, tz=ZoneInfo("Asia/Shanghai"))
        utc = customer_record(session, customer, tz=UTC)
    import dsl

    assert shanghai[dsl.FRESHNESS_KEY]["industry"] == (datetime(2026, 11, 29).date(), "api")
    assert utc[dsl.FRESHNESS_KEY]["industry"] == (datetime(2026, 11, 28).date(), "api")
