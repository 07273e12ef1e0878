"""Published workflows as the workflow pages and API show them: the list, one version with its
source and warnings, and what a diagram is drawn from (a version, a case's current step, the
draft or a text being typed). Reads only; drafts are saved and published through engine.drafts
and engine.publishing like any definition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

import dsl
import workflows
from engine import specs
from engine.cases import get_case
from engine.draft_checks import checked_workflow, published_row
from engine.drafts import get_draft
from engine.errors import N_, InvalidRequestError, NotFoundError
from engine.models import SpecKind, SpecStatus
from engine.scoping import Scope

WORKFLOW = SpecKind.WORKFLOW


@dataclass(frozen=True, slots=True)
class WorkflowSummary:
    """A published workflow in the list: key, version, label per language, trigger kind, and
    whether it has a draft (`draft_version`) or is built in (no drafts)."""

    key: str
    version: int
    label: dict[str, str]
    trigger: str
    published_at: datetime | None
    draft_version: int | None
    is_built_in: bool


@dataclass(frozen=True, slots=True)
class WorkflowDetail:
    """One version of a workflow: its source and what its check finds (warnings only: a
    published version has no errors)."""

    key: str
    version: int
    status: str
    label: dict[str, str]
    trigger: str
    source: str
    diagnostics: tuple[dsl.Diagnostic, ...]
    is_built_in: bool
    value: workflows.Workflow


@dataclass(frozen=True, slots=True)
class DiagramSource:
    """What a diagram is drawn from: the workflow and the step to highlight (None: none)."""

    workflow: workflows.Workflow
    highlight: str | None = None


def _label(workflow: workflows.Workflow) -> dict[str, str]:
    return {str(k): str(v) for k, v in workflow.label.items()}


def list_workflows(session: Session) -> tuple[WorkflowSummary, ...]:
    """Every published workflow, by key."""
    drafts = {
        s.key: s.version for s in specs.list_specs(session, kind=WORKFLOW, status=SpecStatus.DRAFT)
    }
    found = []
    for row in specs.published_rows(session, WORKFLOW):
        loaded = specs.load_workflow(session, row.key, row.version).value
        found.append(
            WorkflowSummary(
                key=row.key,
                version=row.version,
                label=_label(loaded),
                trigger=str(loaded.trigger.on),
                published_at=row.published_at,
                draft_version=drafts.get(row.key),
                is_built_in=bool(row.meta.get("built_in")),
            )
        )
    return tuple(found)


def workflow_detail(session: Session, key: str, version: int | None = None) -> WorkflowDetail:
    """Version `version` of workflow `key` (None: the published one). Raises NotFoundError,
    also for a draft's number: a draft is read through engine.drafts."""
    row = specs.find_row(session, WORKFLOW, key, version)
    if row.status == SpecStatus.DRAFT:
        raise NotFoundError(
            N_("there is no version %(version)s of %(kind)s '%(key)s'"),
            version=row.version,
            kind=WORKFLOW,
            key=key,
        )
    loaded = specs.load_workflow(session, key, row.version).value
    return WorkflowDetail(
        key=row.key,
        version=row.version,
        status=row.status,
        label=_label(loaded),
        trigger=str(loaded.trigger.on),
        source=row.source,
        diagnostics=loaded.warnings,
        is_built_in=bool(row.meta.get("built_in")),
        value=loaded,
    )


def published_diagram(
    session: Session,
    key: str,
    *,
    version: int | None = None,
    case_id: int | None = None,
    scope: Scope = None,
) -> DiagramSource:
    """The diagram of workflow `key`: version `version` (None: the published one, or the
    version case `case_id` runs on), the case's current step highlighted. Raises
    NotFoundError for an unknown key or version, and for a case that does not exist, lies
    outside `scope` or runs another workflow."""
    highlight = None
    if case_id is not None:
        case = get_case(session, case_id, scope=scope)
        if case.workflow_key != key or (version is not None and version != case.workflow_version):
            raise NotFoundError(
                N_("case %(case)s does not run version %(version)s of workflow '%(key)s'"),
                case=case_id,
                version=version or case.workflow_version,
                key=key,
            )
        version, highlight = case.workflow_version, case.step
    return DiagramSource(workflow_detail(session, key, version).value, highlight)


def draft_diagram(session: Session, key: str, source: str | None = None) -> DiagramSource:
    """The diagram of `source` as the next version of workflow `key` (None: its saved draft).
    Raises NotFoundError (no draft) and InvalidRequestError when the text has errors (the
    diagnostics list them)."""
    if source is None:
        source = get_draft(session, WORKFLOW, key).source
    workflow, diagnostics = checked_workflow(session, key, source)
    if workflow is None:
        raise InvalidRequestError(
            N_("the draft of workflow '%(key)s' has %(count)d error(s): correct them first"),
            key=key,
            count=sum(1 for d in diagnostics if d.is_error),
        )
    return DiagramSource(workflow)


def has_workflow(session: Session, key: str) -> bool:
    """Whether workflow `key` has a published version or a draft."""
    if published_row(session, WORKFLOW, key) is not None:
        return True
    try:
        get_draft(session, WORKFLOW, key)
    except NotFoundError:
        return False
    return True


__all__ = [
    "DiagramSource",
    "WorkflowDetail",
    "WorkflowSummary",
    "draft_diagram",
    "has_workflow",
    "list_workflows",
    "published_diagram",
    "workflow_detail",
]
