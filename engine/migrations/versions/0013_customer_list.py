"""customer list: indexes on what the list sorts and filters by, the latest assessment's flags
on the customer, and users' saved customer views (issue 12)

Existing customers get the flags of their latest assessment. The data's `industry` gets an
expression index written as engine.customer_query.industry_of queries it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # autogenerate renders sqlmodel's string type
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import engine.types  # the UTC datetime type

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = (
    ("ix_customers_name_id", ["name", "id"]),
    ("ix_customers_score_id", ["score", "id"]),
    ("ix_customers_tier_id", ["tier", "id"]),
    ("ix_customers_updated_at_id", ["updated_at", "id"]),
    ("ix_customers_owner", ["owner"]),
)
_INDUSTRY = {
    "postgresql": "CREATE INDEX ix_customers_industry ON customers ((data ->> 'industry'))",
    "sqlite": "CREATE INDEX ix_customers_industry ON customers (json_extract(data, '$.industry'))",
}
_BATCH = 1000


def upgrade() -> None:
    op.create_table(
        "saved_customer_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column(
            "params",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", engine.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_customer_views")),
        sa.UniqueConstraint("user_name", "name", name="uq_saved_customer_views_user_name"),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("flags", sa.Text(), nullable=True))
        for name, columns in _INDEXES:
            batch_op.create_index(name, columns, unique=False)
    op.execute(_INDUSTRY[op.get_bind().dialect.name])
    _backfill_flags()


def _backfill_flags() -> None:
    """Each assessed customer's flags, from its latest assessment's result."""
    bind = op.get_bind()
    assessments = sa.table(
        "assessments", sa.column("id"), sa.column("customer_id"), sa.column("result", sa.JSON())
    )
    customers = sa.table("customers", sa.column("id"), sa.column("flags"))
    latest = (
        sa.select(sa.func.max(assessments.c.id).label("id"))
        .group_by(assessments.c.customer_id)
        .subquery()
    )
    rows = bind.execute(
        sa.select(assessments.c.customer_id, assessments.c.result).join(
            latest, latest.c.id == assessments.c.id
        )
    )
    update = (
        customers.update()
        .where(customers.c.id == sa.bindparam("b_id"))
        .values(flags=sa.bindparam("b_flags"))
    )
    batch: list[dict[str, object]] = []
    for customer_id, result in rows:
        names = sorted(set((result or {}).get("flags") or ()))
        if names:
            batch.append({"b_id": customer_id, "b_flags": f",{','.join(names)},"})
        if len(batch) >= _BATCH:
            bind.execute(update, batch)
            batch = []
    if batch:
        bind.execute(update, batch)


def downgrade() -> None:
    op.execute("DROP INDEX ix_customers_industry")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        for name, _ in reversed(_INDEXES):
            batch_op.drop_index(name)
        batch_op.drop_column("flags")
    op.drop_table("saved_customer_views")
