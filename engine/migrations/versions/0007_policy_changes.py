"""policy changes: jobs in chunks (rescoring, simulation), cron schedules, simulation movers,
shadow runs; scheduled publishing on spec versions; cases about no customer (ruleset_change)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # autogenerate renders sqlmodel's string type
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import engine.types  # the UTC datetime type

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column(
            "params",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column(
            "result",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("created_at", engine.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", engine.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", engine.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_kind_status", ["kind", "status"], unique=False)

    op.create_table(
        "schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("schedule_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("cron", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("timezone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("next_fire_at", engine.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("claimed_at", engine.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_fired_at", engine.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", engine.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedules")),
        sa.UniqueConstraint("template_key", "schedule_id", name=op.f("uq_schedules_template_key")),
    )
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.create_index("ix_schedules_due", ["is_active", "next_fire_at"], unique=False)

    op.create_table(
        "shadow_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ruleset_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("draft_version", sa.Integer(), nullable=False),
        sa.Column("draft_checksum", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("started_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("started_at", engine.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("until", engine.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", engine.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shadow_runs")),
    )
    with op.batch_alter_table("shadow_runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_shadow_runs_key_stopped", ["ruleset_key", "stopped_at"], unique=False
        )

    op.create_table(
        "job_chunks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("first_id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("claimed_at", engine.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_at", engine.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", engine.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "result",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_job_chunks_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_chunks")),
        sa.UniqueConstraint("job_id", "seq", name=op.f("uq_job_chunks_job_id")),
    )
    with op.batch_alter_table("job_chunks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_job_chunks_claim", ["done_at", "cancelled_at", "job_id", "seq"], unique=False
        )

    op.create_table(
        "shadow_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("at", engine.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "champion",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "challenger",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_shadow_results_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["shadow_runs.id"],
            name=op.f("fk_shadow_results_run_id_shadow_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shadow_results")),
    )
    with op.batch_alter_table("shadow_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shadow_results_run_id"), ["run_id"], unique=False)

    op.create_table(
        "simulation_movers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("from_tier", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
        sa.Column("to_tier", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
        sa.Column("from_score", sa.Float(), nullable=True),
        sa.Column("to_score", sa.Float(), nullable=True),
        sa.Column("exposure", sa.Numeric(precision=20, scale=4), nullable=True),
        sa.Column(
            "rules",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_simulation_movers_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.id"],
            name=op.f("fk_simulation_movers_job_id_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_simulation_movers")),
    )
    with op.batch_alter_table("simulation_movers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_simulation_movers_job_customer", ["job_id", "customer_id"], unique=False
        )

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.alter_column("customer_id", existing_type=sa.INTEGER(), nullable=True)

    with op.batch_alter_table("spec_versions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("published_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True)
        )
        batch_op.add_column(sa.Column("comment", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("effective_at", engine.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("spec_versions", schema=None) as batch_op:
        batch_op.drop_column("effective_at")
        batch_op.drop_column("comment")
        batch_op.drop_column("published_by")

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.alter_column("customer_id", existing_type=sa.INTEGER(), nullable=False)

    with op.batch_alter_table("simulation_movers", schema=None) as batch_op:
        batch_op.drop_index("ix_simulation_movers_job_customer")

    op.drop_table("simulation_movers")
    with op.batch_alter_table("shadow_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shadow_results_run_id"))

    op.drop_table("shadow_results")
    with op.batch_alter_table("job_chunks", schema=None) as batch_op:
        batch_op.drop_index("ix_job_chunks_claim")

    op.drop_table("job_chunks")
    with op.batch_alter_table("shadow_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_shadow_runs_key_stopped")

    op.drop_table("shadow_runs")
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_index("ix_schedules_due")

    op.drop_table("schedules")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_kind_status")

    op.drop_table("jobs")
