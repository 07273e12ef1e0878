"""The REST API's shapes for published workflows: `WorkflowSummaryPublic` (the list) and
`WorkflowPublic` (one version with its source and diagnostics)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from dsl import in_language
from engine.workflow_views import WorkflowDetail, WorkflowSummary
from web.i18n import translator


class WorkflowSummaryPublic(BaseModel):
    key: str
    version: int = Field(description="the published version")
    label: dict[str, str] = Field(description="per language", examples=[{"en": "Review"}])
    trigger: str = Field(examples=["tier_changed"])
    published_at: datetime | None
    draft_version: int | None = Field(description="the number of its draft, when it has one")
    is_built_in: bool = Field(description="built into the engine: it has no drafts")

    @classmethod
    def of(cls, summary: WorkflowSummary) -> WorkflowSummaryPublic:
        return cls(
            key=summary.key,
            version=summary.version,
            label=summary.label,
            trigger=summary.trigger,
            published_at=summary.published_at,
            draft_version=summary.draft_version,
            is_built_in=summary.is_built_in,
        )


class WorkflowPublic(BaseModel):
    key: str
    version: int
    status: str = Field(description="published, scheduled or retired")
    label: dict[str, str]
    trigger: str
    source: str = Field(description="the YAML text of this version")
    diagnostics: list[dict[str, Any]] = Field(description="its warnings, shared shape")

    @classmethod
    def of(cls, detail: WorkflowDetail, language: str) -> WorkflowPublic:
        translate = translator(language).gettext
        return cls(
            key=detail.key,
            version=detail.version,
            status=detail.status,
            label=detail.label,
            trigger=detail.trigger,
            source=detail.source,
            diagnostics=[in_language(d, language, translate).to_dict() for d in detail.diagnostics],
        )
