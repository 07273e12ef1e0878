"""Multi-row INSERTs through SQLAlchemy Core (engine.bulk_insert): the ids come back in the
order of the rows given, told apart by their key, on both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from engine.bulk_insert import insert_rows, insert_rows_returning_ids
from engine.db import Database
from engine.models import Department
from tests.engine.conftest import NOW


def test_the_ids_returned_are_those_of_the_rows_in_their_order(database: Database) -> None:
    with database.transaction() as session:
        insert_rows(session, Department, [{"name": "first", "created_at": NOW}])
        # names in an order their ids will not have
        names = [f"d{(index * 7919) % 500:03d}" for index in range(500)]
        rows = [{"name": name, "created_at": NOW} for name in names]
        ids = insert_rows_returning_ids(session, Department, rows, key=("name",))
        stored = dict(session.exec(select(Department.name, Department.id)).all())
    assert len(set(ids)) == 500
    assert ids == [stored[name] for name in names]
    assert sorted(ids) == ids  # inserted in the order given


def test_rows_whose_keys_repeat_come_back_in_order_too(database: Database) -> None:
    with database.transaction() as session:
        rows = [
            {"name": f"d{index}", "created_at": NOW + timedelta(days=index % 2)}
            for index in range(20)
        ]
        ids = insert_rows_returning_ids(session, Department, rows, key=("created_at",))
        stored = session.exec(
            select(Department.name).where(col(Department.id).in_(ids)).order_by(col(Department.id))
        ).all()
        assert insert_rows_returning_ids(session, Department, [], key=("name",)) == []
    assert stored == [f"d{index}" for index in range(20)]
