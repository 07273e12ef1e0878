"""Optimistic concurrency for rows with a `row_version`: update only the version that was read."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from engine.errors import N_, ConflictError
from engine.models import Case, Customer


def update_versioned(
    session: Session,
    row: Customer | Case,
    *,
    expected_version: int | None = None,
    **values: Any,
) -> None:
    """`UPDATE ... SET values, row_version = v + 1 WHERE id = :id AND row_version = :v`.

    `v` is `expected_version` when given, else the version `row` was read at. The in-session row
    takes the new values. Raises ConflictError when no row matched: someone else changed it
    since it was read (or since the caller's client read it).
    """
    version = row.row_version if expected_version is None else expected_version
    model = type(row)
    result = session.execute(
        update(model)
        .where(model.id == row.id, model.row_version == version)  # type: ignore[arg-type]
        .values(**values, row_version=version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        message = (
            N_(
                "the case was changed by someone else meanwhile (expected version %(version)s); "
                "reload it and try again"
            )
            if isinstance(row, Case)
            else N_(
                "the customer was changed by someone else meanwhile (expected version "
                "%(version)s); reload it and try again"
            )
        )
        raise ConflictError(message, version=version)
    # Mirror the update on the in-session row without marking it dirty again.
    for name, value in {**values, "row_version": version + 1}.items():
        set_committed_value(row, name, value)
