"""The REST API's shapes for drafts (rulesets, forms, workflows): `DraftSave`, `DraftPublic`,
`VersionPublic`, `DraftPublish`, `PublishPublic`, and a ruleset's `DraftTry`, `TryPublic`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from dsl import in_language
from engine.drafts import DraftView, RuleChange, TryOutcome, TryResult
from engine.publishing import PublishOutcome
from web.i18n import translator

Number = int | float


class DraftSave(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(description="the rules text of the draft, errors and all")
    expected_checksum: str | None = Field(
        default=None,
        max_length=64,
        description="the checksum of the draft the editor started from: a 409 when it changed",
    )


class DraftPublic(BaseModel):
    key: str
    version: int = Field(description="the number the draft would be published as")
    status: str = Field(examples=["draft"])
    checksum: str
    author: str | None
    created_at: datetime
    source: str
    diagnostics: list[dict[str, Any]] = Field(description="errors and warnings, shared shape")

    @classmethod
    def of(cls, draft: DraftView, language: str) -> DraftPublic:
        translate = translator(language).gettext
        return cls(
            key=draft.key,
            version=draft.version,
            status=draft.status,
            checksum=draft.checksum,
            author=draft.author,
            created_at=draft.created_at,
            source=draft.source,
            diagnostics=[in_language(d, language, translate).to_dict() for d in draft.diagnostics],
        )


class VersionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    status: str = Field(description="draft, scheduled, published or retired")
    author: str | None
    created_at: datetime
    published_at: datetime | None
    checksum: str


class DraftPublish(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: str = Field(min_length=1, max_length=2000, description="why this version")
    effective_at: datetime | None = Field(
        default=None,
        description="publish at this time (read in the workspace's time zone when it has "
        "none); default: now",
    )
    expected_checksum: str | None = Field(
        default=None,
        max_length=64,
        description="the checksum of the draft you reviewed: a 409 when it changed",
    )
    mapping: dict[str, Any] | None = Field(
        default=None,
        description="forms: what becomes of the stored values of each removed or narrowed "
        'field, `{"old": {"rename": "new"}, "x": {"default": 0}, "y": {"drop": true}}` '
        "(docs/forms.md, Versions)",
    )


class PublishPublic(BaseModel):
    key: str
    version: int
    status: str = Field(
        description="published, scheduled (until effective_at) or pending_approval (case_id)"
    )
    effective_at: datetime | None
    case_id: int | None = Field(description="the ruleset_change case awaiting approval")
    rescore_id: int | None = Field(description="the rescore of the portfolio this started")

    @classmethod
    def of(cls, outcome: PublishOutcome) -> PublishPublic:
        return cls(
            key=outcome.key,
            version=outcome.version,
            status=outcome.status,
            effective_at=outcome.effective_at,
            case_id=outcome.case_id,
            rescore_id=outcome.rescore_job_id,
        )


class DiffPublic(BaseModel):
    diff: str = Field(description="a unified line diff, files named 'KEY vN'")


class DraftTry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_ref: str = Field(min_length=1, max_length=200)
    as_of: date | None = Field(default=None, description="default: today")


class RuleChangePublic(BaseModel):
    id: str
    label: str | None
    points: Number

    @classmethod
    def of(cls, rule: RuleChange) -> RuleChangePublic:
        return cls(id=rule.id, label=rule.label, points=rule.points)


class TryOutcomePublic(BaseModel):
    version: int
    score: Number
    tier: str
    fired: list[RuleChangePublic]
    explanation: list[dict[str, Any]] = Field(description="the explanation lines, in ?lang=")

    @classmethod
    def of(cls, outcome: TryOutcome, language: str) -> TryOutcomePublic:
        return cls(
            version=outcome.version,
            score=outcome.score,
            tier=outcome.tier,
            fired=[RuleChangePublic.of(r) for r in outcome.fired],
            explanation=list(outcome.explanation.get(language) or outcome.explanation["en"]),
        )


class TryPublic(BaseModel):
    customer_ref: str
    as_of: date
    draft: TryOutcomePublic
    published: TryOutcomePublic | None = Field(description="None: nothing published yet")
    started_firing: list[RuleChangePublic]
    stopped_firing: list[RuleChangePublic]
    score_before: Number | None
    score_after: Number
    tier_before: str | None
    tier_after: str

    @classmethod
    def of(cls, tried: TryResult, language: str) -> TryPublic:
        return cls(
            customer_ref=tried.customer_ref,
            as_of=tried.as_of,
            draft=TryOutcomePublic.of(tried.draft, language),
            published=(TryOutcomePublic.of(tried.published, language) if tried.published else None),
            started_firing=[RuleChangePublic.of(r) for r in tried.started_firing],
            stopped_firing=[RuleChangePublic.of(r) for r in tried.stopped_firing],
            score_before=tried.score_before,
            score_after=tried.score_after,
            tier_before=tried.tier_before,
            tier_after=tried.tier_after,
        )
