"""Event kinds are forms: payloads are checked against the form keyed like the kind, rulesets are
compiled against every event form (the same way in the bundle check and when loaded), and rules on
events score over their time windows as `now` moves on."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import dsl
import forms
from engine import specs
from engine.bundle import check_path, load_bundle
from engine.db import Database
from engine.errors import DataValidationError
from engine.events import EventInput, record_event
from engine.portfolio import generate_customers, generate_events
from engine.views import CustomerView, EventRecorded
from tests.conftest import EXAMPLE_TEMPLATE
from tests.engine.conftest import NOW, upsert

# Complete payment data, so that only the event rules move the score.
STEADY: dict[str, Any] = {
    "name": "Suzhou Precision Parts Co.",
    "industry": "manufacturing",
    "max_overdue_days": 0,
    "avg_days_to_pay": 60,
    "lawsuit_count_12m": 0,
}
TERMS = {"credit_limit": 5_000_000, "payment_terms_days": 60}


def _record(
    database: Database, kind: str, occurred_at: datetime | str, payload: dict[str, Any]
) -> EventRecorded:
    with database.transaction() as session:
        return record_event(
            session,
            "C001",
            EventInput(kind=kind, occurred_at=occurred_at, payload=payload),
            actor="api",
            now=NOW,
            tz=UTC,
        )


def _fired(customer: CustomerView) -> set[str]:
    assert customer.assessment is not None
    return {f["id"] for f in customer.assessment.result["fired"]}


def _rescore(database: Database, now: datetime) -> CustomerView:
    """Evaluate the customer again at `now` (an unchanged upsert re-scores)."""
    return upsert(database, "C001", STEADY, terms=TERMS, now=now).customer


# --- payloads against their forms --------------------------------------------------------------


def test_a_payload_that_breaks_its_event_form_is_refused_with_paths(workspace: Database) -> None:
    upsert(workspace, "C001", STEADY, terms=TERMS)
    with pytest.raises(DataValidationError) as raised:
        _record(workspace, "overdue_invoice", "2026-11-20", {"amount": "lots", "colour": "red"})
    found = {(forms.path_text(e.path), e.code) for e in raised.value.errors}
    assert found == {
        ("payload.invoice_no", "required"),
        ("payload.amount", "wrong-type"),
        ("payload.colour", "unknown-field"),
    }


def test_a_valid_payload_is_stored_with_its_form_defaults(workspace: Database) -> None:
    upsert(workspace, "C001", STEADY, terms=TERMS)
    recorded = _record(workspace, "lawsuit", "2026-11-20", {"court": "杭州市中级人民法院"})
    assert recorded.event.payload == {
        "court": "杭州市中级人民法院",
        "role": "defendant",
        "status": "filed",
    }


def test_an_event_of_a_kind_without_a_form_is_refused(workspace: Database) -> None:
    # the template declares event forms, so a kind it does not declare is a mistake (issue #8)
    upsert(workspace, "C001", STEADY, terms=TERMS)
    with pytest.raises(DataValidationError) as raised:
        _record(workspace, "site_visit", "2026-11-20", {"anything": [1, 2]})
    assert [(forms.path_text(e.path), e.code) for e in raised.value.errors] == [
        ("kind", "unknown-kind")
    ]


def test_generated_events_are_valid_for_the_example_event_forms() -> None:
    bundle = load_bundle(EXAMPLE_TEMPLATE)
    kinds: set[str] = set()
    for record in generate_customers(300, seed=3):
        for event in generate_events(record, seed=3, as_of=date(2026, 11, 28)):
            form = bundle.forms[event["kind"]].value
            assert forms.validate(form, event["payload"]) == (), (record["external_ref"], event)
            kinds.add(event["kind"])
    assert kinds == {"lawsuit", "overdue_invoice", "payment"}


# --- rules on events, over time ------------------------------------------------------------------


def test_three_lawsuits_within_a_year_add_points_until_the_first_is_a_year_old(
    workspace: Database,
) -> None:
    upsert(workspace, "C001", STEADY, terms=TERMS)
    first = NOW - timedelta(days=300)
    _record(workspace, "lawsuit", first, {"amount": 200_000})
    _record(workspace, "lawsuit", NOW - timedelta(days=100), {})
    assert "lawsuits" not in _fired(_rescore(workspace, NOW))
    third = _record(workspace, "lawsuit", NOW - timedelta(days=2), {"status": "in_trial"})
    assert "lawsuits" in _fired(third.customer)
    assert third.customer.score == 20

    # rules-language §3: an event counts while as_of − 365 days ≤ its date
    assert "lawsuits" in _fired(_rescore(workspace, first + timedelta(days=365)))
    later = _rescore(workspace, first + timedelta(days=366))
    assert "lawsuits" not in _fired(later)
    assert later.score == 0


def test_more_than_a_million_cny_overdue_in_90_days_raises_an_alert(workspace: Database) -> None:
    upsert(workspace, "C001", STEADY, terms=TERMS)
    _record(workspace, "overdue_invoice", NOW - timedelta(days=80), inv("A", 600_000))
    below = _record(workspace, "overdue_invoice", NOW - timedelta(days=5), inv("B", 400_000))
    assert "overdue_amount" not in _fired(below.customer)  # exactly 1 million is not more

    above = _record(workspace, "overdue_invoice", NOW - timedelta(days=1), inv("C", 1))
    assert "overdue_amount" in _fired(above.customer)
    assert [a.message for a in above.customer.open_alerts] == [
        "1000001 CNY of invoices fell overdue in 90 days"
    ]
    # ten days on, invoice A is more than 90 days old and leaves the window
    assert "overdue_amount" not in _fired(_rescore(workspace, NOW + timedelta(days=11)))


def inv(number: str, amount: int) -> dict[str, Any]:
    return {"invoice_no": f"INV-{number}", "amount": amount}


# --- one schema construction: the bundle check and the published ruleset -------------------------


def test_the_published_ruleset_is_compiled_like_the_checked_one(workspace: Database) -> None:
    checked = load_bundle(EXAMPLE_TEMPLATE).rulesets["credit"].value
    with workspace.transaction() as session:
        loaded = specs.load_ruleset(session, "credit").value
    assert loaded.base_currency == checked.base_currency == "CNY"
    case = next(c for c in load_bundle(EXAMPLE_TEMPLATE).cases if c.events)
    assert loaded.evaluate(case.record, events=case.events, as_of=case.as_of) == checked.evaluate(
        case.record, events=case.events, as_of=case.as_of
    )


def _copy_example(tmp_path: Path) -> Path:
    target = tmp_path / "bundle"
    shutil.copytree(EXAMPLE_TEMPLATE, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def _rendered(path: Path) -> str:
    result = check_path(path)
    return dsl.render_all(result.diagnostics, result.sources)


def test_a_rule_on_an_event_field_its_form_lacks_is_reported(tmp_path: Path) -> None:
    bundle = _copy_example(tmp_path)
    _edit(
        bundle / "rules/credit.rules",
        "sum(overdue_invoice.amount within 90 days)",
        "sum(overdue_invoice.amout within 90 days)",
    )
    assert _rendered(bundle) == (
        "rules/credit.rules:82:44: error: unknown field 'amout' of event kind 'overdue_invoice'; "
        "did you mean 'amount'?\n"
        "   82 | let recently_overdue = sum(overdue_invoice.amout within 90 days)\n"
        "      |                                            ^^^^^"
    )


def test_without_its_event_form_a_rule_on_the_kind_is_reported(tmp_path: Path) -> None:
    bundle = _copy_example(tmp_path)
    _edit(bundle / "template.yaml", " forms/lawsuit.yaml,", "")
    rendered = _rendered(bundle)
    assert "rules/credit.rules:40:40: error: unknown event kind 'lawsuit'" in rendered
    assert "tests/cases.yaml:" in rendered and "no event form of the bundle defines" in rendered


def test_a_case_event_that_breaks_its_form_is_reported_at_its_payload(tmp_path: Path) -> None:
    bundle = _copy_example(tmp_path)
    _edit(
        bundle / "tests/cases.yaml",
        "payload: {invoice_no: INV-1, amount: 1000000}",
        "payload: {amount: -5}",
    )
    assert _rendered(bundle) == (
        "tests/cases.yaml:150:65: error: event 1 of case 'exactly 1 million CNY overdue in 90 "
        "days is not more than 1 million': required field 'invoice_no' is missing\n"
        "  150 |     - {kind: overdue_invoice, occurred_at: 2025-10-03, payload: {amount: -5}}\n"
        "      |                                                                 ^^^^^^^^^^^^\n"
        "tests/cases.yaml:150:74: error: event 1 of case 'exactly 1 million CNY overdue in 90 "
        "days is not more than 1 million': Amount overdue must be at least 0\n"
        "  150 |     - {kind: overdue_invoice, occurred_at: 2025-10-03, payload: {amount: -5}}\n"
        "      |                                                                          ^^"
    )


def test_a_case_event_of_an_unknown_kind_suggests_the_nearest(tmp_path: Path) -> None:
    bundle = _copy_example(tmp_path)
    _edit(
        bundle / "tests/cases.yaml",
        "- {kind: lawsuit, occurred_at: 2024-12-31",
        "- {kind: lawsiut, occurred_at: 2024-12-31",
    )
    assert _rendered(bundle) == (
        "tests/cases.yaml:131:14: error: event 1 of case 'a lawsuit filed more than a year ago "
        "no longer counts' is of the kind 'lawsiut', which no event form of the bundle defines; "
        "did you mean 'lawsuit'?\n"
        "  131 |     - {kind: lawsiut, occurred_at: 2024-12-31, payload: {amount: 300000}}\n"
        "      |              ^^^^^^^"
    )
