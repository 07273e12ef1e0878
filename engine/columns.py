"""Column shorthands shared by the table modules (engine.models, engine.models_runs)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field

from engine.types import JsonType, UTCDateTime


def utc_column(*, nullable: bool = False, index: bool = False) -> Any:
    """An aware-UTC datetime column."""
    return Field(sa_type=UTCDateTime, nullable=nullable, index=index)


def json_column(*, nullable: bool = False) -> Any:
    """A JSON column (JSONB on PostgreSQL)."""
    return Field(sa_type=JsonType, nullable=nullable)


def fk_column(target: str, *, nullable: bool = False, index: bool = True) -> Any:
    """An integer foreign key to `target` ("table.column") that cascades on delete."""
    return Field(
        sa_column=Column(
            Integer, ForeignKey(target, ondelete="CASCADE"), nullable=nullable, index=index
        )
    )
