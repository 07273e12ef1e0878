"""Unique field values across customers (engine.unique_values): kept in step on every write, a
taken value refused at its path, sensitive values hashed, a publish backfills or is blocked."""

from __future__ import annotations

import pytest
from sqlmodel import select

from engine.db import Database
from engine.errors import DataValidationError
from engine.models import UniqueValue
from engine.unique_values import DuplicatesBlockError
from tests.engine.conftest import HEALTHY, upsert
from tests.engine.test_form_versions import draft, publish, source_of


def _unique(source: str, *field_ids: str) -> str:
    lines = []
    for line in source.splitlines(keepends=True):
        for field_id in field_ids:
            if f"{{id: {field_id}," in line:
                line = line.replace("}\n", ", unique: true}\n")
        lines.append(line)
    return "".join(lines)


def _rows(database: Database) -> list[tuple[str, str, int]]:
    with database.transaction() as session:
        found = session.exec(select(UniqueValue)).all()
        return sorted((r.field_id, r.value_key, r.customer_id) for r in found)


@pytest.fixture
def unique_form(workspace: Database) -> Database:
    upsert(
        workspace, "C-1", {**HEALTHY, "contact_email": "Li@A.cn", "contact_phone": "13812345678"}
    )
    draft(workspace, _unique(source_of(workspace), "contact_email", "contact_phone"))
    publish(workspace, {})
    return workspace


def test_publish_backfills_and_a_sensitive_value_is_stored_hashed(unique_form: Database) -> None:
    rows = _rows(unique_form)
    assert [(f, k) for f, k, _ in rows if f == "contact_email"] == [("contact_email", "li@a.cn")]
    (phone,) = [k for f, k, _ in rows if f == "contact_phone"]
    assert phone.startswith("h:") and "13812345678" not in phone


def test_a_taken_value_is_refused_at_its_path_and_nothing_is_stored(
    unique_form: Database,
) -> None:
    with pytest.raises(DataValidationError) as raised:
        upsert(unique_form, "C-2", {**HEALTHY, "contact_email": "li@a.CN"})
    (error,) = raised.value.errors
    assert (error.path, error.code) == (("data", "contact_email"), "not-unique")
    assert "C-1" in error.message
    assert len(_rows(unique_form)) == 2


def test_outside_the_callers_scope_the_holder_is_not_named(unique_form: Database) -> None:
    from datetime import UTC

    from engine.customers import CustomerInput, upsert_customer
    from tests.engine.conftest import NOW

    with pytest.raises(DataValidationError) as raised, unique_form.transaction() as session:
        upsert_customer(
            session, "C-9",
            CustomerInput(department="west", data={**HEALTHY, "contact_phone": "138 1234 5678"}),
            actor="x", now=NOW, tz=UTC, scope=frozenset({"west"}),
        )  # fmt: skip
    (error,) = raised.value.errors
    assert error.code == "not-unique" and "C-1" not in error.message


def test_update_and_clear_keep_the_table_in_step(unique_form: Database) -> None:
    upsert(unique_form, "C-1", {**HEALTHY, "contact_email": "new@a.cn"})
    assert [k for f, k, _ in _rows(unique_form)] == ["new@a.cn"]  # the phone was cleared
    upsert(unique_form, "C-2", {**HEALTHY, "contact_email": "li@a.cn"})  # free again
    assert len(_rows(unique_form)) == 2


def test_a_publish_over_stored_duplicates_is_blocked(workspace: Database) -> None:
    upsert(workspace, "C-1", {**HEALTHY, "contact_email": "same@a.cn"})
    upsert(workspace, "C-2", {**HEALTHY, "contact_email": "SAME@a.cn"})
    draft(workspace, _unique(source_of(workspace), "contact_email"))
    with pytest.raises(DuplicatesBlockError) as raised:
        publish(workspace, {})
    (found,) = raised.value.duplicates
    assert (found.field_id, found.customers, found.examples) == ("contact_email", 2, ["C-1", "C-2"])
    assert _rows(workspace) == []


_FILE = (
    "external_ref,name,industry,max_overdue_days,enforcement_records,outstanding_balance,"
    "has_guarantee,contact_email\n"
    "C-5,Five,retail,0,0,10,N,five@a.cn\n"
    "C-6,Six,retail,0,0,10,N,FIVE@a.cn\n"
    "C-7,Seven,retail,0,0,10,N,li@a.cn\n"
    "C-8,Eight,retail,0,0,10,N,eight@a.cn\n"
)


@pytest.mark.parametrize("mode", ["valid-rows", "all-or-nothing"])
def test_an_import_rejects_a_value_repeated_in_the_file_or_taken(
    unique_form: Database, mode: str
) -> None:
    from datetime import UTC

    from engine.imports import import_rows
    from forms import read_table
    from tests.engine.conftest import NOW

    table = read_table(_FILE.encode(), filename="c.csv")
    with unique_form.transaction() as session:
        report = import_rows(session, "customers", table, mode=mode, actor="x", now=NOW, tz=UTC)
    by_row = {e.row: (e.column, e.code) for e in report.errors}
    assert by_row[3] == ("contact_email", "not-unique")  # repeats row 2 of the file
    if mode == "valid-rows":
        assert by_row[4] == ("contact_email", "not-unique")  # C-1 holds it
        assert (report.created, report.rejected) == (2, 2)
    else:
        assert report.rolled_back and report.created == 0


def test_two_writes_racing_for_one_value_end_in_one_clean_refusal(unique_form: Database) -> None:
    import threading
    from datetime import UTC

    from engine.customers import CustomerInput, upsert_customer
    from tests.engine.conftest import NOW

    outcome: list[BaseException | None] = []

    def second() -> None:
        try:
            with unique_form.transaction() as session:
                upsert_customer(
                    session, "C-B", CustomerInput(department="east",
                                                  data={**HEALTHY, "contact_email": "race@a.cn"}),
                    actor="b", now=NOW, tz=UTC,
                )  # fmt: skip
            outcome.append(None)
        except BaseException as exc:  # handed to the main thread
            outcome.append(exc)

    with unique_form.transaction() as session:
        upsert_customer(
            session, "C-A", CustomerInput(department="east",
                                          data={**HEALTHY, "contact_email": "race@a.cn"}),
            actor="a", now=NOW, tz=UTC,
        )  # fmt: skip
        thread = threading.Thread(target=second)
        thread.start()  # its write waits for this transaction (a lock or the unique index)
    thread.join()
    (error,) = outcome
    assert isinstance(error, DataValidationError)
    assert [e.code for e in error.errors] == ["not-unique"]
