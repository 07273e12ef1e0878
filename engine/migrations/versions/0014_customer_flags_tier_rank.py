"""customer list: flags as rows of customer_flags (the flag filter reads its index), and each
customer's tier rank for sorting tiers by severity (issue 12)

`customer_flags` (flag, customer_id) is filled from `customers.flags` (",a,b,", migration
0013), which is then dropped: the table is the flags' only copy (engine.customer_flags). The
new `customers.tier_rank` is each scored customer's tier's rank in the tiers block of the
latest template's published scoring ruleset (engine.customer_query.tier_rank: declared
riskiest first, the last declared ranks 1, each above it one more); a tier that ruleset does not
declare (given by an older version) ranks 0, below the declared ones, until a rescore ranks it
again; an unscored customer keeps none. `ix_customers_tier_rank_id` replaces
`ix_customers_tier_id` (the tier filter keeps `ix_customers_tier`).

On SQLite the column is dropped with SQLite's own ALTER TABLE ... DROP COLUMN (3.35 or later),
not batch mode's copy of the table: dropping `customers` for the copy would cascade the delete
to every row that references a customer.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 12:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel  # autogenerate renders sqlmodel's string type
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 1000
_CUSTOMERS = sa.table(
    "customers", sa.column("id"), sa.column("tier"), sa.column("tier_rank"), sa.column("flags")
)
_FLAGS = sa.table("customer_flags", sa.column("flag"), sa.column("customer_id"))


def upgrade() -> None:
    op.create_table(
        "customer_flags",
        sa.Column("flag", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_flags_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("flag", "customer_id", name=op.f("pk_customer_flags")),
    )
    op.create_index(
        op.f("ix_customer_flags_customer_id"), "customer_flags", ["customer_id"], unique=False
    )
    _copy_flags()
    op.add_column("customers", sa.Column("tier_rank", sa.Integer(), nullable=True))
    _rank_tiers()
    op.drop_index("ix_customers_tier_id", table_name="customers")
    op.create_index("ix_customers_tier_rank_id", "customers", ["tier_rank", "id"], unique=False)
    # SQLite's own DROP COLUMN (see the module docstring); PostgreSQL's is the same statement
    op.execute("ALTER TABLE customers DROP COLUMN flags")


def _copy_flags() -> None:
    """A row per flag of each customer's `flags` text."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_CUSTOMERS.c.id, _CUSTOMERS.c.flags).where(_CUSTOMERS.c.flags.isnot(None))
    ).all()
    batch: list[dict[str, Any]] = []
    for customer_id, text in rows:
        for flag in sorted({name for name in text.split(",") if name}):
            batch.append({"flag": flag, "customer_id": customer_id})
        if len(batch) >= _BATCH:
            bind.execute(_FLAGS.insert(), batch)
            batch = []
    if batch:
        bind.execute(_FLAGS.insert(), batch)


def _scoring_tiers() -> list[str]:
    """The tiers of the latest template's published scoring ruleset, as declared (none before
    a template is imported), read from the versions' meta as engine.specs keeps it."""
    bind = op.get_bind()
    versions = sa.table(
        "spec_versions",
        sa.column("id"),
        sa.column("kind"),
        sa.column("key"),
        sa.column("version"),
        sa.column("status"),
        sa.column("meta", sa.JSON()),
        sa.column("created_at"),
        sa.column("published_at"),
    )
    published = versions.c.status == "published"
    template = bind.execute(
        sa.select(versions.c.meta)
        .where(published, versions.c.kind == "template")
        .order_by(
            sa.func.coalesce(versions.c.published_at, versions.c.created_at).desc(),
            versions.c.id.desc(),
        )
        .limit(1)
    ).scalar()
    key = (template or {}).get("scoring_ruleset")
    if not key:
        return []
    meta = bind.execute(
        sa.select(versions.c.meta)
        .where(published, versions.c.kind == "ruleset", versions.c.key == key)
        .order_by(versions.c.version.desc())
        .limit(1)
    ).scalar()
    return [str(tier) for tier in (meta or {}).get("tiers") or ()]


def _rank_tiers() -> None:
    """Each scored customer's tier rank (the module docstring): one UPDATE per tier."""
    bind = op.get_bind()
    tiers = _scoring_tiers()
    scored = _CUSTOMERS.c.tier.isnot(None)
    for index, tier in enumerate(tiers):
        bind.execute(
            _CUSTOMERS.update()
            .where(_CUSTOMERS.c.tier == tier)
            .values(tier_rank=len(tiers) - index)
        )
    bind.execute(
        _CUSTOMERS.update().where(scored, _CUSTOMERS.c.tier.notin_(tiers)).values(tier_rank=0)
    )


def downgrade() -> None:
    op.add_column("customers", sa.Column("flags", sa.Text(), nullable=True))
    _restore_flags()
    op.drop_index("ix_customers_tier_rank_id", table_name="customers")
    op.create_index("ix_customers_tier_id", "customers", ["tier", "id"], unique=False)
    op.execute("ALTER TABLE customers DROP COLUMN tier_rank")
    op.drop_index(op.f("ix_customer_flags_customer_id"), table_name="customer_flags")
    op.drop_table("customer_flags")


def _restore_flags() -> None:
    """Each customer's `flags` text (",a,b,") from its rows."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_FLAGS.c.customer_id, _FLAGS.c.flag).order_by(_FLAGS.c.customer_id, _FLAGS.c.flag)
    ).all()
    held: dict[int, list[str]] = {}
    for customer_id, flag in rows:
        held.setdefault(customer_id, []).append(flag)
    update = (
        _CUSTOMERS.update()
        .where(_CUSTOMERS.c.id == sa.bindparam("b_id"))
        .values(flags=sa.bindparam("b_flags"))
    )
    params = [{"b_id": i, "b_flags": f",{','.join(names)},"} for i, names in held.items()]
    for start in range(0, len(params), _BATCH):
        bind.execute(update, params[start : start + _BATCH])
