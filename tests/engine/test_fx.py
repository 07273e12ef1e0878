"""Exchange rates: the rate in force on a date, audited changes, and money in another currency in
evaluation (a missing rate makes the value missing and the result names the currency)."""

from __future__ import annotations

import shutil
from datetime import UTC, date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

import dsl
from engine import audit
from engine.db import Database
from engine.errors import InvalidRequestError
from engine.fx import list_rates, rate_lookup, set_rate
from engine.models import AuditEntry, FxRate
from engine.templates import import_template
from tests.conftest import EXAMPLE_TEMPLATE
from tests.engine.conftest import NOW, upsert


def _set(database: Database, currency: str, rate: Any, valid_from: date, **extra: Any) -> Any:
    with database.transaction() as session:
        return set_rate(
            session, currency, rate, valid_from=valid_from, actor="ada", now=NOW, **extra
        )


def _audit(database: Database) -> list[AuditEntry]:
    with database.transaction() as session:
        return list(
            session.exec(
                select(AuditEntry)
                .where(AuditEntry.action == "fx_rate.set")
                .order_by(col(AuditEntry.id))
            )
        )


# --- the rate in force ---------------------------------------------------------------------------


def test_the_rate_in_force_is_the_latest_starting_on_or_before_the_date(
    workspace: Database,
) -> None:
    _set(workspace, "USD", "7.1", date(2026, 1, 1))
    _set(workspace, "USD", Decimal("7.2345"), date(2026, 6, 1))
    _set(workspace, "JPY", 0.047, date(2026, 3, 1))
    with workspace.transaction() as session:
        lookup = rate_lookup(session)
        assert lookup("USD", date(2025, 12, 31)) is None
        assert lookup("USD", date(2026, 1, 1)) == Decimal("7.1")
        assert lookup("USD", date(2026, 5, 31)) == Decimal("7.1")
        assert lookup("USD", date(2026, 6, 1)) == Decimal("7.2345")
        assert lookup("USD", date(2030, 1, 1)) == Decimal("7.2345")
        assert lookup("JPY", date(2026, 3, 1)) == Decimal("0.047")
        assert lookup("EUR", date(2026, 6, 1)) is None
        assert lookup("CNY", date(1990, 1, 1)) == 1  # the base currency, never stored


def test_a_lookup_reads_each_currency_once_and_sees_no_later_writes(workspace: Database) -> None:
    _set(workspace, "USD", "7.1", date(2026, 1, 1))
    with workspace.transaction() as session:
        lookup = rate_lookup(session)
        assert lookup("USD", date(2026, 2, 1)) == Decimal("7.1")
        set_rate(session, "USD", "7.3", valid_from=date(2026, 2, 1), actor="ada", now=NOW)
        assert lookup("USD", date(2026, 2, 1)) == Decimal("7.1")  # cached for this lookup
        assert rate_lookup(session)("USD", date(2026, 2, 1)) == Decimal("7.3")  # a new one reads


def test_list_rates_by_currency_newest_first(workspace: Database) -> None:
    _set(workspace, "USD", "7.1", date(2026, 1, 1), source="PBOC")
    _set(workspace, "USD", "7.2", date(2026, 6, 1))
    _set(workspace, "EUR", "7.8", date(2026, 1, 1))
    with workspace.transaction() as session:
        rates = list_rates(session)
        only_usd = list_rates(session, currency="USD")
    assert [(r.currency, r.rate, r.valid_from, r.source) for r in rates] == [
        ("EUR", Decimal("7.8"), date(2026, 1, 1), "manual"),
        ("USD", Decimal("7.2"), date(2026, 6, 1), "manual"),
        ("USD", Decimal("7.1"), date(2026, 1, 1), "PBOC"),
    ]
    assert only_usd == rates[1:]


# --- setting rates -----------------------------------------------------------------------------


def test_setting_a_rate_is_audited_and_replacing_it_records_the_previous(
    workspace: Database,
) -> None:
    first = _set(workspace, "USD", "7.1", date(2026, 1, 1))
    assert (first.created, first.changed, first.rate.rate) == (True, True, Decimal("7.1"))
    again = _set(workspace, "USD", 7.1, date(2026, 1, 1))
    assert (again.created, again.changed) == (False, False)
    replaced = _set(workspace, "USD", "7.15", date(2026, 1, 1))
    assert (replaced.created, replaced.changed, replaced.previous) == (
        False,
        True,
        Decimal("7.1"),
    )

    entries = _audit(workspace)
    assert [(e.actor, e.entity_kind, e.entity_id, e.detail) for e in entries] == [
        (
            "ada",
            "fx_rate",
            "USD",
            {
                "currency": "USD",
                "valid_from": "2026-01-01",
                "rate": "7.1",
                "previous_rate": None,
                "source": "manual",
            },
        ),
        (
            "ada",
            "fx_rate",
            "USD",
            {
                "currency": "USD",
                "valid_from": "2026-01-01",
                "rate": "7.15",
                "previous_rate": "7.1",
                "source": "manual",
            },
        ),
    ]
    with workspace.transaction() as session:
        assert audit.verify_chain(session) is None
        stored = session.exec(select(FxRate)).all()
    assert [(r.currency, r.rate_to_base, r.valid_from) for r in stored] == [
        ("USD", Decimal("7.15"), date(2026, 1, 1))
    ]


@pytest.mark.parametrize(
    ("currency", "rate", "message"),
    [
        ("usd", "7.1", "'usd' is not a currency code: write three capital letters, such as USD"),
        ("USDT", "7.1", "'USDT' is not a currency code"),
        ("USD", "0", "the rate must be a positive number below 10^12; found 0"),
        ("USD", -7, "the rate must be a positive number below 10^12; found -7"),
        ("USD", "seven", "the rate must be a positive number; found 'seven'"),
        ("USD", "NaN", "the rate must be a positive number below 10^12; found NaN"),
        ("USD", True, "the rate must be a positive number; found True"),
        ("USD", "0.0000000000001", "the rate 0.0000000000001 has more than 12 decimals"),
        ("CNY", "1", "CNY is the base currency: its rate is always 1"),
    ],
)
def test_bad_rates_are_refused_and_nothing_is_written(
    workspace: Database, currency: str, rate: Any, message: str
) -> None:
    with pytest.raises(InvalidRequestError, match="^" + message.replace("^", r"\^")):
        _set(workspace, currency, rate, date(2026, 1, 1))
    assert _audit(workspace) == []


# --- money in evaluation -----------------------------------------------------------------------

RULES = """\
ruleset exposure
rule large_exposure "Exposure above 1 million CNY"
  when exposure > 1 million CNY
  then add 10
rule large_in_usd "Balance above 100,000 USD"
  when balance > 100_000 USD
  then add 5
tiers
  high when score >= 10
  low otherwise
"""


def test_money_in_another_currency_uses_the_rate_in_force_or_is_missing(
    workspace: Database,
) -> None:
    ruleset = dsl.compile_ruleset(RULES, filename="exposure.rules", base_currency="CNY")
    record = {"exposure": {"amount": 200_000, "currency": "USD"}, "balance": 800_000}
    _set(workspace, "USD", "7.1", date(2026, 1, 1))
    with workspace.transaction() as session:
        before = ruleset.evaluate(record, as_of=date(2025, 12, 31), fx=rate_lookup(session))
        after = ruleset.evaluate(record, as_of=date(2026, 1, 1), fx=rate_lookup(session))
    # no USD rate on 2025-12-31: both USD values are missing, so neither rule fires
    assert (before.score, [f.id for f in before.fired], before.missing_rates) == (0, [], ("USD",))
    assert before.to_dict()["missing_rates"] == ["USD"]
    # 200,000 USD = 1,420,000 CNY; 100,000 USD = 710,000 CNY < 800,000 CNY
    assert [f.id for f in after.fired] == ["large_exposure", "large_in_usd"]
    assert after.missing_rates == ()


def test_assessments_convert_money_with_the_rates_stored_for_their_date(
    database: Database, tmp_path: Path
) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(EXAMPLE_TEMPLATE, bundle)
    rules = bundle / "rules/credit.rules"
    rules.write_text(
        rules.read_text(encoding="utf-8").replace(
            "# --- mitigants",
            'rule usd_balance "Balance above 100,000 USD"\n'
            "  when outstanding_balance > 100_000 USD\n"
            "  then add 7\n\n"
            "# --- mitigants",
        ),
        encoding="utf-8",
    )
    with database.transaction() as session:
        import_template(session, bundle, actor="admin", now=NOW, base_currency="CNY")
    data = {
        "name": "Ningbo Moulds Co.",
        "industry": "manufacturing",
        "max_overdue_days": 0,
        "avg_days_to_pay": 60,
        "outstanding_balance": 800_000,
    }
    terms = {"credit_limit": 5_000_000, "payment_terms_days": 60}

    without = upsert(database, "C001", data, terms=terms).customer.assessment
    assert without is not None
    assert (without.score, without.result["missing_rates"]) == (0, ["USD"])

    _set(database, "USD", "7.1", NOW.date() + timedelta(days=1))
    still = upsert(database, "C001", data, terms=terms).customer.assessment
    assert still is not None and still.result["missing_rates"] == ["USD"]  # not in force yet

    later = NOW + timedelta(days=1)
    with_rate = upsert(database, "C001", data, terms=terms, now=later).customer.assessment
    assert with_rate is not None
    assert (with_rate.score, with_rate.result["missing_rates"]) == (7, [])
    assert [f["id"] for f in with_rate.result["fired"]] == ["usd_balance"]
    assert with_rate.as_of == later.astimezone(UTC).date()


def test_a_money_field_stored_in_another_currency_is_converted_when_scored(
    database: Database, tmp_path: Path
) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(EXAMPLE_TEMPLATE, bundle)
    rules = bundle / "rules/credit.rules"
    rules.write_text(
        rules.read_text(encoding="utf-8").replace(
            "# --- mitigants",
            'rule big_balance "Balance above 1,000,000 CNY"\n'
            "  when outstanding_balance > 1_000_000\n"
            "  then add 7\n\n"
            "# --- mitigants",
        ),
        encoding="utf-8",
    )
    with database.transaction() as session:
        import_template(session, bundle, actor="admin", now=NOW, base_currency="CNY")
    data = {
        "name": "Ningbo Moulds Co.",
        "industry": "manufacturing",
        "max_overdue_days": 0,
        "avg_days_to_pay": 60,
        "outstanding_balance": {"currency": "USD", "amount": 150_000.0},
    }
    terms = {"credit_limit": 5_000_000, "payment_terms_days": 60}

    without = upsert(database, "C001", data, terms=terms).customer
    # stored as sent, in one shape; no USD rate yet: the balance is missing to the rules
    assert without.data["outstanding_balance"] == {"amount": 150_000, "currency": "USD"}
    assert without.assessment is not None
    assert without.assessment.result["missing_rates"] == ["USD"]
    assert "big_balance" not in [f["id"] for f in without.assessment.result["fired"]]

    _set(database, "USD", "7.1", NOW.date())
    scored = upsert(database, "C001", {**data, "avg_days_to_pay": 61}, terms=terms).customer
    assert scored.assessment is not None
    # 150,000 USD = 1,065,000 CNY
    assert "big_balance" in [f["id"] for f in scored.assessment.result["fired"]]
    assert scored.assessment.result["missing_rates"] == []
