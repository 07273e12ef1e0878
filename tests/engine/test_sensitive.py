"""Sensitive fields in the engine: sealed at rest, scored in clear, masked in views, stored
assessments, alerts and explanations, never in clear in audit rows or anywhere in the database."""

from __future__ import annotations

import shutil
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import select

from engine import crypto
from engine.access import DEFAULT_ROLE_PERMISSIONS, Access, Grant, access_of
from engine.bundle import TemplateError, load_bundle
from engine.customers import get_customer
from engine.db import Database
from engine.events import EventInput, record_event
from engine.key_rotation import reseal_batch
from engine.keys import generate_keys
from engine.models import Alert, Assessment, AuditEntry, Customer, metadata
from engine.templates import import_template
from tests.conftest import EXAMPLE_TEMPLATE, TEST_KEYS
from tests.engine.conftest import HEALTHY, NOW, RISKY, TERMS, upsert

PHONE = "+8617099887766"  # a phone field stores E.164 (docs/forms.md, "Phone numbers")
MASKED = "170****7766"
WATCH_RULE = """
rule watched_line "Contact phone on the watch list"
  when starts_with(contact_phone, "+86170")
  then add 7, alert info "Call {contact_phone} back"
"""


@pytest.fixture
def watched(database: Database, tmp_path: Path) -> Database:
    """The example template plus a rule that reads the sensitive phone and names it in an alert."""
    bundle = tmp_path / "watched"
    shutil.copytree(EXAMPLE_TEMPLATE, bundle)
    rules = bundle / "rules" / "credit.rules"
    source = rules.read_text(encoding="utf-8")
    at = source.index("\ntiers")  # rules come before the tiers block
    rules.write_text(source[:at] + WATCH_RULE + source[at:], encoding="utf-8")
    with database.transaction() as session:
        import_template(session, bundle, actor="admin", now=NOW, base_currency="CNY")
    return database


def viewer(role: str, department: str | None = None) -> Access:
    return access_of([Grant(role=role, department=department)], DEFAULT_ROLE_PERMISSIONS)


def stored(database: Database, ref: str) -> dict[str, Any]:
    with database.transaction() as session:
        row = session.exec(select(Customer).where(Customer.external_ref == ref)).one()
        return dict(row.data)


def test_a_sensitive_value_is_stored_sealed_with_its_key_id(workspace: Database) -> None:
    upsert(workspace, "C1", {**HEALTHY, "contact_phone": PHONE}, terms=TERMS)
    sealed = stored(workspace, "C1")["contact_phone"]
    assert crypto.is_sealed(sealed)
    assert sealed["$enc"] == "v1" and sealed["k"] == TEST_KEYS.current_data_key_id
    assert PHONE not in str(sealed)
    assert crypto.open_sealed(TEST_KEYS, sealed, ref="C1", field_id="contact_phone") == PHONE
    assert stored(workspace, "C1")["name"] == HEALTHY["name"]  # other fields stay in clear


def test_rules_score_the_real_value_of_a_sensitive_field(watched: Database) -> None:
    plain = upsert(watched, "C1", dict(HEALTHY), terms=TERMS).customer
    phoned = upsert(watched, "C2", {**HEALTHY, "contact_phone": PHONE}, terms=TERMS).customer
    assert plain.assessment is not None and phoned.assessment is not None
    assert phoned.assessment.score == plain.assessment.score + 7
    fired = {f["id"] for f in phoned.assessment.result["fired"]}
    assert "watched_line" in fired


def test_stored_results_alerts_and_explanations_hold_only_the_mask(watched: Database) -> None:
    view = upsert(watched, "C1", {**HEALTHY, "contact_phone": PHONE}, terms=TERMS).customer
    with watched.transaction() as session:
        assessment = session.exec(select(Assessment)).one()
        alerts = session.exec(select(Alert)).all()
    assert PHONE not in str(assessment.result) and PHONE not in str(assessment.change)
    (watch,) = [f for f in assessment.result["fired"] if f["id"] == "watched_line"]
    assert watch["inputs"] == {"contact_phone": MASKED}
    assert [a.message for a in alerts if a.rule == "watched_line"] == [f"Call {MASKED} back"]
    assert view.assessment is not None
    lines = [line["text"] for lines in view.assessment.explanation.values() for line in lines]
    assert any(MASKED in line for line in lines) and not any(PHONE in line for line in lines)


def test_an_unchanged_result_is_not_stored_again(watched: Database) -> None:
    upsert(watched, "C1", {**HEALTHY, "contact_phone": PHONE}, terms=TERMS)
    upsert(watched, "C1", {**HEALTHY, "contact_phone": PHONE, "max_overdue_days": 0})
    with watched.transaction() as session:
        assert len(session.exec(select(Assessment)).all()) == 1


def test_a_view_masks_sensitive_values_for_a_viewer_without_view_sensitive(
    workspace: Database,
) -> None:
    upsert(workspace, "C1", {**HEALTHY, "contact_phone": PHONE}, terms=TERMS, department="east")
    with workspace.transaction() as session:
        anonymous = get_customer(session, "C1")
        sales = get_customer(session, "C1", viewer=viewer("sales"))
        finance = get_customer(session, "C1", viewer=viewer("finance_head"))
        east_head = get_customer(session, "C1", viewer=viewer("department_head", "east"))
        west_head = get_customer(session, "C1", viewer=viewer("department_head", "west"))
    assert anonymous.data["contact_phone"] == MASKED
    assert sales.data["contact_phone"] == MASKED
    assert west_head.data["contact_phone"] == MASKED  # the grant is for another department
    assert finance.data["contact_phone"] == PHONE
    assert east_head.data["contact_phone"] == PHONE
    assert sales.data["name"] == HEALTHY["name"]


def test_upsert_returns_the_view_of_its_viewer(workspace: Database) -> None:
    data = {**HEALTHY, "contact_phone": PHONE}
    assert upsert(workspace, "C1", data, terms=TERMS).customer.data["contact_phone"] == MASKED


def test_an_event_returns_the_customer_as_its_viewer_sees_it(workspace: Database) -> None:
    upsert(workspace, "C1", {**HEALTHY, "contact_phone": PHONE}, terms=TERMS)
    event = EventInput(kind="payment", occurred_at="2026-11-20T10:00:00", payload={"amount": 1})
    with workspace.transaction() as session:
        recorded = record_event(
            session, "C1", event, actor="api", now=NOW, tz=UTC, viewer=viewer("sales")
        )
    assert recorded.customer.data["contact_phone"] == MASKED


def test_saving_unchanged_data_keeps_the_sealed_value_and_writes_nothing(
    workspace: Database,
) -> None:
    data = {**HEALTHY, "contact_phone": PHONE}
    first = upsert(workspace, "C1", data, terms=TERMS).customer
    sealed = stored(workspace, "C1")["contact_phone"]
    again = upsert(workspace, "C1", data).customer
    assert stored(workspace, "C1")["contact_phone"] == sealed
    assert again.row_version == first.row_version
    with workspace.transaction() as session:
        actions = [e.action for e in session.exec(select(AuditEntry))]
    assert "customer.updated" not in actions


def test_a_changed_sensitive_value_is_audited_by_field_name_only(workspace: Database) -> None:
    upsert(workspace, "C1", {**HEALTHY, "contact_phone": PHONE}, terms=TERMS)
    upsert(workspace, "C1", {**HEALTHY, "contact_phone": "13912345678"})
    with workspace.transaction() as session:
        entries = session.exec(select(AuditEntry)).all()
    (updated,) = [e for e in entries if e.action == "customer.updated"]
    assert updated.detail["fields"] == ["contact_phone"]
    for entry in entries:
        assert PHONE not in str(entry.detail) and "13912345678" not in str(entry.detail)


def test_a_sealed_value_copied_to_another_customer_does_not_open(workspace: Database) -> None:
    upsert(workspace, "C1", {**HEALTHY, "contact_phone": PHONE}, terms=TERMS)
    sealed = stored(workspace, "C1")["contact_phone"]
    with pytest.raises(crypto.SealError, match="field 'contact_phone' of customer 'C2'"):
        crypto.open_sealed(TEST_KEYS, sealed, ref="C2", field_id="contact_phone")
    with pytest.raises(crypto.SealError, match="altered, or copied"):
        crypto.open_sealed(TEST_KEYS, sealed, ref="C1", field_id="name")


def test_a_value_sealed_with_an_unknown_key_names_the_key(workspace: Database) -> None:
    other = generate_keys()
    sealed = crypto.seal(other, PHONE, ref="C1", field_id="contact_phone")
    with pytest.raises(crypto.SealError, match=f"data key {other.current_data_key_id}"):
        crypto.open_sealed(TEST_KEYS, sealed, ref="C1", field_id="contact_phone")


def test_a_sealed_number_opens_as_a_number() -> None:
    sealed = crypto.seal(TEST_KEYS, 25_000.5, ref="C1", field_id="income")
    assert crypto.open_sealed(TEST_KEYS, sealed, ref="C1", field_id="income") == 25_000.5


def test_rotation_reseals_under_the_new_key_and_skips_what_is_done(workspace: Database) -> None:
    for index in range(5):
        upsert(workspace, f"C{index}", {**HEALTHY, "contact_phone": PHONE}, terms=TERMS)
    rotated = TEST_KEYS.with_new_data_key()
    database = Database(workspace.url, keys=rotated)
    try:
        with database.transaction() as session:
            first = reseal_batch(session, after_id=0, limit=2)
        assert (first.customers, first.changed, first.resealed) == (2, 2, 2)
        with database.transaction() as session:
            # from the start again, as a resumed rotation does: the first two are skipped
            rest = reseal_batch(session, after_id=0, limit=10)
        assert (rest.customers, rest.changed, rest.resealed) == (5, 3, 3)
        with database.transaction() as session:
            get_customer(session, "C4")  # opens under the rotated keys
            rows = session.exec(select(Customer)).all()
        assert {row.data["contact_phone"]["k"] for row in rows} == {rotated.current_data_key_id}
    finally:
        database.dispose()


def test_the_database_holds_no_clear_sensitive_value(watched: Database) -> None:
    # a risky customer: its assessment, alerts, the case it opens and their audit rows
    upsert(watched, "C1", {**RISKY, "contact_phone": PHONE}, terms=TERMS)
    upsert(watched, "C1", {**RISKY, "contact_phone": PHONE, "negative_news_30d": 3})
    with watched.transaction() as session:
        assert get_customer(session, "C1").open_cases  # the case was opened
    if watched.is_sqlite:
        watched.dispose()  # nothing held in a connection's cache; the bytes are in the files
        url = watched.url.removeprefix("sqlite:///")
        for path in (Path(url), Path(url + "-wal")):
            if path.exists():
                assert PHONE.encode() not in path.read_bytes(), path
        return
    with watched.engine.connect() as connection:
        for table in metadata.sorted_tables:
            rows = connection.execute(text(f'SELECT row_to_json(t)::text FROM "{table.name}" t'))
            for (row,) in rows:
                assert PHONE not in row, table.name


def test_a_sensitive_field_in_an_event_form_is_refused_at_its_position(tmp_path: Path) -> None:
    bundle = tmp_path / "events"
    shutil.copytree(EXAMPLE_TEMPLATE, bundle)
    form = bundle / "forms" / "payment.yaml"
    source = form.read_text(encoding="utf-8").replace(
        "max_length: 100}", "max_length: 100, sensitive: true}"
    )
    form.write_text(source, encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        load_bundle(bundle)
    (found,) = [d for d in caught.value.diagnostics if d.code == "sensitive-event-field"]
    assert found.message == (
        "'sensitive' applies only to the fields of the 'customer' form: the payload of a "
        "'payment' event is stored as sent"
    )
    assert found.span is not None and (found.span.file, found.span.line) == (
        "forms/payment.yaml",
        6,
    )
