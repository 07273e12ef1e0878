"""A new version of the customer form over stored data: the impact of the draft (how many
customers hold a value that would be dropped or no longer fit), and the mapping a publish takes,
read and checked against the two versions (docs/forms.md, "Versions"); engine.form_migration
applies it. Customers are read in batches of `BATCH_SIZE` by id, as columns, not ORM objects.
Sealed values are opened only where a check needs them. Event forms have no stored data to map:
their publish is only checked for blocking readers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

import dsl
import forms
from engine import crypto, specs, unique_values
from engine.db import session_keys
from engine.draft_checks import BLOCKED, CHECKS, draft_filename, published_row
from engine.errors import N_, DataValidationError, InvalidRequestError, NotFoundError
from engine.models import Customer, SpecKind, SpecStatus, SpecVersion
from engine.ruleset_schema import CUSTOMER_FORM
from forms import ChangeKind, FieldChecker, VersionMapping

BATCH_SIZE = 1000
EXAMPLES = 3  # customer refs shown per field
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
    # fields the new version makes unique whose stored values repeat (a publish is refused)
    duplicates: tuple[unique_values.Duplicates, ...] = ()

    @property
    def needs_mapping(self) -> tuple[str, ...]:
        return tuple(f.field_id for f in self.fields if f.needs_mapping)

    @property
    def is_blocked(self) -> bool:
        return bool(self.readers or self.duplicates)


@dataclass(slots=True)
class Tally:
    customers: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, ref: str) -> None:
        self.customers += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append(ref)


def customer_batches(session: Session, *, lock: bool) -> Iterator[list[Any]]:
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


class ValueOpener:
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
    """The impact of publishing `new` over `old` (the published version; None: the first).
    Duplicates are looked for in the values stored under the new unique fields' own ids: a
    value a rename would bring into one is found when the publish applies the mapping."""
    if new.key != CUSTOMER_FORM:
        return FormImpact(new.key, version, published_version, 0, (), (), readers)
    repeated = unique_values.duplicates(session, old, new)
    if old is None:
        return FormImpact(
            new.key, version, published_version, 0, (), (), readers, duplicates=repeated
        )
    changes = forms.compare_forms(old, new)
    tallies = {c.field_id: Tally() for c in changes.changes}
    checker = FieldChecker(new)
    opener = ValueOpener(session)
    read = 0
    for rows in customer_batches(session, lock=False):
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
        new_fields=tuple(f.id for f in new.fields), duplicates=repeated,
    )  # fmt: skip


def published_form(session: Session, key: str) -> tuple[forms.Form | None, int | None]:
    """The published version of form `key` and its number (None, None: none yet)."""
    row = published_row(session, SpecKind.FORM, key)
    if row is None:
        return None, None
    return specs.load_form(session, key).value, row.version


__all__ = [
    "BATCH_SIZE",
    "RESCORE_REASON",
    "FieldImpact",
    "FormImpact",
    "PublishMapping",
    "Tally",
    "ValueOpener",
    "customer_batches",
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
