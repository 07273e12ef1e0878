"""Publishing a draft: at once, at a chosen time (the sweep publishes due scheduled versions,
once across processes), or, when the template asks for it, after someone else approves
(engine.spec_changes). Publishing a ruleset queues a rescore of the whole portfolio.

Publishing a new version of the customer form takes a mapping of its removed and narrowed fields
(engine.form_versions), applied to every stored customer in the publishing transaction (a
scheduled version keeps its mapping in its meta and applies it when it comes due); a version that
published rulesets or workflows still read fields of is refused (ReadersBlockError).

The draft row itself becomes the published (or scheduled) version: it keeps the number and the
text it was checked with. Every step writes its audit row in the same transaction. Whether the
caller may publish (`specs:publish`) is the caller's check.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from engine import (
    audit,
    draft_checks,
    drafts,
    form_migration,
    form_versions,
    publish_failures,
    specs,
    unique_values,
)
from engine.db import Database
from engine.errors import (
    N_,
    ConflictError,
    EngineError,
    InvalidRequestError,
    NotFoundError,
    ReadersBlockError,
)
from engine.jobs import start_job
from engine.models import SpecKind, SpecStatus, SpecVersion

log = logging.getLogger(__name__)

RESCORE = "rescore"
PENDING_APPROVAL = "pending_approval"
# How many due scheduled versions one sweep publishes at most; the next sweep takes the rest.
DUE_PER_SWEEP = 20


@dataclass(frozen=True, slots=True)
class PublishOutcome:
    """What `publish_draft` did: `status` is `published`, `scheduled` (waiting for
    `effective_at`) or `pending_approval` (a `ruleset_change` case, `case_id`, was opened)."""

    kind: str
    key: str
    version: int
    status: str
    effective_at: datetime | None = None
    case_id: int | None = None
    rescore_job_id: int | None = None


def _draft(session: Session, kind: SpecKind, key: str) -> SpecVersion:
    row = session.exec(
        select(SpecVersion).where(
            SpecVersion.kind == kind, SpecVersion.key == key, SpecVersion.status == SpecStatus.DRAFT
        )
    ).first()
    if row is None:
        raise NotFoundError(N_("there is no draft of %(kind)s '%(key)s'"), kind=kind, key=key)
    return row


def checked_draft(
    session: Session, kind: SpecKind, key: str, *, expected_checksum: str | None = None
) -> SpecVersion:
    """The draft of (kind, key), checked again now and numbered as the next version.

    Raises NotFoundError (no draft), ConflictError (the draft is not at `expected_checksum`),
    InvalidRequestError (the draft has errors) and ReadersBlockError (a form draft that
    published rulesets or workflows still read removed fields of)."""
    row = _draft(session, kind, key)
    if expected_checksum is not None and expected_checksum != row.checksum:
        raise ConflictError(
            N_("the draft of %(kind)s '%(key)s' was changed by someone else meanwhile; reload it"),
            kind=kind,
            key=key,
        )
    diagnostics = drafts.check_source(session, kind, key, row.source)
    blocked = tuple(d for d in diagnostics if d.code == draft_checks.BLOCKED)
    errors = sum(1 for d in diagnostics if d.is_error) - len(blocked)
    if errors:
        raise InvalidRequestError(
            N_(
                "the draft of %(kind)s '%(key)s' has %(count)d error(s): correct them before "
                "publishing"
            ),
            kind=kind,
            key=key,
            count=errors,
        )
    if blocked:
        raise ReadersBlockError(
            N_(
                "published definitions read fields the draft of %(kind)s '%(key)s' no longer "
                "has: update them first"
            ),
            diagnostics=blocked,
            kind=kind,
            key=key,
        )
    # An import beside the draft may have taken its number (before numbers were made room for).
    version = drafts.next_version(session, kind, key)
    if row.version != version:
        row.version = version
        session.add(row)
        session.flush()
    return row


def publish_draft(
    session: Session,
    kind: SpecKind,
    key: str,
    *,
    comment: str,
    effective_at: datetime | None,
    actor: str | None,
    now: datetime,
    expected_checksum: str | None = None,
    mapping: object = None,
) -> PublishOutcome:
    """Publish the draft of (kind, key) with `comment`: now, or at `effective_at` when that is
    later (the version is then `scheduled`); when the template requires approval, open a
    `ruleset_change` case instead (engine.spec_changes) and publish nothing yet. `mapping`
    (JSON, field → `{rename|default|drop}`) says what becomes of the stored values of the
    customer form's removed and narrowed fields (engine.form_versions).

    Raises NotFoundError, ConflictError, InvalidRequestError and ReadersBlockError (see
    `checked_draft`; also for an empty comment or an approval already pending), and
    DataValidationError for a mapping that is missing or does not fit (paths under `mapping`).
    """
    comment = comment.strip()
    if not comment:
        raise InvalidRequestError(N_("say in a comment why this version is published"))
    if mapping is not None and kind != SpecKind.FORM:
        raise InvalidRequestError(N_("only a form's publish takes a mapping of its fields"))
    row = checked_draft(session, kind, key, expected_checksum=expected_checksum)
    if effective_at is not None and effective_at <= now:
        effective_at = None  # a moment already past: publish now
    from engine import spec_changes  # it publishes through this module once approved

    waits = spec_changes.requires_approval(session, row)
    prepared = None
    if kind == SpecKind.FORM:
        # checked now; values of narrowed fields are counted now when the publish waits
        prepared = form_versions.prepare_mapping(
            session, row, mapping, scan=waits or effective_at is not None
        )
    if waits:
        if prepared is not None:
            row.meta = {**row.meta, "mapping": prepared.to_meta()}
            session.add(row)
            session.flush()
        case_id = spec_changes.request_approval(
            session, row, comment=comment, effective_at=effective_at, actor=actor, now=now
        )
        return PublishOutcome(
            kind=row.kind,
            key=row.key,
            version=row.version,
            status=PENDING_APPROVAL,
            effective_at=effective_at,
            case_id=case_id,
        )
    return release(
        session,
        row,
        comment=comment,
        effective_at=effective_at,
        published_by=actor,
        now=now,
        mapping=prepared,
    )


def release(
    session: Session,
    row: SpecVersion,
    *,
    comment: str,
    effective_at: datetime | None,
    published_by: str | None,
    approved_by: str | None = None,
    now: datetime,
    mapping: form_versions.PublishMapping | None = None,
) -> PublishOutcome:
    """Publish the checked draft `row` now, or mark it scheduled for `effective_at` (later than
    `now`), and audit it. A form's `mapping` (None: the one stored in the draft's meta by an
    approval request, if any) is applied to stored customers now, or kept in the scheduled
    version's meta. Raises ConflictError when the draft changed meanwhile, DataValidationError
    when the mapping does not fit the stored data."""
    if mapping is None and row.kind == SpecKind.FORM:
        mapping = form_versions.prepare_mapping(
            session, row, form_versions.stored_mapping(row), scan=effective_at is not None
        )
    meta = draft_checks.published_meta(session, row)
    if mapping is not None and effective_at is not None:
        meta["mapping"] = mapping.to_meta()
    detail: dict[str, Any] = {"version": row.version, "checksum": row.checksum, "comment": comment}
    if approved_by is not None:
        detail["approved_by"] = approved_by
    if effective_at is not None:
        scheduled = session.execute(
            update(SpecVersion)
            .where(col(SpecVersion.id) == row.id, col(SpecVersion.status) == SpecStatus.DRAFT)
            .values(
                status=SpecStatus.SCHEDULED,
                meta=meta,
                published_by=published_by,
                comment=comment,
                effective_at=effective_at,
            )
            .execution_options(synchronize_session=False)
        )
        if scheduled.rowcount != 1:  # type: ignore[attr-defined]
            raise _changed(row)
        session.expire(row)
        audit.record(
            session,
            actor=published_by,
            action="spec.scheduled",
            entity_kind=row.kind,
            entity_id=row.key,
            detail={**detail, "effective_at": effective_at},
            now=now,
        )
        return PublishOutcome(
            kind=row.kind,
            key=row.key,
            version=row.version,
            status=SpecStatus.SCHEDULED,
            effective_at=effective_at,
        )
    if not specs.publish_existing(
        session,
        row,
        expected_status=SpecStatus.DRAFT,
        meta=meta,
        published_by=published_by,
        comment=comment,
        effective_at=None,
        now=now,
    ):
        raise _changed(row)
    migrated = _migrate(session, row, mapping, actor=published_by, now=now)
    job_id = _published(
        session, row, actor=published_by, detail=detail, now=now, data_changed=migrated
    )
    return PublishOutcome(
        kind=row.kind,
        key=row.key,
        version=row.version,
        status=SpecStatus.PUBLISHED,
        rescore_job_id=job_id,
    )


def _changed(row: SpecVersion) -> ConflictError:
    return ConflictError(
        N_("the draft of %(kind)s '%(key)s' was changed by someone else meanwhile; reload it"),
        kind=row.kind,
        key=row.key,
    )


def _migrate(
    session: Session,
    row: SpecVersion,
    mapping: form_versions.PublishMapping | None,
    *,
    actor: str | None,
    now: datetime,
) -> bool:
    """Apply a form version's mapping to the stored customers; whether any changed."""
    if mapping is None:
        return False
    outcome = form_migration.apply_mapping(
        session,
        old=mapping.old,
        new=mapping.new,
        version=row.version,
        mapping=mapping.mapping,
        actor=actor,
        now=now,
    )
    renamed = [e.target for e in mapping.mapping.values() if e.target is not None]
    unique_values.publish_form(session, old=mapping.old, new=mapping.new, renamed=renamed)
    return outcome.changed > 0


def _published(
    session: Session,
    row: SpecVersion,
    *,
    actor: str | None,
    detail: dict[str, Any],
    now: datetime,
    data_changed: bool = False,
) -> int | None:
    """Audit the publication of `row`; a ruleset that scores customers, or a form version whose
    mapping changed stored data, queues the rescore of the whole portfolio. Returns the rescore
    job's id (None: no rescore)."""
    audit.record(
        session,
        actor=actor,
        action="spec.published",
        entity_kind=row.kind,
        entity_id=row.key,
        detail=detail,
        now=now,
    )
    if data_changed and specs.latest_template_row(session) is not None:
        reason = form_versions.RESCORE_REASON
    elif row.kind == SpecKind.RULESET and _scores_customers(session, row.key):
        reason = "publish"
    else:
        return None
    job = start_job(
        session, kind=RESCORE, params={"as_of": None, "reason": reason}, actor=actor, now=now
    )
    return job.id


def _scores_customers(session: Session, key: str) -> bool:
    template = specs.latest_template_row(session)
    return template is not None and template.meta.get("scoring_ruleset") == key


def publish_due(database: Database, *, now: datetime, limit: int = DUE_PER_SWEEP) -> int:
    """Publish the scheduled versions whose `effective_at` has come, each in its own
    transaction and once across processes (a conditional update from `scheduled` claims it).
    A scheduled version overtaken by a newer published one is retired instead. Returns how
    many were published."""
    with database.transaction() as session:
        due = list(
            session.exec(
                select(SpecVersion.id)
                .where(
                    SpecVersion.status == SpecStatus.SCHEDULED,
                    col(SpecVersion.effective_at) <= now,
                )
                .order_by(col(SpecVersion.effective_at), col(SpecVersion.id))
                .limit(limit)
            )
        )
    published = 0
    for row_id in due:
        assert row_id is not None
        try:
            with database.transaction() as session:
                published += _publish_scheduled(session, row_id, now=now)
        except EngineError as exc:  # it cannot be published as it is: told once, retried
            log.warning("scheduled spec version %s cannot be published: %s", row_id, exc.detail)
            with database.transaction() as session:
                publish_failures.record_failure(session, row_id, exc, now=now)
        except Exception:  # one bad version must not stop the others (logged, retried next sweep)
            log.exception("publishing scheduled spec version %s failed", row_id)
    return published


def _publish_scheduled(session: Session, row_id: int, *, now: datetime) -> int:
    row = session.get(SpecVersion, row_id)
    if row is None or row.status != SpecStatus.SCHEDULED:
        return 0  # another process took it
    kind = SpecKind(row.kind)
    current = draft_checks.published_row(session, kind, row.key)
    detail: dict[str, Any] = {
        "version": row.version,
        "checksum": row.checksum,
        "comment": row.comment,
        "effective_at": row.effective_at,
        "scheduled": True,
    }
    if current is not None and current.version > row.version:
        retired = session.execute(
            update(SpecVersion)
            .where(col(SpecVersion.id) == row_id, col(SpecVersion.status) == SpecStatus.SCHEDULED)
            .values(status=SpecStatus.RETIRED)
            .execution_options(synchronize_session=False)
        )
        if retired.rowcount == 1:  # type: ignore[attr-defined]
            audit.record(
                session,
                actor=row.published_by,
                action="spec.schedule_superseded",
                entity_kind=row.kind,
                entity_id=row.key,
                detail={**detail, "published_version": current.version},
                now=now,
            )
        return 0
    mapping = None
    if kind == SpecKind.FORM:
        blocked = tuple(
            d
            for d in draft_checks.CHECKS[kind](session, row.key, row.source)
            if d.code == draft_checks.BLOCKED
        )
        if blocked:  # a reader published meanwhile: logged, and tried again next sweep
            raise ReadersBlockError(
                N_("published definitions read fields form '%(key)s' no longer has"),
                diagnostics=blocked,
                key=row.key,
            )
        # the stored mapping, checked again against the data as it is now
        mapping = form_versions.prepare_mapping(
            session, row, form_versions.stored_mapping(row), scan=False
        )
    if not specs.publish_existing(
        session,
        row,
        expected_status=SpecStatus.SCHEDULED,
        published_by=row.published_by,
        comment=row.comment,
        effective_at=row.effective_at,
        now=now,
    ):
        return 0
    migrated = _migrate(session, row, mapping, actor=row.published_by, now=now)
    _published(session, row, actor=row.published_by, detail=detail, now=now, data_changed=migrated)
    return 1


__all__ = ["PublishOutcome", "checked_draft", "publish_draft", "publish_due", "release"]
