"""Publishing a new version of the customer form over stored data: the impact of the draft (how
many customers hold a value that would be dropped or no longer fit), and the mapping applied to
every stored customer in the publishing transaction (docs/forms.md, "Versions").

Customers are read and written in batches of `BATCH_SIZE` by id (columns, not ORM objects; one
executemany UPDATE per batch), locked while read on PostgreSQL, so a portfolio of 100k customers
is rewritten without a per-row ORM loop. Sealed values are opened only where the mapping or the
check needs them and sealed again under their new field (a sealed value is bound to its field).
Event forms have no stored data to map: their publish is only checked for blocking readers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import update
from sqlmodel import Session, col, select

import dsl
import forms
from engine import audit, crypto, freshness, specs
from engine.db import session_keys
from engine.draft_checks import BLOCKED, CHECKS, draft_filename, published_row
from engine.errors import N_, DataValidationError, InvalidRequestError, NotFoundError
from engine.models import Customer, SpecKind, SpecStatus, SpecVersion
from engine.ruleset_schema import CUSTOMER_FORM
from forms import Action, ChangeKind, FieldChecker, FormChanges, VersionMapping

BATCH_SIZE = 1000
EXAMPLES = 3  # customer refs shown per field
MIGRATED = "customers.form_migrated"
RESCORE_REASON = "form_version"


@dataclass(frozen=True, slots=True)
class FieldImpact:
    """One removed or narrowed field: how many customers hold a value that the new version
    would drop (removed) or refuse (narrowed; a newly required field counts customers without a
    value), with a few of their refs."""

    field_id: str
    label: Mapping[str, str]
    change: str  # forms.versions.ChangeKind
    reasons: tuple[str, ...]
    candidates: tuple[str, ...]  # fields the new version adds with the same type
    customers: int
    examples: tuple[str, ...]

    @property
    def needs_mapping(self) -> bool:
        return self.change == ChangeKind.REMOVED or self.customers > 0


@dataclass(frozen=True, slots=True)
class FormImpact:
    """What publishing a form draft would do: fields added (free), removed or narrowed (with
    their stored values counted), the fields that need a mapping, and the published rulesets'
    and workflows' readings that block it (errors at their own positions)."""

    key: str
    version: int
    published_version: int | None
    customers: int  # stored customers read
    added: tuple[str, ...]
    fields: tuple[FieldImpact, ...]
    readers: tuple[dsl.Diagnostic, ...]
    new_fields: tuple[str, ...] = ()  # every field of the new version (rename targets: `added`)

    @property
    def needs_mapping(self) -> tuple[str, ...]:
        return tuple(f.field_id for f in self.fields if f.needs_mapping)

    @property
    def is_blocked(self) -> bool:
        return bool(self.readers)


@dataclass(slots=True)
class _Tally:
    customers: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, ref: str) -> None:
        self.customers += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append(ref)


@dataclass(frozen=True, slots=True)
class MigrationOutcome:
    """What a mapping did to stored customers: how many changed, and per field and action how
    many values."""

    customers: int
    changed: int
    counts: Mapping[str, Mapping[str, int]]


def _batches(session: Session, *, lock: bool) -> Iterator[list[Any]]:
    last = 0
    while True:
        query = (
            sa.select(
                col(Customer.id),
                col(Customer.external_ref),
                col(Customer.data),
                col(Customer.freshness),
                col(Customer.row_version),
            )
            .where(col(Customer.id) > last)
            .order_by(col(Customer.id))
            .limit(BATCH_SIZE)
        )
        if lock:
            query = query.with_for_update()
        rows = list(session.execute(query).all())
        if not rows:
            return
        yield rows
        last = rows[-1][0]


class _Opener:
    """Clear values of stored data, opening sealed ones (keys read once, only when needed)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._keys: Any = None

    @property
    def keys(self) -> Any:
        if self._keys is None:
            self._keys = session_keys(self._session)
        return self._keys

    def clear(self, value: Any, *, ref: str, field_id: str) -> Any:
        if crypto.is_sealed(value):
            return crypto.open_sealed(self.keys, value, ref=ref, field_id=field_id)
        return value

    def stored(self, value: Any, *, ref: str, field: forms.Field) -> Any:
        if value is None or not field.sensitive:
            return value
        return crypto.seal(self.keys, value, ref=ref, field_id=field.id)


def form_impact(
    session: Session, *, old: forms.Form | None, new: forms.Form, version: int,
    published_version: int | None, readers: tuple[dsl.Diagnostic, ...],
) -> FormImpact:  # fmt: skip
    """The impact of publishing `new` over `old` (the published version; None: the first)."""
    if old is None or new.key != CUSTOMER_FORM:
        return FormImpact(new.key, version, published_version, 0, (), (), readers)
    changes = forms.compare_forms(old, new)
    tallies = {c.field_id: _Tally() for c in changes.changes}
    checker = FieldChecker(new)
    opener = _Opener(session)
    read = 0
    for rows in _batches(session, lock=False):
        for _id, ref, data, _fresh, _version in rows:
            read += 1
            for change in changes.changes:
                value = data.get(change.field_id)
                if change.kind is ChangeKind.REMOVED:
                    if value is not None:
                        tallies[change.field_id].add(ref)
                    continue
                target = new.field(change.field_id)
                assert target is not None
                clear = opener.clear(value, ref=ref, field_id=change.field_id)
                if not checker.fits(target, clear):
                    tallies[change.field_id].add(ref)
    impacts = []
    for change in changes.changes:
        before = old.field(change.field_id)
        assert before is not None
        tally = tallies[change.field_id]
        impacts.append(
            FieldImpact(
                field_id=change.field_id,
                label=forms.label_of(before),
                change=str(change.kind),
                reasons=change.reasons,
                candidates=change.candidates,
                customers=tally.customers,
                examples=tuple(tally.examples),
            )
        )
    return FormImpact(
        new.key, version, published_version, read, changes.added, tuple(impacts), readers,
        new_fields=tuple(f.id for f in new.fields),
    )  # fmt: skip


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
    opener = _Opener(session)
    narrowed = [c.field_id for c in changes.changes if c.kind is ChangeKind.NARROWED]
    resealed = [
        f for f in new.fields if (before := old.field(f.id)) is not None
        and before.sensitive != f.sensitive
    ]  # fmt: skip
    counts: dict[str, Counter[str]] = {}
    unfit: dict[tuple[str, ...], _Tally] = {}
    read = changed = 0
    for rows in _batches(session, lock=True):
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
    opener: _Opener,
    unfit: dict[tuple[str, ...], _Tally],
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
                unfit.setdefault((field_id, "rename"), _Tally()).add(ref)
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
            unfit.setdefault((field_id,), _Tally()).add(ref)
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


def published_form(session: Session, key: str) -> tuple[forms.Form | None, int | None]:
    """The published version of form `key` and its number (None, None: none yet)."""
    row = published_row(session, SpecKind.FORM, key)
    if row is None:
        return None, None
    return specs.load_form(session, key).value, row.version


__all__ = [
    "BATCH_SIZE",
    "MIGRATED",
    "RESCORE_REASON",
    "FieldImpact",
    "FormImpact",
    "MigrationOutcome",
    "PublishMapping",
    "apply_mapping",
    "check_publish_mapping",
    "draft_impact",
    "form_impact",
    "prepare_mapping",
    "published_form",
    "stored_mapping",
]


@dataclass(frozen=True, slots=True)
class PublishMapping:
    """A customer form draft about to be published over stored data: the two versions and the
    mapping that takes the data from one to the other (checked against them)."""

    old: forms.Form
    new: forms.Form
    mapping: VersionMapping

    def to_meta(self) -> dict[str, Any]:
        return {name: entry.to_dict() for name, entry in self.mapping.items()}


def prepare_mapping(
    session: Session, row: SpecVersion, raw: object, *, scan: bool
) -> PublishMapping | None:
    """The mapping `raw` (JSON, as sent) for publishing the form draft `row`, read and checked
    against the published version; None when `row` is not the customer form or nothing is
    published yet. With `scan`, stored values of narrowed fields are counted too (a scheduled
    publish is refused now, not at its time, when they need a mapping).

    Raises DataValidationError, every problem at its path under `mapping`."""
    if row.key != CUSTOMER_FORM:
        return None
    old, _version = published_form(session, row.key)
    if old is None:
        return None
    new = forms.load_form(row.source, filename=draft_filename(session, SpecKind.FORM, row.key))
    mapping, errors = forms.read_mapping(raw)
    if errors:
        raise DataValidationError(errors)
    changes = forms.compare_forms(old, new)
    needed: tuple[str, ...] = changes.removed
    if scan:
        impact = form_impact(
            session, old=old, new=new, version=row.version, published_version=None, readers=()
        )
        needed = impact.needs_mapping
    problems = forms.check_mapping(mapping, old=old, new=new, changes=changes, needed=needed)
    if problems:
        raise DataValidationError(problems)
    return PublishMapping(old=old, new=new, mapping=mapping)


def drafts_check(session: Session, key: str, source: str) -> tuple[dsl.Diagnostic, ...]:
    return CHECKS[SpecKind.FORM](session, key, source)


def draft_impact(session: Session, key: str) -> FormImpact:
    """The impact of publishing the draft of form `key` now (engine.form_versions.FormImpact).
    Raises NotFoundError when there is no draft, InvalidRequestError when it has errors other
    than blocking readers."""
    row = session.exec(
        select(SpecVersion).where(
            SpecVersion.kind == SpecKind.FORM,
            SpecVersion.key == key,
            SpecVersion.status == SpecStatus.DRAFT,
        )
    ).first()
    if row is None:
        raise NotFoundError(N_("there is no draft of %(kind)s '%(key)s'"), kind="form", key=key)
    diagnostics = drafts_check(session, key, row.source)
    errors = [d for d in diagnostics if d.is_error and d.code != BLOCKED]
    if errors:
        raise InvalidRequestError(
            N_("the draft of %(kind)s '%(key)s' has %(count)d error(s): correct them first"),
            kind="form",
            key=key,
            count=len(errors),
        )
    new = forms.load_form(row.source, filename=draft_filename(session, SpecKind.FORM, key))
    old, version = published_form(session, key)
    readers = tuple(d for d in diagnostics if d.code == BLOCKED)
    return form_impact(
        session, old=old, new=new, version=row.version, published_version=version,
        readers=readers,
    )  # fmt: skip


def stored_mapping(row: SpecVersion) -> object:
    """The mapping a scheduled (or approval-waiting) form version was published with."""
    return row.meta.get("mapping")
