"""Applying a form version's mapping to every stored customer, in the publishing transaction
(docs/forms.md, "Versions"): renamed values move (sealed again under their new field: a sealed
value is bound to its field), dropped ones go, defaults replace what no longer fits; freshness
follows; one audit row.

Customers are read and written in batches of `engine.form_versions.BATCH_SIZE` by id (columns,
not ORM objects; one executemany UPDATE per batch), locked while read on PostgreSQL, so a
portfolio of 100k customers is rewritten without a per-row ORM loop.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session

import forms
from engine import audit, crypto, freshness
from engine.errors import N_, DataValidationError
from engine.exposure import exposure_columns
from engine.form_versions import Tally, ValueOpener, customer_batches
from engine.models import Customer
from forms import Action, ChangeKind, FieldChecker, FormChanges, VersionMapping

MIGRATED = "customers.form_migrated"


@dataclass(frozen=True, slots=True)
class MigrationOutcome:
    """What a mapping did to stored customers: how many changed, and per field and action how
    many values."""

    customers: int
    changed: int
    counts: Mapping[str, Mapping[str, int]]


def _problem(path: tuple[str, ...], code: str, message: str, **params: Any) -> forms.DataError:
    return forms.DataError.of(("mapping", *path), code, forms.text(message, **params))


def check_publish_mapping(
    *, old: forms.Form, new: forms.Form, mapping: VersionMapping, changes: FormChanges
) -> None:
    """Refuse (DataValidationError, paths under `mapping`) a mapping that does not fit the two
    versions or leaves a removed field unmapped. Narrowed fields are checked value by value when
    the mapping is applied (`apply_mapping`)."""
    errors = forms.check_mapping(mapping, old=old, new=new, changes=changes, needed=changes.removed)
    if errors:
        raise DataValidationError(errors)


def apply_mapping(
    session: Session,
    *,
    old: forms.Form,
    new: forms.Form,
    version: int,
    mapping: VersionMapping,
    actor: str | None,
    now: datetime,
) -> MigrationOutcome:
    """Apply `mapping` to every stored customer (the caller's transaction, which publishes
    `new` as `version`): renamed values move (sealed again under their new field), dropped ones
    go, defaults replace the values of a narrowed field that no longer fit; freshness follows
    (engine.freshness.remapped); each changed customer's `row_version` goes up; one audit row.

    Raises DataValidationError (nothing written: the caller's transaction rolls back) when the
    mapping leaves stored values that do not fit the new version: a narrowed field unmapped, a
    renamed value that does not fit its target."""
    changes = forms.compare_forms(old, new)
    check_publish_mapping(old=old, new=new, mapping=mapping, changes=changes)
    checker = FieldChecker(new)
    opener = ValueOpener(session)
    narrowed = [c.field_id for c in changes.changes if c.kind is ChangeKind.NARROWED]
    resealed = [
        f for f in new.fields if (before := old.field(f.id)) is not None
        and before.sensitive != f.sensitive
    ]  # fmt: skip
    counts: dict[str, Counter[str]] = {}
    unfit: dict[tuple[str, ...], Tally] = {}
    read = changed = 0
    for rows in customer_batches(session, lock=True):
        updates: list[dict[str, Any]] = []
        for row_id, ref, data, meta, row_version in rows:
            read += 1
            result = _remap(
                ref, data, new=new, mapping=mapping, narrowed=narrowed, resealed=resealed,
                checker=checker, opener=opener, unfit=unfit,
            )  # fmt: skip
            if result is None:
                continue
            stored, renamed, dropped, defaulted = result
            for name, action in (
                *((old_id, Action.RENAME) for old_id in renamed),
                *((name, Action.DROP) for name in dropped),
                *((name, Action.DEFAULT) for name in defaulted),
            ):
                counts.setdefault(name, Counter())[str(action)] += 1
            changed += 1
            updates.append(
                {
                    "id": row_id,
                    "data": stored,
                    **exposure_columns(stored),
                    "freshness": freshness.remapped(
                        meta, renamed=renamed, dropped=dropped, defaulted=defaulted, now=now
                    ),
                    "row_version": row_version + 1,
                    "form_key": new.key,
                    "form_version": version,
                    "updated_at": now,
                }
            )
        if updates and not unfit:
            session.execute(update(Customer), updates)
    if unfit:
        raise DataValidationError(
            _problem(path, "values-unfit",
                     N_("%(count)d stored value(s) would not fit the new version (such as "
                              "those of %(examples)s): rename them, give a default or drop "
                              "them"), count=t.customers, examples=", ".join(t.examples))
            for path, t in sorted(unfit.items())
        )  # fmt: skip
    outcome = MigrationOutcome(
        customers=read,
        changed=changed,
        counts={name: dict(sorted(c.items())) for name, c in counts.items()},
    )
    _audit(session, old=old, new=new, version=version, mapping=mapping, outcome=outcome,
           actor=actor, now=now)  # fmt: skip
    return outcome


Remapped = tuple[dict[str, Any], dict[str, str], list[str], list[str]]


def _remap(
    ref: str,
    data: Mapping[str, Any],
    *,
    new: forms.Form,
    mapping: VersionMapping,
    narrowed: list[str],
    resealed: list[forms.Field],
    checker: FieldChecker,
    opener: ValueOpener,
    unfit: dict[tuple[str, ...], Tally],
) -> Remapped | None:
    """One customer's stored data under the mapping, with what moved, went and was filled in;
    None when nothing changes. A value that would not fit is tallied in `unfit` by its mapping
    path."""
    stored = dict(data)
    renamed: dict[str, str] = {}
    dropped: list[str] = []
    defaulted: list[str] = []
    for field_id, entry in mapping.items():
        if entry.action is Action.RENAME and entry.target is not None:
            if stored.get(field_id) is None:
                stored.pop(field_id, None)
                continue
            target = new.field(entry.target)
            assert target is not None
            clear = opener.clear(stored.pop(field_id), ref=ref, field_id=field_id)
            if not checker.fits(target, clear):
                unfit.setdefault((field_id, "rename"), Tally()).add(ref)
                continue
            stored[target.id] = opener.stored(clear, ref=ref, field=target)
            renamed[field_id] = target.id
            continue
        now_field = new.field(field_id)
        if now_field is None:  # a removed field dropped
            if stored.pop(field_id, None) is not None:
                dropped.append(field_id)
            continue
        clear = opener.clear(stored.get(field_id), ref=ref, field_id=field_id)
        if checker.fits(now_field, clear):
            continue
        if entry.action is Action.DEFAULT:
            stored[field_id] = opener.stored(entry.value, ref=ref, field=now_field)
            defaulted.append(field_id)
        else:
            stored.pop(field_id, None)
            dropped.append(field_id)
    for field_id in narrowed:
        if field_id in mapping:
            continue
        now_field = new.field(field_id)
        assert now_field is not None
        if not checker.fits(now_field, opener.clear(stored.get(field_id), ref=ref,
                                                    field_id=field_id)):  # fmt: skip
            unfit.setdefault((field_id,), Tally()).add(ref)
    resealed_any = False
    for f in resealed:
        value = stored.get(f.id)
        if value is None or crypto.is_sealed(value) == f.sensitive:
            continue
        clear = opener.clear(value, ref=ref, field_id=f.id)
        stored[f.id] = opener.stored(clear, ref=ref, field=f)
        resealed_any = True
    if not (renamed or dropped or defaulted or resealed_any):
        return None
    return stored, renamed, dropped, defaulted


def _audit(
    session: Session,
    *,
    old: forms.Form,
    new: forms.Form,
    version: int,
    mapping: VersionMapping,
    outcome: MigrationOutcome,
    actor: str | None,
    now: datetime,
) -> None:
    sensitive = forms.sensitive_ids(new)
    shown = {
        name: ({"default": forms.MASK} if e.action is Action.DEFAULT and name in sensitive
               else e.to_dict())
        for name, e in mapping.items()
    }  # fmt: skip
    audit.record(
        session,
        actor=actor,
        action=MIGRATED,
        entity_kind="form",
        entity_id=new.key,
        detail={
            "version": version,
            "from_checksum": old.checksum,
            "mapping": shown,
            "fields": outcome.counts,
            "customers": outcome.customers,
            "customers_changed": outcome.changed,
        },
        now=now,
    )


__all__ = ["MIGRATED", "MigrationOutcome", "apply_mapping", "check_publish_mapping"]
