"""casework: cases assigned to a user or a named department, delegations, notifications and
their outbox, order credit checks, temporary terms changes (issue 10)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 07:11:45
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # autogenerate renders sqlmodel's string type
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import engine.types  # the UTC datetime type

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "delegations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("delegate", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("starts_at", engine.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", engine.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("created_at", engine.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", engine.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delegations")),
    )
    with op.batch_alter_table("delegations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delegations_delegate"), ["delegate"], unique=False)
        batch_op.create_index(
            "ix_delegations_user_period", ["user_name", "starts_at", "ends_at"], unique=False
        )

    op.create_table(
        "credit_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("order_ref", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("amount", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("amount_base", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column(
            "exposure",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("credit_limit", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("available", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column(
            "reasons",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("created_at", engine.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("decided_at", engine.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_reason", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("closed_at", engine.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_credit_checks_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_credit_checks_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_checks")),
        sa.UniqueConstraint("order_ref", name=op.f("uq_credit_checks_order_ref")),
    )
    with op.batch_alter_table("credit_checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_checks_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_credit_checks_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            "ix_credit_checks_customer_status", ["customer_id", "status"], unique=False
        )

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column(
            "params",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "text",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("customer_ref", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("department", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("link", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("created_at", engine.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", engine.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_notifications_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            "ix_notifications_recipient_read", ["recipient", "read_at", "id"], unique=False
        )

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=True),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", engine.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", engine.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("claimed_at", engine.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", engine.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("given_up_at", engine.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_outbox_notification_id_notifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_due", ["sent_at", "given_up_at", "due_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_outbox_notification_id"), ["notification_id"], unique=False
        )

    with op.batch_alter_table("case_transitions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "assigned_user", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("on_behalf_of", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True)
        )

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("assigned_user", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "assigned_department", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True
            )
        )
        batch_op.create_index(batch_op.f("ix_cases_assigned_user"), ["assigned_user"], unique=False)

    with op.batch_alter_table("terms_changes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("approver", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True)
        )
        batch_op.add_column(
            sa.Column("ruleset_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
        batch_op.add_column(sa.Column("ruleset_version", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("restore_at", engine.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("restore_when", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("restored_at", engine.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("restores_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_terms_changes_restore_at"), ["restore_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_terms_changes_restores_id"), ["restores_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_terms_changes_restores_id_terms_changes"),
            "terms_changes",
            ["restores_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("terms_changes", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_terms_changes_restores_id_terms_changes"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_terms_changes_restores_id"))
        batch_op.drop_index(batch_op.f("ix_terms_changes_restore_at"))
        batch_op.drop_column("restores_id")
        batch_op.drop_column("restored_at")
        batch_op.drop_column("restore_when")
        batch_op.drop_column("restore_at")
        batch_op.drop_column("ruleset_version")
        batch_op.drop_column("ruleset_key")
        batch_op.drop_column("approver")

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_assigned_user"))
        batch_op.drop_column("assigned_department")
        batch_op.drop_column("assigned_user")

    with op.batch_alter_table("case_transitions", schema=None) as batch_op:
        batch_op.drop_column("on_behalf_of")
        batch_op.drop_column("assigned_user")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_notification_id"))
        batch_op.drop_index("ix_outbox_due")

    op.drop_table("outbox")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_recipient_read")
        batch_op.drop_index(batch_op.f("ix_notifications_case_id"))

    op.drop_table("notifications")
    with op.batch_alter_table("credit_checks", schema=None) as batch_op:
        batch_op.drop_index("ix_credit_checks_customer_status")
        batch_op.drop_index(batch_op.f("ix_credit_checks_customer_id"))
        batch_op.drop_index(batch_op.f("ix_credit_checks_case_id"))

    op.drop_table("credit_checks")
    with op.batch_alter_table("delegations", schema=None) as batch_op:
        batch_op.drop_index("ix_delegations_user_period")
        batch_op.drop_index(batch_op.f("ix_delegations_delegate"))

    op.drop_table("delegations")
