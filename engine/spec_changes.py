"""Approved publishing: when a template's governance asks for it, publishing a draft opens a case
of the built-in `ruleset_change` workflow (engine/ruleset_change.yaml, published on first use and
run by engine.casework like any workflow); someone holding `specs:publish` other than the
draft's author approves (the version is then published, at its effective time) or rejects it
(the draft stays a draft).

The case is about no customer (`Case.customer_id` is None): it is visible to, and assigned to,
every holder of `specs:publish`, in no department. Its context (`spec_change`) holds what is to
be published: kind, key, draft version and checksum, author, comment, effective time and the
latest finished simulation of that draft, if any.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

from sqlmodel import Session, col, select

import workflows
from engine import audit, casework, specs
from engine.access import Access
from engine.errors import N_, ConflictError, NotFoundError, PermissionDeniedError
from engine.models import (
    Case,
    CaseStatus,
    Job,
    JobStatus,
    SpecKind,
    SpecStatus,
    SpecVersion,
)
from engine.specs import LoadedSpec

WORKFLOW_KEY = "ruleset_change"
# The role of the workflow's review step: held, for these cases only, by whoever holds
# specs:publish (`roles_for`).
PUBLISHER_ROLE = "publisher"
PUBLISH_PERMISSION = "specs:publish"
APPROVED = "approved"
REJECTED = "rejected"
SIMULATION = "simulation"
_SOURCE = resources.files("engine").joinpath("ruleset_change.yaml").read_text(encoding="utf-8")


@dataclass(frozen=True, slots=True)
class SpecChange:
    """What a ruleset_change case asks to publish (its context), and, for the case page, the
    diff against the published version and the attached simulation (`impact`)."""

    kind: str
    key: str
    version: int
    checksum: str
    author: str | None
    requested_by: str | None
    comment: str
    effective_at: datetime | None
    simulation_id: int | None
    diff: str = ""
    impact: dict[str, Any] | None = None  # the simulation's result, when attached and done


def may_publish(access: Access) -> bool:
    """Whether `access` may publish definitions and decide on ruleset_change cases."""
    return access.can_anywhere(PUBLISH_PERMISSION)


def roles_for(access: Access) -> tuple[str, ...]:
    """The roles `access` acts with on a case about no customer."""
    return (PUBLISHER_ROLE,) if may_publish(access) else ()


def _governing_template(session: Session, row: SpecVersion) -> SpecVersion | None:
    """The template whose governance applies to `row`: the template it came with (its
    published version), else the workspace's latest."""
    if row.template_key is not None:
        try:
            return specs.find_row(session, SpecKind.TEMPLATE, row.template_key)
        except NotFoundError:
            pass
    return specs.latest_template_row(session)


def requires_approval(session: Session, row: SpecVersion) -> bool:
    """Whether publishing the draft `row` needs someone else's approval (template governance)."""
    template = _governing_template(session, row)
    governance = (template.meta.get("governance") or {}) if template is not None else {}
    return governance.get("publish_requires_approval") is True


def _workflow(session: Session, *, now: datetime) -> LoadedSpec[workflows.Workflow]:
    """The built-in workflow, published on first use (and again when the engine's text of it
    changed): a spec version like any other, which its cases name."""
    try:
        published = specs.load_workflow(session, WORKFLOW_KEY)
        if published.checksum == specs.checksum_of(_SOURCE):
            return published
    except NotFoundError:
        pass
    row = specs.publish(
        session,
        kind=SpecKind.WORKFLOW,
        key=WORKFLOW_KEY,
        source=_SOURCE,
        filename="ruleset_change.yaml",
        label="Change to a definition",
        meta={
            "label": {"en": "Change to a definition", "zh": "定义变更"},
            "form": None,
            "roles": [PUBLISHER_ROLE],
            "trigger": "tier_changed",
            "built_in": True,
        },
        template_key=None,
        template_version=None,
        author=None,
        now=now,
    )
    audit.record(
        session,
        actor=None,
        action="spec.published",
        entity_kind=SpecKind.WORKFLOW,
        entity_id=WORKFLOW_KEY,
        detail={"version": row.version, "checksum": row.checksum, "built_in": True},
        now=now,
    )
    return specs.load_workflow(session, WORKFLOW_KEY)


def latest_simulation(session: Session, key: str, *, version: int, checksum: str) -> int | None:
    """The id of the newest finished simulation of the draft of ruleset `key` at `checksum`
    (or, when a simulation's params record no checksum, at draft `version`); None if none."""
    jobs = session.exec(
        select(Job)
        .where(Job.kind == SIMULATION, Job.status == JobStatus.DONE)
        .order_by(col(Job.id).desc())
        .limit(200)
    )
    for job in jobs:
        params = job.params or {}
        if (params.get("key") or params.get("ruleset_key")) != key:
            continue
        ran_on = params.get("draft_checksum") or params.get("checksum")
        if ran_on is not None and ran_on == checksum:
            return job.id
        if ran_on is None and (params.get("draft_version") or params.get("version")) == version:
            return job.id
    return None


def _pending(session: Session, kind: str, key: str) -> Case | None:
    for case in session.exec(
        select(Case).where(
            Case.workflow_key == WORKFLOW_KEY,
            Case.status == CaseStatus.OPEN,
            col(Case.customer_id).is_(None),
        )
    ):
        change = case.context.get("spec_change") or {}
        if (change.get("kind"), change.get("key")) == (kind, key):
            return case
    return None


def request_approval(
    session: Session,
    row: SpecVersion,
    *,
    comment: str,
    effective_at: datetime | None,
    actor: str | None,
    now: datetime,
) -> int:
    """Open the ruleset_change case asking to publish the checked draft `row`; its id.

    Raises ConflictError when a change of the same definition already awaits a decision."""
    pending = _pending(session, row.kind, row.key)
    if pending is not None:
        raise ConflictError(
            N_("a change of %(kind)s '%(key)s' already awaits approval in case %(id)s"),
            kind=row.kind,
            key=row.key,
            id=pending.id,
        )
    simulation = None
    if row.kind == SpecKind.RULESET:
        simulation = latest_simulation(session, row.key, version=row.version, checksum=row.checksum)
    change = {
        "kind": row.kind,
        "key": row.key,
        "version": row.version,
        "checksum": row.checksum,
        "author": row.author,
        "requested_by": actor,
        "comment": comment,
        "effective_at": effective_at.isoformat() if effective_at is not None else None,
        "simulation_id": simulation,
    }
    applied = casework.open_case(
        session,
        workflow=_workflow(session, now=now),
        customer=None,
        record={},
        actor=actor,
        now=now,
        context={"spec_change": change},
    )
    assert applied.case.id is not None
    audit.record(
        session,
        actor=actor,
        action="spec.approval_requested",
        entity_kind=row.kind,
        entity_id=row.key,
        detail={**change, "case_id": applied.case.id},
        now=now,
    )
    return applied.case.id


def change_of(case: Case) -> SpecChange | None:
    """The change a ruleset_change case asks for (None for any other case)."""
    change = case.context.get("spec_change") if case.customer_id is None else None
    if not change:
        return None
    effective = change.get("effective_at")
    return SpecChange(
        kind=str(change["kind"]),
        key=str(change["key"]),
        version=int(change["version"]),
        checksum=str(change["checksum"]),
        author=change.get("author"),
        requested_by=change.get("requested_by"),
        comment=str(change.get("comment") or ""),
        effective_at=datetime.fromisoformat(effective) if effective else None,
        simulation_id=change.get("simulation_id"),
    )


def check_decision(session: Session, case: Case, action: str, *, actor: str) -> None:
    """The one four-eyes check: the author of the change may not approve or reject it; and an
    approval must be of the very text that was submitted.

    Raises PermissionDeniedError (the author) and ConflictError (the draft changed or was
    published meanwhile)."""
    change = change_of(case)
    if change is None:
        return
    if change.author is not None and actor == change.author:
        raise PermissionDeniedError(
            N_(
                "%(actor)s wrote this change and may not decide on it: someone else holding "
                "specs:publish must"
            ),
            actor=actor,
        )
    if action == "approve" and _submitted_draft(session, change) is None:
        raise ConflictError(
            N_(
                "the draft of %(kind)s '%(key)s' changed after approval was requested: reject "
                "this case and request approval again"
            ),
            kind=change.kind,
            key=change.key,
        )


def _submitted_draft(session: Session, change: SpecChange) -> SpecVersion | None:
    row = session.exec(
        select(SpecVersion).where(
            SpecVersion.kind == change.kind,
            SpecVersion.key == change.key,
            SpecVersion.status == SpecStatus.DRAFT,
        )
    ).first()
    return row if row is not None and row.checksum == change.checksum else None


def settle(session: Session, case: Case, *, actor: str, now: datetime) -> None:
    """After an action closed a ruleset_change case: approved, publish the submitted draft
    (now, or scheduled for its effective time); rejected, audit it (the draft stays)."""
    # here, not at the top: engine.publishing reaches engine.customers, which reads engine.cases
    from engine import publishing

    change = change_of(case)
    if change is None or case.status != CaseStatus.CLOSED:
        return
    if case.outcome == APPROVED:
        row = publishing.checked_draft(
            session, SpecKind(change.kind), change.key, expected_checksum=change.checksum
        )
        effective_at = change.effective_at
        publishing.release(
            session,
            row,
            comment=change.comment,
            effective_at=effective_at if effective_at is not None and effective_at > now else None,
            published_by=actor,
            approved_by=actor,
            now=now,
        )
    else:
        audit.record(
            session,
            actor=actor,
            action="spec.change_rejected",
            entity_kind=change.kind,
            entity_id=change.key,
            detail={"version": change.version, "checksum": change.checksum, "case_id": case.id},
            now=now,
        )


def change_view(session: Session, case_id: int) -> SpecChange | None:
    """The change ruleset_change case `case_id` asks for, with its diff against the published
    version and the attached simulation's result, for the case page (None: not such a case).
    The caller has checked the case is visible (engine.cases.get_case)."""
    from engine import drafts  # as in `settle`

    case = session.get(Case, case_id)
    change = change_of(case) if case is not None else None
    if change is None:
        return None
    diff = ""
    # NotFoundError: a new definition (nothing published), or the draft was discarded
    with contextlib.suppress(NotFoundError):
        diff = drafts.diff_version(
            session, SpecKind(change.kind), change.key, change.version, against="published"
        )
    impact = None
    if change.simulation_id is not None:
        job = session.get(Job, change.simulation_id)
        impact = dict(job.result) if job is not None and job.result else None
    return SpecChange(
        **{
            name: getattr(change, name)
            for name in SpecChange.__dataclass_fields__
            if name not in ("diff", "impact")
        },
        diff=diff,
        impact=impact,
    )


__all__ = [
    "PUBLISHER_ROLE",
    "WORKFLOW_KEY",
    "SpecChange",
    "change_of",
    "change_view",
    "check_decision",
    "latest_simulation",
    "may_publish",
    "request_approval",
    "requires_approval",
    "roles_for",
    "settle",
]
