"""audit_log: keyed chain, append-only triggers, department (filled in by the audit work)

The chain becomes keyed (HMAC-SHA256 with the instance's audit key, engine.audit): rows written
before this revision carry unkeyed SHA-256 hashes, so they are chained again under the key, which
this revision reads like every command does (RISKDESK_AUDIT_KEY or the instance's keys file; or
`config.attributes["keys"]`). The head gains a row count and its own HMAC. Triggers refuse UPDATE
and DELETE on audit_log, on PostgreSQL and SQLite.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # autogenerate renders sqlmodel's string type
from alembic import context, op

import engine.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
_BATCH = 1000

_PG_FUNCTION = """
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$
"""
_PG_TRIGGER = """
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()
"""
_SQLITE_TRIGGERS = (
    """
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END
""",
    """
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END
""",
)


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(
            sa.Column("department", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True)
        )
        batch.add_column(
            sa.Column("customer_ref", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
        batch.create_index(batch.f("ix_audit_log_department"), ["department"], unique=False)
        batch.create_index(batch.f("ix_audit_log_customer_ref"), ["customer_ref"], unique=False)
    with op.batch_alter_table("audit_head") as batch:
        batch.add_column(sa.Column("row_count", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("mac", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
    _rechain_under_key()
    # Triggers last: a batch operation that copies the table on SQLite would drop them.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGER)
    else:
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)


def _rechain_under_key() -> None:
    """Chain the rows written before this revision again, under the instance's audit key, in id
    order and with ids 1..n (their places in the chain); then seal the head."""
    from engine.audit_chain import head_mac, row_mac

    connection = op.get_bind()
    log = sa.table(
        "audit_log",
        sa.column("id", sa.Integer),
        sa.column("at", engine.types.UTCDateTime),
        sa.column("actor", sa.String),
        sa.column("action", sa.String),
        sa.column("entity_kind", sa.String),
        sa.column("entity_id", sa.String),
        sa.column("detail", engine.types.JsonType),
        sa.column("prev_hash", sa.String),
        sa.column("hash", sa.String),
    )
    key: bytes | None = None
    prev, position, after = GENESIS, 0, 0
    while True:
        batch = connection.execute(
            sa.select(log).where(log.c.id > after).order_by(log.c.id).limit(_BATCH)
        ).all()
        if not batch:
            break
        key = key or _audit_key(connection)
        for row in batch:
            position += 1
            mac = row_mac(
                key,
                entry_id=position,
                prev_hash=prev,
                at=row.at,
                actor=row.actor,
                action=row.action,
                entity_kind=row.entity_kind,
                entity_id=row.entity_id,
                department=None,
                customer_ref=None,
                detail=row.detail,
            )
            # ids become places in the chain, closing gaps left by rolled-back sequences
            connection.execute(
                sa.update(log)
                .where(log.c.id == row.id)
                .values(id=position, prev_hash=prev, hash=mac)
            )
            prev = mac
        after = batch[-1].id
    connection.execute(
        sa.text(
            "UPDATE audit_head SET last_hash = :last_hash, last_id = :last_id, "
            "row_count = :rows, mac = :mac"
        ),
        {
            "last_hash": prev,
            "last_id": position or None,
            "rows": position,
            "mac": None
            if key is None
            else head_mac(key, last_id=position, last_hash=prev, row_count=position),
        },
    )


def _audit_key(connection: sa.Connection) -> bytes:
    keys = context.config.attributes.get("keys")
    if keys is not None:
        return bytes(keys.audit_key)
    from engine.keys import load_keys
    from engine.settings import get_settings

    settings = get_settings()
    return load_keys(
        database_url=connection.engine.url.render_as_string(hide_password=False),
        keys_file=settings.keys_file,
        secret_key=settings.secret_key,
        audit_key=settings.audit_key,
        data_key=settings.data_key,
    ).audit_key


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_refuse_change()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    with op.batch_alter_table("audit_head") as batch:
        batch.drop_column("mac")
        batch.drop_column("row_count")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_index(batch.f("ix_audit_log_customer_ref"))
        batch.drop_index(batch.f("ix_audit_log_department"))
        batch.drop_column("customer_ref")
        batch.drop_column("department")
