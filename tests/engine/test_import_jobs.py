"""Imports run as jobs (engine.import_jobs), on both databases: the file checked when queued and
nothing stored when it cannot be imported, both modes with every row counted, chunks of a
valid-rows import each written once even when a worker stops, the rejected rows written out to
be imported again as they are, the author's departments respected, and the report readable
only by whom it concerns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from engine import import_jobs
from engine.db import Database
from engine.errors import InvalidRequestError, NotFoundError
from engine.import_jobs import ImportView, get_import, list_imports, rejected_file, start_import
from engine.job_kinds import run_due_chunks
from engine.jobs import claim_chunks
from engine.models import Customer, Job
from engine.users import UserView, add_user
from forms import ImportMappingError
from tests.engine.conftest import NOW
from tests.engine.test_imports import MIXED


def _user(
    database: Database, name: str, roles: tuple[str, ...], department: str | None = None
) -> UserView:
    with database.transaction() as session:
        return add_user(session, name, roles=roles, department=department, now=NOW)


def _queue(
    database: Database,
    user: UserView,
    text: str = MIXED,
    *,
    mode: str = "valid-rows",
    name: str = "customers.csv",
) -> int:
    with database.transaction() as session:
        return start_import(
            session, kind="customers", mode=mode, filename=name, content=text.encode("utf-8"),
            mapping=None, actor=user.name,
            scope=user.access.departments_for("customers:write"), now=NOW, tz=UTC,
        )  # fmt: skip


def _run(database: Database, *, now: datetime = NOW, worker: str = "w1") -> None:
    while run_due_chunks(database, now=now, worker=worker, tz=UTC, limit=10).claimed:
        pass


def _view(database: Database, import_id: int, user: UserView) -> ImportView:
    with database.transaction() as session:
        return get_import(session, import_id, reader=user)


def _counts(view: ImportView) -> tuple[int, int, int, int, int]:
    assert view.created + view.updated + view.unchanged + view.rejected == view.rows
    return view.rows, view.created, view.updated, view.unchanged, view.rejected


def _customers(database: Database) -> int:
    with database.transaction() as session:
        return int(session.exec(select(func.count()).select_from(Customer)).one())


def test_a_valid_rows_import_stores_the_good_rows_and_reports_the_bad(
    workspace: Database,
) -> None:
    admin = _user(workspace, "ada", ("admin",))
    import_id = _queue(workspace, admin)
    queued = _view(workspace, import_id, admin)
    assert (queued.status, queued.rows, queued.done) == ("queued", 5, 0)
    assert _customers(workspace) == 0
    _run(workspace)
    done = _view(workspace, import_id, admin)
    assert done.status == "done" and done.done == 5
    assert _counts(done) == (5, 3, 0, 0, 2)
    assert [(e["row"], e["column"], e["code"]) for e in done.errors] == [
        (3, "industry", "not-an-option"),
        (5, "max_overdue_days", "ambiguous-number"),
    ]
    assert _customers(workspace) == 3


def test_the_rejected_rows_come_back_as_a_csv_to_import_again(workspace: Database) -> None:
    admin = _user(workspace, "ada", ("admin",))
    import_id = _queue(workspace, admin)
    _run(workspace)
    with workspace.transaction() as session:
        name, text = rejected_file(session, import_id, reader=admin)
    assert name == "customers-rejected.csv"
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0].endswith(",reason") and len(lines) == 3
    assert lines[1].startswith("C2,") and "[not-an-option]" in lines[1]
    again = _queue(workspace, admin, text, name="customers-rejected.csv")
    _run(workspace)
    assert _counts(_view(workspace, again, admin)) == (2, 0, 0, 0, 2)  # read as they were


def test_an_all_or_nothing_import_with_one_bad_row_stores_nothing(workspace: Database) -> None:
    admin = _user(workspace, "ada", ("admin",))
    import_id = _queue(workspace, admin, mode="all-or-nothing")
    _run(workspace)
    view = _view(workspace, import_id, admin)
    assert view.rolled_back and _counts(view) == (5, 0, 0, 0, 5)
    assert _customers(workspace) == 0


def test_the_same_file_twice_changes_nothing_the_second_time(workspace: Database) -> None:
    admin = _user(workspace, "ada", ("admin",))
    first = _queue(workspace, admin)
    _run(workspace)
    second = _queue(workspace, admin)
    _run(workspace)
    assert _counts(_view(workspace, first, admin)) == (5, 3, 0, 0, 2)
    assert _counts(_view(workspace, second, admin)) == (5, 0, 0, 3, 2)


def test_chunks_taken_over_from_a_stopped_worker_write_each_row_once(
    workspace: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_jobs, "ROWS_PER_CHUNK", 2)
    admin = _user(workspace, "ada", ("admin",))
    duplicate = MIXED + "C1,Hangzhou Bearings again,east,manufacturing,0,0,1,Y,\n"
    import_id = _queue(workspace, admin, duplicate)
    with workspace.transaction() as session:
        assert session.get(Job, import_id) is not None
    # a worker claims the first chunk and stops before doing it
    assert claim_chunks(workspace, now=NOW, worker="gone", limit=1)
    _run(workspace, worker="w1")  # takes the other chunks
    assert _view(workspace, import_id, admin).status == "running"
    _run(workspace, now=NOW + timedelta(hours=1), worker="w2")  # the claim expired
    view = _view(workspace, import_id, admin)
    assert view.status == "done" and view.done == 6
    # the reference given twice is rejected in the later row, though in another chunk
    assert _counts(view) == (6, 3, 0, 0, 3)
    assert (7, "duplicate-ref") in [(e["row"], e["code"]) for e in view.errors]
    assert _customers(workspace) == 3


def test_a_file_that_cannot_be_imported_is_refused_when_queued(workspace: Database) -> None:
    admin = _user(workspace, "ada", ("admin",))
    with pytest.raises(ImportMappingError):
        _queue(workspace, admin, "who,what\nC1,x\n")
    with pytest.raises(InvalidRequestError):
        _queue(workspace, admin, "external_ref,name\n")
    with workspace.transaction() as session:
        assert session.exec(select(func.count()).select_from(Job)).one() == 0


def test_rows_outside_the_authors_departments_are_rejected(workspace: Database) -> None:
    head = _user(workspace, "eve", ("department_head",), department="east")
    import_id = _queue(workspace, head)
    _run(workspace)
    view = _view(workspace, import_id, head)
    # C3 is of department north: refused; the two east rows stored
    assert _counts(view) == (5, 2, 0, 0, 3)
    assert (4, "refused") in [(e["row"], e["code"]) for e in view.errors]


def test_an_import_is_read_by_its_author_and_global_holders_only(workspace: Database) -> None:
    head = _user(workspace, "eve", ("department_head",), department="east")
    other = _user(workspace, "olga", ("department_head",), department="west")
    admin = _user(workspace, "ada", ("admin",))
    import_id = _queue(workspace, head)
    assert _view(workspace, import_id, admin).id == import_id
    with workspace.transaction() as session, pytest.raises(NotFoundError):
        get_import(session, import_id, reader=other)
    with workspace.transaction() as session:
        assert list_imports(session, reader=other).items == ()
        assert [v.id for v in list_imports(session, reader=head).items] == [import_id]
