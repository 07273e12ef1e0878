"""Re-sealing sensitive values under the current data key, a batch of customers at a time
(`riskdesk keys rotate`, docs/security.md).

Each batch is one transaction of its own, so a rotation of a large portfolio never holds one long
transaction, and an interrupted one loses nothing: what was committed is under the new key, and
running it again skips the values already there. A value of a field that the published customer
form marks sensitive but that is stored in clear (the field was marked after it was saved) is
sealed on the way. The rotation ends with one `keys.rotated` audit row holding counts and key ids,
never a key or a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

import forms
from engine import audit, crypto, specs
from engine.db import session_keys
from engine.errors import NotConfiguredError
from engine.exposure import exposure_columns
from engine.models import Customer
from engine.rows import update_versioned

DEFAULT_BATCH_SIZE = 500
ROTATED = "keys.rotated"


@dataclass(frozen=True, slots=True)
class BatchResealed:
    """What one batch did. `last_id` is the id to continue after (None: no customer was left)."""

    last_id: int | None
    customers: int  # read
    changed: int  # rewritten
    resealed: int  # values sealed again under the current key
    sealed: int  # values stored in clear, sealed now


@dataclass(frozen=True, slots=True)
class RotationTotals:
    customers: int = 0
    changed: int = 0
    resealed: int = 0
    sealed: int = 0
    batches: int = 0

    def plus(self, batch: BatchResealed) -> RotationTotals:
        return RotationTotals(
            customers=self.customers + batch.customers,
            changed=self.changed + batch.changed,
            resealed=self.resealed + batch.resealed,
            sealed=self.sealed + batch.sealed,
            batches=self.batches + 1,
        )


def count_customers(session: Session) -> int:
    """How many customers a rotation reads (for its progress bar)."""
    return int(session.exec(select(func.count()).select_from(Customer)).one())


def _sensitive_fields(session: Session) -> frozenset[str]:
    try:
        return forms.sensitive_ids(specs.customer_form(session).value)
    except NotConfiguredError:
        return frozenset()


def reseal_batch(
    session: Session, *, after_id: int = 0, limit: int = DEFAULT_BATCH_SIZE
) -> BatchResealed:
    """Re-seal, under the current data key, the values of up to `limit` customers with an id
    above `after_id` (in id order), sealing clear values of sensitive fields too.

    Rows are locked while read (the batch's transaction is the only writer of them until it
    commits); a row already under the current key is left as it is. Raises SealError when a
    value does not open (its key is missing from the keys file).
    """
    keys = session_keys(session)
    sensitive = _sensitive_fields(session)
    rows = session.exec(
        select(Customer)
        .where(col(Customer.id) > after_id)
        .order_by(col(Customer.id))
        .limit(limit)
        .with_for_update()
    ).all()
    changed = resealed = sealed = 0
    for customer in rows:
        data, count = crypto.reseal_data(keys, customer.data, ref=customer.external_ref)
        clear = [
            field_id
            for field_id in sensitive
            if data.get(field_id) is not None and not crypto.is_sealed(data[field_id])
        ]
        if clear:
            data = crypto.seal_data(keys, data, ref=customer.external_ref, sensitive=clear)
        if count or clear:
            # a value sealed now may be the exposure's, whose plain copy then goes
            update_versioned(session, customer, data=data, **exposure_columns(data))
            changed += 1
            resealed += count
            sealed += len(clear)
    return BatchResealed(
        last_id=rows[-1].id if rows else None,
        customers=len(rows),
        changed=changed,
        resealed=resealed,
        sealed=sealed,
    )


def record_rotation(
    session: Session,
    *,
    totals: RotationTotals,
    previous_key_id: str | None,
    resumed: bool,
    actor: str | None,
    now: datetime,
) -> None:
    """The audit row of a finished rotation: counts and key ids, never key material."""
    keys = session_keys(session)
    audit.record(
        session,
        actor=actor,
        action=ROTATED,
        entity_kind="data_key",
        entity_id=keys.current_data_key_id,
        detail={
            "key_id": keys.current_data_key_id,
            "previous_key_id": previous_key_id,
            "customers": totals.customers,
            "customers_changed": totals.changed,
            "values_resealed": totals.resealed,
            "values_sealed": totals.sealed,
            "batches": totals.batches,
            "resumed": resumed,
        },
        now=now,
    )
