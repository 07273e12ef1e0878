"""Drafts of definitions: one draft per (kind, key), saved even with errors, checked as the
template import would check it, listed beside the published versions, diffed, and (a ruleset)
tried on a customer beside the published version. Publishing a draft is not here.

A draft is a `spec_versions` row with status `draft` whose `version` is the number it would be
published as. Saving again replaces that row's source in place (guarded by its checksum: two
editors racing get a conflict, never a lost update); it creates no version of a published spec.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

import dsl
import forms
from engine import audit, crypto, fx, specs
from engine.customers import find_customer
from engine.draft_checks import CHECKS, published_row
from engine.errors import N_, ConflictError, InvalidRequestError, NotFoundError
from engine.evaluation import customer_events, customer_record
from engine.explanations import explanations
from engine.models import SpecKind, SpecStatus, SpecVersion
from engine.scoping import Scope
from engine.views import number


@dataclass(frozen=True, slots=True)
class DraftView:
    """A saved draft: the version it would be published as, its source and what its check
    found (`diagnostics`, errors and warnings)."""

    kind: str
    key: str
    version: int
    status: str
    checksum: str
    source: str
    author: str | None
    created_at: datetime
    diagnostics: tuple[dsl.Diagnostic, ...]

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)


@dataclass(frozen=True, slots=True)
class VersionView:
    version: int
    status: str
    author: str | None
    created_at: datetime
    published_at: datetime | None
    checksum: str


@dataclass(frozen=True, slots=True)
class RuleChange:
    """A rule that starts or stops firing under the draft, with the points it adds."""

    id: str
    label: str | None
    points: int | float


@dataclass(frozen=True, slots=True)
class TryOutcome:
    """A customer scored by one version: score, tier, fired rules and the explanation lines per
    language (engine.explanations)."""

    version: int
    score: int | float
    tier: str
    fired: tuple[RuleChange, ...]
    explanation: dict[str, tuple[dict[str, Any], ...]]


@dataclass(frozen=True, slots=True)
class TryResult:
    customer_ref: str
    as_of: date
    draft: TryOutcome
    published: TryOutcome | None  # None: a new ruleset, nothing published to compare with
    started_firing: tuple[RuleChange, ...]
    stopped_firing: tuple[RuleChange, ...]
    score_before: int | float | None
    score_after: int | float
    tier_before: str | None
    tier_after: str


def _draft_row(session: Session, kind: SpecKind, key: str) -> SpecVersion | None:
    return session.exec(
        select(SpecVersion).where(
            SpecVersion.kind == kind, SpecVersion.key == key, SpecVersion.status == SpecStatus.DRAFT
        )
    ).first()


def next_version(session: Session, kind: SpecKind, key: str) -> int:
    """The number the next published version of (kind, key) takes: after every non-draft one."""
    latest = session.exec(
        select(func.max(SpecVersion.version)).where(
            SpecVersion.kind == kind,
            SpecVersion.key == key,
            SpecVersion.status != SpecStatus.DRAFT,
        )
    ).one()
    return (latest or 0) + 1


def check_source(
    session: Session, kind: SpecKind, key: str, source: str
) -> tuple[dsl.Diagnostic, ...]:
    """Every problem the template import would find in `source` as the next version of `key`
    (errors and warnings; engine.draft_checks). Rulesets, forms and workflows have drafts: another
    kind raises InvalidRequestError."""
    check = CHECKS.get(kind)
    if check is None:
        raise InvalidRequestError(
            N_("only rulesets, forms and workflows have drafts, not %(kind)s"), kind=kind
        )
    return check(session, key, source)


def _view(
    session: Session, row: SpecVersion, diagnostics: tuple[dsl.Diagnostic, ...] | None = None
) -> DraftView:
    """The draft `row`; `diagnostics` when its source was just checked, else checked now."""
    if diagnostics is None:
        diagnostics = check_source(session, SpecKind(row.kind), row.key, row.source)
    return DraftView(
        kind=row.kind,
        key=row.key,
        version=row.version,
        status=row.status,
        checksum=row.checksum,
        source=row.source,
        author=row.author,
        created_at=row.created_at,
        diagnostics=diagnostics,
    )


def save_draft(
    session: Session,
    kind: SpecKind,
    key: str,
    source: str,
    *,
    actor: str | None,
    now: datetime,
    expected_checksum: str | None = None,
) -> DraftView:
    """Save `source` as the draft of (kind, key), errors and all, and audit it.

    The one draft of a key is replaced in place; `expected_checksum`, when given, is the checksum
    of the draft the editor started from. Raises ConflictError when the draft changed meanwhile
    (or another request created it at the same moment).
    """
    published = published_row(session, kind, key)
    if published is not None and published.meta.get("built_in"):
        raise InvalidRequestError(
            N_("the %(kind)s '%(key)s' is built in and has no drafts"), kind=kind, key=key
        )
    diagnostics = check_source(session, kind, key, source)
    checksum = specs.checksum_of(source)
    version = next_version(session, kind, key)
    meta = dict(published.meta) if published is not None else {}
    meta.pop("mapping", None)  # the published version's own mapping (engine.form_versions)
    meta["based_on"] = published.version if published is not None else None
    row = _draft_row(session, kind, key)
    if row is None:
        if expected_checksum is not None:
            raise ConflictError(
                N_("the draft of %(kind)s '%(key)s' was discarded meanwhile; reload it"),
                kind=kind,
                key=key,
            )
        row = SpecVersion(
            kind=kind,
            key=key,
            version=version,
            status=SpecStatus.DRAFT,
            label=published.label if published is not None else None,
            filename=published.filename if published is not None else None,
            source=source,
            checksum=checksum,
            template_key=published.template_key if published is not None else None,
            template_version=published.template_version if published is not None else None,
            meta=meta,
            author=actor,
            created_at=now,
        )
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError as exc:
            raise _conflict(kind, key) from exc
    else:
        read = row.checksum if expected_checksum is None else expected_checksum
        result = session.execute(
            update(SpecVersion)
            .where(col(SpecVersion.id) == row.id, col(SpecVersion.checksum) == read)
            .values(
                source=source,
                checksum=checksum,
                version=version,
                meta=meta,
                author=actor,
                created_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise _conflict(kind, key)
        session.expire(row)
    audit.record(
        session,
        actor=actor,
        action="spec.draft_saved",
        entity_kind=str(kind),
        entity_id=key,
        detail={
            "version": version,
            "checksum": checksum,
            "errors": sum(1 for d in diagnostics if d.is_error),
        },
        now=now,
    )
    session.flush()
    return _view(session, row, diagnostics)


def _conflict(kind: SpecKind, key: str) -> ConflictError:
    return ConflictError(
        N_("the draft of %(kind)s '%(key)s' was changed by someone else meanwhile; reload it"),
        kind=kind,
        key=key,
    )


def get_draft(session: Session, kind: SpecKind, key: str) -> DraftView:
    """The draft of (kind, key) with its diagnostics. Raises NotFoundError when there is none."""
    row = _draft_row(session, kind, key)
    if row is None:
        raise NotFoundError(N_("there is no draft of %(kind)s '%(key)s'"), kind=kind, key=key)
    return _view(session, row)


def list_versions(session: Session, kind: SpecKind, key: str) -> tuple[VersionView, ...]:
    """Every version of (kind, key), the draft included, by version number. Raises
    NotFoundError when there is none."""
    rows = session.exec(
        select(SpecVersion)
        .where(SpecVersion.kind == kind, SpecVersion.key == key)
        .order_by(col(SpecVersion.version))
    ).all()
    if not rows:
        raise NotFoundError(N_("there is no %(kind)s '%(key)s'"), kind=kind, key=key)
    return tuple(
        VersionView(
            version=row.version,
            status=row.status,
            author=row.author,
            created_at=row.created_at,
            published_at=row.published_at,
            checksum=row.checksum,
        )
        for row in rows
    )


def diff_version(
    session: Session, kind: SpecKind, key: str, version: int, *, against: str = "published"
) -> str:
    """A unified line diff from `against` (`published`, or a version number) to `version`,
    the files named `KEY vN`. Empty when they are equal. Raises NotFoundError, and
    InvalidRequestError for an `against` that is neither."""
    row = specs.find_row(session, kind, key, version)
    if against == "published":
        base = specs.find_row(session, kind, key)
    elif against.isdigit():
        base = specs.find_row(session, kind, key, int(against))
    else:
        raise InvalidRequestError(
            N_("compare against 'published' or a version number, not '%(against)s'"),
            against=against,
        )
    lines = difflib.unified_diff(
        base.source.splitlines(keepends=True),
        row.source.splitlines(keepends=True),
        fromfile=f"{key} v{base.version}",
        tofile=f"{key} v{row.version}",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _outcome(
    session: Session,
    compiled: Any,
    version: int,
    *,
    record: dict[str, Any],
    events: list[dict[str, Any]],
    as_of: date,
    sealed: frozenset[str],
) -> TryOutcome:
    result = compiled.evaluate(
        record,
        events=events,
        as_of=as_of,
        fx=fx.rate_lookup(session, base_currency=compiled.base_currency),
    )
    result_dict = result.to_dict()
    if sealed:
        # as a stored assessment: no sensitive value in clear in the explanation
        result_dict = forms.mask_result(result_dict, record, sensitive=sealed)
    return TryOutcome(
        version=version,
        score=number(result.score) or 0,
        tier=result.tier,
        fired=tuple(
            RuleChange(id=f.id, label=f.label, points=number(f.points) or 0) for f in result.fired
        ),
        explanation=explanations(session, result_dict),
    )


def try_draft(
    session: Session,
    key: str,
    customer_ref: str,
    *,
    as_of: date,
    scope: Scope,
    tz: tzinfo = UTC,
) -> TryResult:
    """Customer `customer_ref` (when in `scope`) scored on `as_of` by the draft of ruleset `key`
    and by its published version, and what differs. Writes nothing.

    Raises NotFoundError (no draft, no such customer) and InvalidRequestError (a draft with
    errors).
    """
    row = _draft_row(session, SpecKind.RULESET, key)
    if row is None:
        raise NotFoundError(N_("there is no draft of %(kind)s '%(key)s'"), kind="ruleset", key=key)
    customer = find_customer(session, customer_ref, scope=scope)
    assert customer.id is not None
    published = published_row(session, SpecKind.RULESET, key)
    try:
        compiled = specs.compile_draft_ruleset(session, key, row.source, published=published)
    except dsl.RulesError as exc:
        raise InvalidRequestError(
            N_("the draft of ruleset '%(key)s' has %(count)d error(s): correct them first"),
            key=key,
            count=sum(1 for d in exc.diagnostics if d.is_error),
        ) from exc
    record = customer_record(session, customer, tz=tz)
    events = customer_events(session, customer.id, tz)
    sealed = crypto.sealed_fields(customer.data)
    common: dict[str, Any] = {"record": record, "events": events, "as_of": as_of, "sealed": sealed}
    draft = _outcome(session, compiled, row.version, **common)
    before = None
    if published is not None:
        loaded = specs.load_ruleset(session, key)
        before = _outcome(session, loaded.value, published.version, **common)
    fired_before = {f.id: f for f in before.fired} if before is not None else {}
    fired_after = {f.id: f for f in draft.fired}
    return TryResult(
        customer_ref=customer.external_ref,
        as_of=as_of,
        draft=draft,
        published=before,
        started_firing=tuple(f for f in draft.fired if f.id not in fired_before),
        stopped_firing=tuple(f for i, f in fired_before.items() if i not in fired_after),
        score_before=before.score if before is not None else None,
        score_after=draft.score,
        tier_before=before.tier if before is not None else None,
        tier_after=draft.tier,
    )


__all__ = [
    "DraftView",
    "RuleChange",
    "TryOutcome",
    "TryResult",
    "VersionView",
    "check_source",
    "diff_version",
    "get_draft",
    "list_versions",
    "next_version",
    "published_row",
    "save_draft",
    "try_draft",
]
