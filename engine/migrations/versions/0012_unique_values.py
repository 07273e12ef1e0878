"""unique values: the values of customer form fields marked `unique`, one row per (field, value
key) and the customer holding it, so the database refuses a second holder (issue 11)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # autogenerate renders sqlmodel's string type
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unique_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("field_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("value_key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_unique_values_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unique_values")),
        sa.UniqueConstraint(
            "field_id", "value_key", name=op.f("uq_unique_values_field_id_value_key")
        ),
    )
    with op.batch_alter_table("unique_values", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_unique_values_customer_id"), ["customer_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("unique_values", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unique_values_customer_id"))
    op.drop_table("unique_values")
