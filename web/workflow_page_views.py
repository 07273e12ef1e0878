"""What the workflow pages show, as plain values: the list, one version (diagram and source),
and the editor's context (every editor's, web.draft_views, with the diagram of the text
beside it). web.pages_workflows renders them.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from sqlmodel import Session

from engine.draft_checks import checked_workflow
from engine.models import SpecKind
from engine.users import UserView
from engine.workflow_views import WorkflowSummary, list_workflows, workflow_detail
from web.draft_views import checked_context as diagnostics_context
from web.draft_views import draft_context, editor_url, published_source, saved_draft
from web.workflow_diagram import diagram_markup

WORKFLOW = SpecKind.WORKFLOW


def workflows_context(session: Session) -> dict[str, Any]:
    """The list page's context: every published workflow."""
    found: tuple[WorkflowSummary, ...] = list_workflows(session)
    return {"workflows": found}


def workflow_context(session: Session, key: str, language: str) -> dict[str, Any]:
    """The read-only page of the published version of `key`: its diagram and source. Raises
    NotFoundError."""
    detail = workflow_detail(session, key)
    return {
        "workflow": detail,
        "key": key,
        "diagram": diagram_markup(detail.value, language=language),
        "draft": saved_draft(session, WORKFLOW, key),
    }


def diagram_state(
    session: Session, key: str, source: str, language: str
) -> tuple[Markup | None, str, tuple[Any, ...]]:
    """The diagram of `source` with what it shows (`draft`: this text; `published`: the text
    has errors, the published version is drawn; `none`: neither can be), and the text's
    diagnostics, from one load."""
    workflow, diagnostics = checked_workflow(session, key, source)
    if workflow is not None:
        return diagram_markup(workflow, language=language), "draft", diagnostics
    version, _ = published_source(session, WORKFLOW, key)
    if version is None:
        return None, "none", diagnostics
    published = workflow_detail(session, key, version).value
    return diagram_markup(published, language=language), "published", diagnostics


def editor_context(
    session: Session,
    key: str,
    user: UserView,
    language: str,
    *,
    source: str | None = None,
    checksum: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The workflow editor's context: the saved draft (else the published text) unless
    `source` (typed, not saved) is given, its diagnostics and its diagram. Raises NotFoundError
    for a key with no version at all."""
    if source is None:
        draft = saved_draft(session, WORKFLOW, key)
        text = draft.source if draft is not None else published_source(session, WORKFLOW, key)[1]
    else:
        text = source
    diagram, shows, diagnostics = diagram_state(session, key, text, language)
    common = draft_context(
        session,
        WORKFLOW,
        key,
        user,
        language,
        editor_url=editor_url("/workflows", key),
        page_url=editor_url("/workflows", key) + "/edit",
        source=source,
        checksum=checksum,
        diagnostics=diagnostics if source is not None else None,
    )
    return {**common, "diagram": diagram, "diagram_shows": shows, "oob": False, **extra}


def checked_context(session: Session, key: str, source: str, language: str) -> dict[str, Any]:
    """What a check as the text is typed answers: the diagnostics, and the diagram swapped in
    beside them (htmx out of band) when the text loads; else the diagram stays as it is."""
    diagram, shows, diagnostics = diagram_state(session, key, source, language)
    if shows != "draft":  # the page keeps the diagram it has: the last text that loaded
        diagram, shows = None, "last"
    return {
        **diagnostics_context(key, source, language, diagnostics),
        "diagram": diagram,
        "diagram_shows": shows,
        "oob": True,
    }


__all__ = [
    "checked_context",
    "diagram_state",
    "editor_context",
    "workflow_context",
    "workflows_context",
]
