"""alert lifecycle: an alert is kept up to date while its rule fires, resolved when it stops,
acknowledged by a person with a comment, with its history in `alert_events` (issue 12)

Existing alerts get their `opened` event; of several open alerts of one customer's rule (the
earlier engine opened another whenever the message changed), the newest stays open and the
others are resolved.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 20:59:31
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # autogenerate renders sqlmodel's string type
from alembic import op

import engine.types  # the UTC datetime type


revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("at", engine.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("severity", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_alert_events_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_alert_events_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_events")),
    )
    with op.batch_alter_table("alert_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_events_alert_id"), ["alert_id"], unique=False)

    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("updated_at", engine.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("resolved_at", engine.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("acknowledged_at", engine.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "acknowledged_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True
            )
        )
        batch_op.add_column(sa.Column("comment", sa.Text(), nullable=True))
        batch_op.create_index("ix_alerts_customer_status", ["customer_id", "status"], unique=False)
        batch_op.create_index("ix_alerts_status_severity", ["status", "severity"], unique=False)

    op.execute("UPDATE alerts SET updated_at = created_at")
    op.execute(
        "UPDATE alerts SET status = 'resolved', resolved_at = created_at"
        " WHERE status = 'open' AND EXISTS (SELECT 1 FROM alerts AS newer"
        " WHERE newer.customer_id = alerts.customer_id AND newer.rule = alerts.rule"
        " AND newer.status = 'open' AND newer.id > alerts.id)"
    )
    op.execute(
        "INSERT INTO alert_events (alert_id, kind, at, assessment_id, severity, message)"
        " SELECT id, 'opened', created_at, assessment_id, severity, message FROM alerts"
    )


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_status_severity")
        batch_op.drop_index("ix_alerts_customer_status")
        batch_op.drop_column("comment")
        batch_op.drop_column("acknowledged_by")
        batch_op.drop_column("acknowledged_at")
        batch_op.drop_column("resolved_at")
        batch_op.drop_column("updated_at")

    with op.batch_alter_table("alert_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_events_alert_id"))

    op.drop_table("alert_events")
