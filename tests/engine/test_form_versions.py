"""Form versions over stored data: the impact of a customer form draft, and its mapping applied in
the publishing transaction (rename, drop, default), refused when missing, blocked by readers, and
kept by a scheduled publish until it comes due."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from engine import crypto, form_migration, form_versions, specs
from engine.cases import take_action
from engine.db import Database
from engine.drafts import save_draft
from engine.errors import DataValidationError, ReadersBlockError
from engine.models import AuditEntry, Customer, SpecKind, SpecStatus
from engine.models_casework import Notification
from engine.models_runs import Job
from engine.publishing import publish_draft, publish_due
from engine.spec_changes import PUBLISHER_ROLE
from engine.templates import import_template
from engine.users import add_user
from tests.conftest import EXAMPLE_TEMPLATE
from tests.engine.conftest import HEALTHY, NOW, upsert

FORM = SpecKind.FORM
MOBILE = "  - {id: mobile, type: phone, label: {en: Mobile, zh: 手机}, sensitive: true}\n"


def source_of(database: Database) -> str:
    with database.transaction() as session:
        return specs.find_row(session, FORM, "customer").source


def without(source: str, field_id: str) -> str:
    lines = source.splitlines(keepends=True)
    return "".join(line for line in lines if f"id: {field_id}," not in line)


def draft(database: Database, source: str) -> None:
    with database.transaction() as session:
        found = save_draft(session, FORM, "customer", source, actor="ana", now=NOW)
    assert not [d for d in found.diagnostics if d.is_error and d.code != "breaks-published"]


def publish(database: Database, mapping: Any, **kwargs: Any) -> Any:
    with database.transaction() as session:
        return publish_draft(
            session, FORM, "customer", comment="v2", effective_at=kwargs.pop("effective_at", None),
            actor="bo", now=kwargs.pop("now", NOW), mapping=mapping,
        )  # fmt: skip


def customer(database: Database, ref: str) -> Customer:
    with database.transaction() as session:
        row = session.exec(select(Customer).where(Customer.external_ref == ref)).one()
        session.expunge(row)
        return row


def clear_data(database: Database, ref: str) -> dict[str, Any]:
    with database.transaction() as session:
        row = session.exec(select(Customer).where(Customer.external_ref == ref)).one()
        return crypto.customer_data(session, row)


def migration_audits(database: Database) -> list[AuditEntry]:
    with database.transaction() as session:
        return list(
            session.exec(
                select(AuditEntry)
                .where(AuditEntry.action == form_migration.MIGRATED)
                .order_by(col(AuditEntry.id))
            )
        )


def impact(database: Database) -> form_versions.FormImpact:
    with database.transaction() as session:
        return form_versions.draft_impact(session, "customer")


@pytest.fixture
def stored(workspace: Database) -> Database:
    upsert(workspace, "C-1", {**HEALTHY, "contact_phone": "13812345678", "website": "https://a.cn"})
    upsert(workspace, "C-2", {**HEALTHY, "contact_phone": "13900001111"})
    upsert(workspace, "C-3", dict(HEALTHY))
    return workspace


def test_a_rename_moves_sealed_values_and_their_freshness(stored: Database) -> None:
    source = source_of(stored)
    draft(stored, without(source, "contact_phone") + MOBILE)
    found = impact(stored)
    (phone,) = found.fields
    assert (phone.field_id, phone.change, phone.customers, phone.examples) == (
        "contact_phone", "removed", 2, ("C-1", "C-2"),
    )  # fmt: skip
    assert phone.candidates == ("mobile",) and found.added == ("mobile",)
    before, untouched = customer(stored, "C-1"), customer(stored, "C-3")
    stamp = (before.freshness or {})["fields"]["contact_phone"]
    outcome = publish(stored, {"contact_phone": {"rename": "mobile"}})
    assert outcome.status == "published" and outcome.rescore_job_id is not None
    after = customer(stored, "C-1")
    assert "contact_phone" not in after.data and crypto.is_sealed(after.data["mobile"])
    assert clear_data(stored, "C-1")["mobile"] == "+8613812345678"
    assert (after.freshness or {})["fields"]["mobile"] == stamp
    assert "contact_phone" not in (after.freshness or {})["fields"]
    assert after.row_version == before.row_version + 1
    assert customer(stored, "C-3").row_version == untouched.row_version  # nothing to move
    (audit_row,) = migration_audits(stored)
    assert audit_row.detail["fields"] == {"contact_phone": {"rename": 2}}
    assert audit_row.detail["mapping"] == {"contact_phone": {"rename": "mobile"}}
    assert audit_row.detail["customers_changed"] == 2
    with stored.transaction() as session:
        job = session.get(Job, outcome.rescore_job_id)
        assert job is not None and job.params["reason"] == "form_version"


def test_a_drop_removes_values_and_their_stamps(stored: Database) -> None:
    draft(stored, without(source_of(stored), "website"))
    outcome = publish(stored, {"website": {"drop": True}})
    assert outcome.status == "published"
    after = customer(stored, "C-1")
    assert "website" not in after.data and "website" not in (after.freshness or {})["fields"]
    assert migration_audits(stored)[0].detail["fields"] == {"website": {"drop": 1}}


def test_a_missing_mapping_is_refused_and_nothing_changes(stored: Database) -> None:
    draft(stored, without(source_of(stored), "contact_phone"))
    before = customer(stored, "C-1")
    with pytest.raises(DataValidationError) as refused:
        publish(stored, None)
    assert [(e.path, e.code) for e in refused.value.errors] == [
        (("mapping", "contact_phone"), "missing-mapping")
    ]
    assert refused.value.errors[0].message == (
        "say what becomes of the stored values of 'contact_phone', which the new version "
        "removes: rename, default or drop"
    )
    with pytest.raises(DataValidationError) as wrong:
        publish(stored, {"contact_phone": {"rename": "nowhere"}, "name": {"drop": True}})
    assert [(e.path, e.code) for e in wrong.value.errors] == [
        (("mapping", "contact_phone", "rename"), "unknown-field"),
        (("mapping", "name"), "unchanged-field"),
    ]
    after = customer(stored, "C-1")
    assert (after.data, after.row_version) == (before.data, before.row_version)
    with stored.transaction() as session:
        assert specs.find_row(session, FORM, "customer").version == 1
    assert migration_audits(stored) == []


def test_narrowing_counts_values_that_no_longer_fit_and_a_default_replaces_them(
    stored: Database,
) -> None:
    upsert(stored, "C-4", {**HEALTHY, "max_overdue_days": 400})
    source = source_of(stored).replace(
        "{id: max_overdue_days, type: integer, label: {en: Worst current overdue (days), "
        "zh: 最长逾期天数}, min: 0,",
        "{id: max_overdue_days, type: integer, label: {en: Worst current overdue (days), "
        "zh: 最长逾期天数}, min: 0, max: 365,",
    )
    draft(stored, source)
    (days,) = impact(stored).fields
    assert (days.change, days.reasons, days.customers, days.examples) == (
        "narrowed", ("maximum",), 1, ("C-4",),
    )  # fmt: skip
    with pytest.raises(DataValidationError) as refused:
        publish(stored, {})
    assert [(e.path, e.code) for e in refused.value.errors] == [
        (("mapping", "max_overdue_days"), "values-unfit")
    ]
    with pytest.raises(DataValidationError) as unfit_default:
        publish(stored, {"max_overdue_days": {"default": 999}})
    assert [(e.path, e.code) for e in unfit_default.value.errors] == [
        (("mapping", "max_overdue_days", "default"), "above-maximum")
    ]
    later = NOW + timedelta(hours=1)
    publish(stored, {"max_overdue_days": {"default": 365}}, now=later)
    after = customer(stored, "C-4")
    assert after.data["max_overdue_days"] == 365
    assert (after.freshness or {})["fields"]["max_overdue_days"] == {
        "updated_at": later.isoformat(), "source": "form_version",
    }  # fmt: skip
    assert customer(stored, "C-1").data["max_overdue_days"] == 0
    assert migration_audits(stored)[0].detail["fields"] == {"max_overdue_days": {"default": 1}}


def test_a_ruleset_reading_a_removed_field_blocks_the_publish_at_its_reading(
    stored: Database,
) -> None:
    draft(stored, without(source_of(stored), "avg_days_to_pay"))
    found = impact(stored)
    assert found.is_blocked
    with pytest.raises(ReadersBlockError) as blocked:
        publish(stored, {"avg_days_to_pay": {"drop": True}})
    first = blocked.value.diagnostics[0]
    assert first.code == "breaks-published" and first.is_error
    assert first.span is not None
    assert (first.span.file, first.span.line, first.span.column) == ("rules/credit.rules", 13, 17)
    assert first.message.startswith("the published ruleset 'credit' would not load against")
    assert "avg_days_to_pay" in first.message
    with stored.transaction() as session:
        assert specs.find_row(session, FORM, "customer").version == 1


def test_a_scheduled_publish_applies_its_stored_mapping_when_due(stored: Database) -> None:
    draft(stored, without(source_of(stored), "website"))
    at = NOW + timedelta(days=1)
    outcome = publish(stored, {"website": "drop"}, effective_at=at)
    assert outcome.status == "scheduled"
    assert customer(stored, "C-1").data["website"] == "https://a.cn"
    assert publish_due(stored, now=at) == 1
    assert "website" not in customer(stored, "C-1").data
    (audit_row,) = migration_audits(stored)
    assert audit_row.detail["fields"] == {"website": {"drop": 1}}
    with stored.transaction() as session:
        row = specs.find_row(session, FORM, "customer")
        assert (row.version, row.meta["mapping"]) == (2, {"website": {"drop": True}})


def test_a_publish_waiting_for_approval_applies_its_mapping_once_approved(
    database: Database, tmp_path: Path
) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(EXAMPLE_TEMPLATE, bundle)
    template = bundle / "template.yaml"
    text = template.read_text(encoding="utf-8")
    template.write_text(
        text.replace("\nroles:", "\ngovernance: {publish_requires_approval: true}\nroles:", 1),
        encoding="utf-8",
    )
    with database.transaction() as session:
        import_template(session, bundle, actor="admin", now=NOW, base_currency="CNY")
    upsert(database, "C-1", {**HEALTHY, "website": "https://a.cn"})
    draft(database, without(source_of(database), "website"))
    outcome = publish(database, {"website": {"drop": True}})
    assert outcome.status == "pending_approval" and outcome.case_id is not None
    assert customer(database, "C-1").data["website"] == "https://a.cn"
    with database.transaction() as session:
        take_action(
            session, outcome.case_id, "approve", actor="carla", roles=(PUBLISHER_ROLE,),
            comment=None, now=NOW,
        )  # fmt: skip
    assert "website" not in customer(database, "C-1").data
    assert migration_audits(database)[0].detail["fields"] == {"website": {"drop": 1}}


def test_a_field_made_sensitive_has_its_stored_values_sealed(stored: Database) -> None:
    source = source_of(stored).replace(
        "{id: website, type: url, label: {en: Website, zh: 公司网站},",
        "{id: website, type: url, label: {en: Website, zh: 公司网站}, sensitive: true,",
    )
    assert "sensitive: true," in source
    draft(stored, source)
    assert impact(stored).fields == ()
    before = customer(stored, "C-1")
    publish(stored, None)
    after = customer(stored, "C-1")
    assert crypto.is_sealed(after.data["website"]) and after.row_version == before.row_version + 1
    assert clear_data(stored, "C-1")["website"] == "https://a.cn"
    assert after.freshness == before.freshness


def test_a_ruleset_draft_reads_a_field_a_newer_form_version_added(workspace: Database) -> None:
    """The expand step of expand/contract: once the form has the field, the next ruleset version
    may read it, and it is published against that form version (it was checked, and published,
    against the form the previous ruleset version was compiled with)."""
    draft(workspace, source_of(workspace) + "  - {id: bureau_score, type: integer, min: 0}\n")
    publish(workspace, None)
    with workspace.transaction() as session:
        rules = specs.find_row(session, SpecKind.RULESET, "credit")
        source = rules.source.replace(
            "\ntiers\n", '\nrule weak_bureau "Weak bureau score"\n  when bureau_score < 400\n'
            "  then add 70\n\ntiers\n",
        )  # fmt: skip
        saved = save_draft(session, SpecKind.RULESET, "credit", source, actor="ana", now=NOW)
        assert not [d for d in saved.diagnostics if d.is_error]
        publish_draft(
            session, SpecKind.RULESET, "credit", comment="bureau", effective_at=None,
            actor="bo", now=NOW,
        )  # fmt: skip
        form_version = specs.find_row(session, FORM, "customer").version
        assert specs.find_row(session, SpecKind.RULESET, "credit").meta["form"] == {
            "key": "customer",
            "version": form_version,
        }
    scored = upsert(workspace, "C-B", {**HEALTHY, "bureau_score": 350})
    assessment = scored.customer.assessment
    assert assessment is not None
    assert "weak_bureau" in [f["id"] for f in assessment.result["fired"]]


def test_a_scheduled_publish_that_a_reader_now_blocks_is_told_once_and_retried(
    stored: Database,
) -> None:
    with stored.transaction() as session:
        add_user(session, "bo", roles=["admin"], now=NOW)
        add_user(session, "pia", roles=["cfo"], now=NOW)
        add_user(session, "sam", roles=["sales"], now=NOW)
    draft(stored, without(source_of(stored), "website"))
    at = NOW + timedelta(days=1)
    assert publish(stored, {"website": "drop"}, effective_at=at).status == "scheduled"
    # meanwhile a ruleset starts reading the field the scheduled version removes
    with stored.transaction() as session:
        rules = specs.find_row(session, SpecKind.RULESET, "credit").source.replace(
            "\ntiers\n", '\nrule has_site "Has a website"\n  when website is present\n'
            "  then add 1\n\ntiers\n",
        )  # fmt: skip
        save_draft(session, SpecKind.RULESET, "credit", rules, actor="ana", now=NOW)
        publish_draft(
            session, SpecKind.RULESET, "credit", comment="site", effective_at=None,
            actor="bo", now=NOW,
        )  # fmt: skip

    for sweep in range(3):  # every sweep tries again; the people who can act hear it once
        assert publish_due(stored, now=at + timedelta(minutes=sweep)) == 0
    with stored.transaction() as session:
        row = specs.find_row(session, FORM, "customer", version=2)
        assert row.status == SpecStatus.SCHEDULED
        assert row.meta["publish_failed"]["error"] == "ReadersBlockError"
        assert row.meta["publish_failed"]["readers"][0]["code"] == "breaks-published"
        failed = session.exec(
            select(AuditEntry).where(AuditEntry.action == "spec.schedule_failed")
        ).all()
        told = session.exec(
            select(Notification).where(Notification.kind == "publish_failed")
        ).all()
    assert len(failed) == 1 and failed[0].detail["version"] == 2
    # the publisher, and who holds specs:publish; not a sales user
    assert sorted(n.recipient for n in told) == ["bo", "pia"]
    assert told[0].params["key"] == "customer" and told[0].link == "/forms/customer/edit"
    assert "website" in customer(stored, "C-1").data  # nothing applied
