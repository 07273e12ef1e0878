"""Published workflows and their diagrams (server-side SVG): the list, one version, the diagram
of a version (a case's current step highlighted) and of the draft. Reading needs `specs:edit`,
as for every definition; a case's diagram also needs to see the case (its department). The
draft's own routes (save, versions, diff, publish) come from web.api.drafts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from engine.workflow_views import (
    DiagramSource,
    draft_diagram,
    list_workflows,
    published_diagram,
    workflow_detail,
)
from web.api.drafts import Key
from web.deps import DbDep, LanguageDep, SpecEditor
from web.schemas_workflows import WorkflowPublic, WorkflowSummaryPublic
from web.workflow_diagram import render_svg

router = APIRouter(tags=["workflows"])

SVG = "image/svg+xml"
SVG_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {SVG: {}}, "description": "the diagram, an SVG document"}
}
VersionQuery = Annotated[int | None, Query(ge=1, le=2**31 - 1, description="default: published")]
CaseQuery = Annotated[
    int | None, Query(ge=1, le=2**63 - 1, description="highlight this case's current step")
]


def _svg(drawn: DiagramSource, language: str) -> Response:
    svg = render_svg(drawn.workflow, highlight=drawn.highlight, language=language)
    # nothing in it runs: no script, and the CSP of web.middleware forbids any anyway
    return Response(svg, media_type=SVG, headers={"Cache-Control": "private, no-cache"})


@router.get("/workflows", response_model=list[WorkflowSummaryPublic])
def get_workflows(user: SpecEditor, database: DbDep) -> list[WorkflowSummaryPublic]:
    """Every published workflow: key, version, label, trigger, and its draft's number."""
    with database.transaction() as session:
        found = list_workflows(session)
    return [WorkflowSummaryPublic.of(w) for w in found]


@router.get("/workflows/{key}", response_model=WorkflowPublic)
def get_workflow(
    key: Key, user: SpecEditor, database: DbDep, language: LanguageDep, version: VersionQuery = None
) -> WorkflowPublic:
    """Version `version` of workflow `key` (default: the published one), with its source and
    the warnings its check finds (in `?lang=`)."""
    with database.transaction() as session:
        detail = workflow_detail(session, key, version)
    return WorkflowPublic.of(detail, language)


@router.get(
    "/workflows/{key}/diagram.svg",
    response_class=Response,
    responses=SVG_RESPONSE,
    name="get_workflow_diagram",
)
def get_diagram(
    key: Key,
    user: SpecEditor,
    database: DbDep,
    language: LanguageDep,
    version: VersionQuery = None,
    case: CaseQuery = None,
) -> Response:
    """The diagram of workflow `key` as SVG: version `version` (default: the published one, or
    the version `case` runs on), the current step of case `case` highlighted. A case outside
    the caller's departments, or of another workflow, is a 404."""
    with database.transaction() as session:
        drawn = published_diagram(
            session,
            key,
            version=version,
            case_id=case,
            scope=user.access.departments_for("customers:read"),
        )
    return _svg(drawn, language)


@router.get(
    "/workflows/{key}/draft/diagram.svg",
    response_class=Response,
    responses=SVG_RESPONSE,
    name="get_workflow_draft_diagram",
)
def get_draft_diagram(
    key: Key, user: SpecEditor, database: DbDep, language: LanguageDep
) -> Response:
    """The diagram of the saved draft of workflow `key`; 404 without a draft, 422 while it has
    errors (`GET /workflows/{key}/draft` lists them)."""
    with database.transaction() as session:
        drawn = draft_diagram(session, key)
    return _svg(drawn, language)
