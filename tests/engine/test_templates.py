"""Template import and versioned specs: publish, retire, load compiled, all or nothing."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import col, select

from engine import audit, specs
from engine.bundle import TemplateError
from engine.db import Database
from engine.errors import NotConfiguredError
from engine.models import AuditEntry, SpecKind, SpecStatus, SpecVersion
from engine.templates import import_template
from tests.conftest import EXAMPLE_TEMPLATE
from tests.engine.conftest import NOW


def _rows(database: Database) -> list[tuple[str, str, int, str]]:
    with database.transaction() as session:
        rows = session.exec(select(SpecVersion).order_by(col(SpecVersion.id))).all()
        return [(r.kind, r.key, r.version, r.status) for r in rows]


def test_import_publishes_every_definition_and_the_template(database: Database) -> None:
    with database.transaction() as session:
        imported = import_template(
            session, EXAMPLE_TEMPLATE, actor="admin", now=NOW, base_currency="CNY"
        )
    assert imported.key == "manufacturing_credit"
    assert imported.version == 1
    kinds = {ref.kind for ref in imported.specs}
    assert kinds == {"form", "ruleset", "workflow", "calendar", "template"}
    assert imported.specs[-1].kind == "template"
    assert ("workflow", "high_risk_review", 1, "published") in _rows(database)
    assert ("form", "customer", 1, "published") in _rows(database)
    with database.transaction() as session:
        template = specs.latest_template_row(session)
        assert template is not None
        assert template.meta["base_currency"] == "CNY"
        assert template.author == "admin"
        entry = session.exec(select(AuditEntry).where(AuditEntry.action != "schedule.added")).one()
        assert entry.action == "template.imported"
        assert len(entry.detail["specs"]) == len(imported.specs)


def test_reimport_publishes_new_versions_and_retires_the_old(database: Database) -> None:
    for _ in range(2):
        with database.transaction() as session:
            import_template(session, EXAMPLE_TEMPLATE, actor="admin", now=NOW, base_currency="CNY")
    rows = _rows(database)
    assert ("workflow", "high_risk_review", 1, "retired") in rows
    assert ("workflow", "high_risk_review", 2, "published") in rows
    assert ("template", "manufacturing_credit", 2, "published") in rows
    published = [r for r in rows if r[3] == SpecStatus.PUBLISHED]
    assert len({(kind, key) for kind, key, _, _ in published}) == len(published)
    with database.transaction() as session:
        assert specs.load_workflow(session, "high_risk_review").version == 2
        assert specs.load_workflow(session, "high_risk_review", 1).version == 1
        assert audit.verify_chain(session) is None


def test_loaded_specs_compile_once_per_checksum(workspace: Database) -> None:
    with workspace.transaction() as session:
        first = specs.scoring_ruleset(session)
    with workspace.transaction() as session:
        again = specs.scoring_ruleset(session)
    assert again.value is first.value
    assert first.checksum == first.value.checksum
    assert first.value.form == "customer"


def test_once_compiled_the_scoring_ruleset_is_found_in_one_query(workspace: Database) -> None:
    """Once per transaction: the published set (the latest template and the published ruleset
    among it); what the ruleset was compiled against is read off the template's meta, not
    queried again."""
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    with workspace.transaction() as session:
        first = specs.scoring_ruleset(session)
    event.listen(workspace.engine, "before_cursor_execute", count)
    try:
        with workspace.transaction() as session:
            again = specs.scoring_ruleset(session)
    finally:
        event.remove(workspace.engine, "before_cursor_execute", count)
    assert again.value is first.value
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1, selects


def test_a_template_without_checksums_in_its_meta_still_scores(workspace: Database) -> None:
    """Templates imported before the meta recorded checksums: the dependencies are queried."""
    with workspace.transaction() as session:
        published = specs.latest_template_row(session)
        assert published is not None
        # rows of the published set are read-only: change the stored row itself
        template = session.get(SpecVersion, published.id)
        assert template is not None
        meta = dict(template.meta)
        meta["specs"] = [
            {k: v for k, v in spec.items() if k != "checksum"} for spec in meta["specs"]
        ]
        template.meta = meta
        session.add(template)
    specs.clear_cache()
    with workspace.transaction() as session:
        first = specs.scoring_ruleset(session)
    with workspace.transaction() as session:
        again = specs.scoring_ruleset(session)
    assert again.value is first.value
    assert first.value.form == "customer"


def test_bad_bundle_writes_nothing(database: Database, tmp_path: Path) -> None:
    bad = tmp_path / "bad_template"
    shutil.copytree(EXAMPLE_TEMPLATE, bad)
    rules = sorted((bad / "rules").glob("*.rules"))[0]
    rules.write_text(
        rules.read_text(encoding="utf-8").replace("tiers", "tiers_misspelt", 1), encoding="utf-8"
    )
    with pytest.raises(TemplateError), database.transaction() as session:
        import_template(session, bad, actor="admin", now=NOW, base_currency="CNY")
    assert _rows(database) == []
    with database.transaction() as session:
        assert session.exec(select(AuditEntry)).all() == []


def test_template_for_another_base_currency_is_refused(database: Database) -> None:
    with pytest.raises(TemplateError) as raised, database.transaction() as session:
        import_template(session, EXAMPLE_TEMPLATE, actor="admin", now=NOW, base_currency="EUR")
    assert raised.value.diagnostics[0].code == "base-currency"
    assert _rows(database) == []


def test_nothing_scores_before_an_import(database: Database) -> None:
    with pytest.raises(NotConfiguredError), database.transaction() as session:
        specs.scoring_ruleset(session)
    with pytest.raises(NotConfiguredError), database.transaction() as session:
        specs.customer_form(session)


def test_list_specs_shows_versions_with_status(database: Database) -> None:
    for _ in range(2):
        with database.transaction() as session:
            import_template(session, EXAMPLE_TEMPLATE, actor="admin", now=NOW, base_currency="CNY")
    with database.transaction() as session:
        forms_listed = specs.list_specs(session, kind=SpecKind.FORM)
        published = specs.list_specs(session, status=SpecStatus.PUBLISHED)
    customer = [s for s in forms_listed if s.key == "customer"]
    assert [(s.version, s.status) for s in customer] == [(1, "retired"), (2, "published")]
    assert customer[0].label["en"]
    assert all(s.status == "published" for s in published)
    assert {s.kind for s in published} == {"form", "ruleset", "workflow", "calendar", "template"}
