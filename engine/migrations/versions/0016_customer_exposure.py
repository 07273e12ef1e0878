"""customer exposure: the data's outstanding balance on the customer row, and the dashboard's
indexes (issue 12, docs/performance.md "The dashboard")

`customers.exposure_amount` and `exposure_currency` hold the balance as written (engine.exposure:
a sealed, sensitive value is not copied), backfilled from the stored data in batches. The
dashboard's per-tier figures read `ix_customers_tier_exposure` alone, its tier migration the
partial `ix_assessments_moves` (only the assessments that moved tier), its open cases by step
`ix_cases_status_step`; `ix_customers_department` gets the customer's id, so PostgreSQL joins a
department-scoped figure to its customers from that index alone.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # autogenerate renders sqlmodel's string type
from alembic import op

from engine.exposure import exposure_columns

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIER_EXPOSURE = ["tier", "exposure_currency", "exposure_amount", "order_hold", "department"]
_MOVES_COLUMNS = ["as_of", "previous_tier", "tier", "customer_id"]
# as engine.models.MOVES: the assessments that moved tier, the only ones the index holds
_MOVES = "previous_tier IS NOT NULL AND previous_tier != tier"
_CASE_STEP = [
    "status",
    "workflow_key",
    "step",
    "workflow_version",
    "due_at",
    "customer_id",
    "assigned_department",
]
_BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("exposure_amount", sa.Numeric(20, 4), nullable=True))
        batch_op.add_column(
            sa.Column(
                "exposure_currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True
            )
        )
    _backfill_exposure()
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index("ix_customers_tier_exposure", _TIER_EXPOSURE, unique=False)
        batch_op.drop_index("ix_customers_department")
        batch_op.create_index("ix_customers_department", ["department", "id"], unique=False)
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assessments_moves",
            _MOVES_COLUMNS,
            unique=False,
            sqlite_where=sa.text(_MOVES),
            postgresql_where=sa.text(_MOVES),
        )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_status_step", _CASE_STEP, unique=False)


def _backfill_exposure() -> None:
    """Each customer's exposure columns from its stored data, a batch of updates at a time."""
    bind = op.get_bind()
    customers = sa.table(
        "customers",
        sa.column("id"),
        sa.column("data", sa.JSON()),
        sa.column("exposure_amount", sa.Numeric(20, 4)),
        sa.column("exposure_currency"),
    )
    update = (
        customers.update()
        .where(customers.c.id == sa.bindparam("b_id"))
        .values(
            exposure_amount=sa.bindparam("b_amount"),
            exposure_currency=sa.bindparam("b_currency"),
        )
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(customers.c.id, customers.c.data)
            .where(customers.c.id > last)
            .order_by(customers.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        batch = []
        for customer_id, data in rows:
            columns = exposure_columns(data or {})
            if columns["exposure_amount"] is not None:
                batch.append(
                    {
                        "b_id": customer_id,
                        "b_amount": columns["exposure_amount"],
                        "b_currency": columns["exposure_currency"],
                    }
                )
        if batch:
            bind.execute(update, batch)
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_status_step")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index("ix_assessments_moves")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_department")
        batch_op.create_index("ix_customers_department", ["department"], unique=False)
        batch_op.drop_index("ix_customers_tier_exposure")
    # SQLite's own DROP COLUMN (3.35 or later), not batch mode's copy of the table: dropping
    # `customers` for the copy would cascade to every row referencing a customer and drop
    # migration 0015's search triggers; PostgreSQL's is the same statement
    op.execute("ALTER TABLE customers DROP COLUMN exposure_currency")
    op.execute("ALTER TABLE customers DROP COLUMN exposure_amount")
