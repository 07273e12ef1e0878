"""Unique values (docs/forms.md, "Unique values"): the side table `unique_values` that holds, for
each customer form field marked `unique`, every value key and the customer holding it.

The table's UNIQUE constraint on (field, key) decides: a write of a taken value fails in the
database even when two requests race, and becomes a `not-unique` data error at the field's path
(DataValidationError), never a 500. The key is the value's comparison key (forms.comparison_key);
for a sensitive field it is an HMAC-SHA256 of it under a key derived from the instance's audit key
(`value_hash_key`), so the table never holds a sensitive value in clear (docs/security.md).

Every path that writes `Customer.data` keeps the table in step: `sync` for one customer after a
write, `sync_many` for many (bulk writes), `publish_form` when a form version changes which fields
are unique (a backfill from stored data, refused when stored data already holds duplicates).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

import forms
from engine import crypto
from engine.db import session_keys
from engine.errors import N_, ConflictError, DataValidationError
from engine.models import Customer, UniqueValue
from engine.scoping import Scope, is_within

NOT_UNIQUE: Final = "not-unique"
# what the derived key is derived with: changing it would orphan every stored hash
_HASH_LABEL: Final = b"riskdesk unique-values v1"
# a plain key longer than this is stored as its SHA-256 (an index entry has a size limit)
PLAIN_MAX: Final = 256
BATCH_SIZE: Final = 1000
EXAMPLES: Final = 3


def value_hash_key(session: Session) -> bytes:
    """The key of the sensitive fields' hashes: HMAC-SHA256 of the instance's audit key with a
    fixed label (engine.keys; docs/security.md says what changing the audit key does)."""
    return hmac.new(session_keys(session).audit_key, _HASH_LABEL, hashlib.sha256).digest()


class _Keys:
    """Stored keys of values (the hash key read once, only when a sensitive field needs it)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._secret: bytes | None = None

    def stored(self, field: forms.Field, key: str) -> str:
        if field.sensitive:
            if self._secret is None:
                self._secret = value_hash_key(self._session)
            message = f"{field.id}\x00{key}".encode()
            return "h:" + hmac.new(self._secret, message, hashlib.sha256).hexdigest()
        if len(key) > PLAIN_MAX:
            return "s:" + hashlib.sha256(key.encode()).hexdigest()
        return key

    def of(self, form: forms.Form, data: Mapping[str, Any]) -> dict[str, str]:
        """field id → stored key, for each unique field `data` (clear values) holds."""
        found = forms.unique_keys(form, data)
        return {fid: self.stored(_field(form, fid), key) for fid, key in found.items()}


def _field(form: forms.Form, field_id: str) -> forms.Field:
    found = form.field(field_id)
    assert found is not None
    return found


def _label(field: forms.Field) -> dict[str, str]:
    return {language: field.title(language) for language in forms.LANGUAGES}


def _taken(field: forms.Field, holder: tuple[str, str | None] | None, scope: Scope) -> Any:
    """The not-unique error of `field`; it names the holder only when the caller's scope holds
    its department (elsewhere a customer's existence is not revealed)."""
    path = ("data", field.id)
    if holder is not None and is_within(holder[1], scope):
        wording = forms.text(
            N_("%(label)s: customer '%(ref)s' already has this value; it must be unique"),
            label=_label(field),
            ref=holder[0],
        )
    else:
        wording = forms.text(
            N_("%(label)s: another customer already has this value; it must be unique"),
            label=_label(field),
        )
    return forms.DataError.of(path, NOT_UNIQUE, wording)


_HOLDER = (
    sa.select(col(Customer.external_ref), col(Customer.department))
    .join(UniqueValue, col(UniqueValue.customer_id) == col(Customer.id))
    .where(
        col(UniqueValue.field_id) == sa.bindparam("field_id"),
        col(UniqueValue.value_key) == sa.bindparam("value_key"),
        col(UniqueValue.customer_id) != sa.bindparam("customer_id"),
    )
)


def _holder(session: Session, field_id: str, key: str, customer_id: int) -> tuple[str, str | None]:
    row = session.execute(
        _HOLDER, {"field_id": field_id, "value_key": key, "customer_id": customer_id}
    ).first()
    return (str(row[0]), row[1]) if row is not None else None  # type: ignore[return-value]


def taken(
    session: Session,
    form: forms.Form,
    data: Mapping[str, Any],
    *,
    customer_id: int | None,
    scope: Scope = None,
) -> list[forms.DataError]:
    """The `not-unique` errors (each at its field's path under `data`) of the unique fields of
    `data` (clear values) whose value another customer than `customer_id` (None: one not yet
    stored) holds. Reads only; `sync` decides again as it writes."""
    if not forms.unique_fields(form):
        return []
    keys = _Keys(session).of(form, data)
    errors = []
    for field_id, key in keys.items():
        holder = _holder(session, field_id, key, customer_id if customer_id is not None else -1)
        if holder is not None:
            errors.append(_taken(_field(form, field_id), holder, scope))
    return errors


def check(
    session: Session,
    form: forms.Form,
    data: Mapping[str, Any],
    *,
    customer_id: int | None,
    scope: Scope = None,
) -> None:
    """Raises DataValidationError with the errors `taken` finds (none: returns)."""
    errors = taken(session, form, data, customer_id=customer_id, scope=scope)
    if errors:
        raise DataValidationError(errors)


def sync(
    session: Session,
    form: forms.Form,
    customer_id: int,
    data: Mapping[str, Any],
    *,
    scope: Scope = None,
) -> None:
    """Make customer `customer_id`'s rows those of `data` (its clear data as now stored): rows of
    values it no longer holds go, new ones are inserted (in a savepoint).

    Raises DataValidationError (`not-unique` at the field's path) when another customer holds a
    value, also when that customer's write raced this one (the constraint decides);
    ConflictError when the constraint refused but the holder is gone again meanwhile."""
    sync_many(session, form, [(customer_id, data)], scope=scope)


def sync_many(
    session: Session,
    form: forms.Form,
    items: Sequence[tuple[int, Mapping[str, Any]]],
    *,
    scope: Scope = None,
) -> None:
    """`sync` for many customers at once (customer id, clear data as now stored): one read of
    their rows per batch, one DELETE and one executemany INSERT. A value two of `items` hold
    is refused as taken for the later one. Raises as `sync`, every error of every customer
    (paths under `data`; the caller's transaction rolls back)."""
    unique = {f.id for f in forms.unique_fields(form)}
    if not items or not unique:
        # no field is unique: there are no rows to keep (publishing the form that dropped the
        # last `unique` removed them, engine.unique_values.publish_form)
        return
    keys = _Keys(session)
    wanted = {cid: keys.of(form, data) if unique else {} for cid, data in items}
    stale: list[int] = []
    new: list[dict[str, Any]] = []
    ids = list(wanted)
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start : start + BATCH_SIZE]
        held: dict[int, dict[str, tuple[int, str]]] = {cid: {} for cid in chunk}
        rows = session.execute(
            sa.select(
                col(UniqueValue.id),
                col(UniqueValue.customer_id),
                col(UniqueValue.field_id),
                col(UniqueValue.value_key),
            ).where(col(UniqueValue.customer_id).in_(chunk))
        )
        for row_id, cid, field_id, value_key in rows:
            held[cid][field_id] = (row_id, value_key)
        for cid in chunk:
            for field_id, (row_id, value_key) in held[cid].items():
                if wanted[cid].get(field_id) != value_key:
                    stale.append(row_id)
            for field_id, value_key in wanted[cid].items():
                if held[cid].get(field_id, (0, None))[1] != value_key:
                    new.append({"field_id": field_id, "value_key": value_key, "customer_id": cid})
    for start in range(0, len(stale), BATCH_SIZE):
        session.execute(
            sa.delete(UniqueValue).where(col(UniqueValue.id).in_(stale[start : start + BATCH_SIZE]))
        )
    if not new:
        return
    errors = _in_batch_duplicates(form, new)
    if errors:
        raise DataValidationError(errors)
    try:
        with session.begin_nested():
            session.execute(sa.insert(UniqueValue), new)
    except IntegrityError as exc:
        found = []
        for row in new:
            holder = _holder(session, row["field_id"], row["value_key"], row["customer_id"])
            if holder is not None:
                found.append(_taken(_field(form, row["field_id"]), holder, scope))
        if found:
            raise DataValidationError(found) from exc
        raise ConflictError(
            N_("a unique value was written by another request meanwhile; try again")
        ) from exc


def _in_batch_duplicates(form: forms.Form, new: list[dict[str, Any]]) -> list[Any]:
    seen: set[tuple[str, str]] = set()
    errors = []
    for row in new:
        pair = (row["field_id"], row["value_key"])
        if pair in seen:
            errors.append(_taken(_field(form, row["field_id"]), None, None))
        seen.add(pair)
    return errors


# --- publishing a form version ---------------------------------------------------------------


@dataclass(slots=True)
class Duplicates:
    """One unique field whose stored values repeat: how many customers hold a value another
    customer holds too, and a few of their refs."""

    field_id: str
    label: Mapping[str, str]
    customers: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, ref: str) -> None:
        self.customers += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append(ref)


def changed_fields(
    old: forms.Form | None, new: forms.Form, *, renamed: Sequence[str] = ()
) -> tuple[tuple[forms.Field, ...], tuple[str, ...]]:
    """What publishing `new` over `old` does to the table: the unique fields of `new` to fill
    from stored data (newly unique, added, a rename's target, or compared differently: another
    type or sensitivity), and the field ids whose rows go (no longer unique, or removed)."""
    refill = []
    for f in forms.unique_fields(new):
        before = old.field(f.id) if old is not None else None
        if (
            before is None
            or not before.unique
            or before.type is not f.type
            or before.sensitive != f.sensitive
            or f.id in renamed
        ):
            refill.append(f)
    dropped = tuple(
        f.id
        for f in (forms.unique_fields(old) if old is not None else ())
        if (now := new.field(f.id)) is None or not now.unique
    )
    return tuple(refill), dropped


def _customers(session: Session) -> Iterator[list[Any]]:
    last = 0
    while True:
        rows = list(
            session.execute(
                sa.select(col(Customer.id), col(Customer.external_ref), col(Customer.data))
                .where(col(Customer.id) > last)
                .order_by(col(Customer.id))
                .limit(BATCH_SIZE)
            ).all()
        )
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _scan(
    session: Session, fields: Sequence[forms.Field]
) -> tuple[list[dict[str, Any]], list[Duplicates]]:
    """The rows `fields` would have from stored data, and per field its duplicates."""
    keys = _Keys(session)
    opener: Any = None
    first: dict[tuple[str, str], tuple[str, bool]] = {}  # (field, key) → first ref, counted
    tallies = {f.id: Duplicates(f.id, forms.label_of(f)) for f in fields}
    rows: list[dict[str, Any]] = []
    for batch in _customers(session):
        for cid, ref, data in batch:
            for f in fields:
                value = data.get(f.id)
                if crypto.is_sealed(value):
                    opener = opener or session_keys(session)
                    value = crypto.open_sealed(opener, value, ref=ref, field_id=f.id)
                key = forms.comparison_key(f, value)
                if key is None:
                    continue
                pair = (f.id, keys.stored(f, key))
                if pair in first:
                    holder, counted = first[pair]
                    if not counted:
                        tallies[f.id].add(holder)
                        first[pair] = (holder, True)
                    tallies[f.id].add(ref)
                    continue
                first[pair] = (ref, False)
                rows.append({"field_id": pair[0], "value_key": pair[1], "customer_id": cid})
    return rows, [t for t in tallies.values() if t.customers]


def duplicates(session: Session, old: forms.Form | None, new: forms.Form) -> tuple[Duplicates, ...]:
    """The duplicates stored data holds in the fields `new` makes unique (read only; the draft
    page shows them: a publish is refused while there are any)."""
    refill, _dropped = changed_fields(old, new)
    if not refill:
        return ()
    return tuple(_scan(session, refill)[1])


class DuplicatesBlockError(ConflictError):
    """A form version makes a field unique that stored customers hold the same value of;
    `duplicates` says how many per field, with example refs."""

    def __init__(self, found: Sequence[Duplicates]) -> None:
        self.duplicates = tuple(found)
        summary = "; ".join(
            f"{d.field_id}: {d.customers} ({', '.join(d.examples)})" for d in self.duplicates
        )
        super().__init__(
            N_(
                "stored customers hold the same value of a field the new form version makes "
                "unique (%(duplicates)s): correct their values before publishing"
            ),
            duplicates=summary,
        )


def publish_form(
    session: Session, *, old: forms.Form | None, new: forms.Form, renamed: Sequence[str] = ()
) -> int:
    """Bring the table in step with `new`, published over `old` in the caller's transaction
    (after any mapping moved stored values; `renamed` the fields values were renamed into): rows
    of fields no longer unique go, the fields `changed_fields` names are filled from stored data.
    Returns the rows inserted. Raises DuplicatesBlockError (the caller rolls back) when stored
    data holds the same value for two customers."""
    refill, dropped = changed_fields(old, new, renamed=renamed)
    gone = [*dropped, *(f.id for f in refill)]
    if gone:
        session.execute(sa.delete(UniqueValue).where(col(UniqueValue.field_id).in_(gone)))
    if not refill:
        return 0
    rows, found = _scan(session, refill)
    if found:
        raise DuplicatesBlockError(found)
    for start in range(0, len(rows), BATCH_SIZE):
        session.execute(sa.insert(UniqueValue), rows[start : start + BATCH_SIZE])
    return len(rows)


def holder_id(session: Session, form: forms.Form, field_id: str, value: Any) -> int | None:
    """The id of the customer holding `value` of unique field `field_id` (None: none does)."""
    f = form.field(field_id)
    key = forms.comparison_key(f, value) if f is not None and f.unique else None
    if f is None or key is None:
        return None
    found = session.execute(
        sa.select(col(UniqueValue.customer_id)).where(
            col(UniqueValue.field_id) == field_id,
            col(UniqueValue.value_key) == _Keys(session).stored(f, key),
        )
    ).first()
    return int(found[0]) if found is not None else None


__all__ = [
    "NOT_UNIQUE",
    "Duplicates",
    "DuplicatesBlockError",
    "changed_fields",
    "check",
    "duplicates",
    "holder_id",
    "publish_form",
    "sync",
    "sync_many",
    "taken",
    "value_hash_key",
]
