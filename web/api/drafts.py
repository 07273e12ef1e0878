"""Drafts of definitions, one router per kind from one factory: save and read the draft, list
versions, diff, publish (rulesets, forms and workflows alike; rulesets add `try`, forms the
impact of the draft on stored customers)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import PlainTextResponse

from engine.drafts import diff_version, get_draft, list_versions, save_draft
from engine.form_versions import draft_impact
from engine.models import SpecKind
from engine.publishing import publish_draft
from web.api.json_body import StrictJSONRoute
from web.deps import DbDep, LanguageDep, NowDep, Reader, SettingsDep, SpecEditor, SpecPublisher
from web.schemas_form_versions import FormImpactPublic
from web.schemas_rulesets import (
    DiffPublic,
    DraftPublic,
    DraftPublish,
    DraftSave,
    PublishPublic,
    VersionPublic,
)

Key = Annotated[
    str, Path(pattern="^[a-z][a-z0-9_]*$", max_length=200, description="the definition's key")
]
Version = Annotated[int, Path(ge=1, le=2**31 - 1)]


def aware(moment: datetime | None, tz: tzinfo) -> datetime | None:
    """`moment` with a time zone: a naive one is read in the workspace's `tz`."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=tz)


def drafts_router(kind: SpecKind, plural: str) -> APIRouter:
    """The draft routes of `kind` under `/{plural}/{key}/...`."""
    router = APIRouter(tags=[plural], route_class=StrictJSONRoute)
    noun = str(kind)

    @router.put(
        f"/{plural}/{{key}}/draft",
        response_model=DraftPublic,
        name=f"put_{noun}_draft",
        description=f"Save the draft of {noun} `key`, even with errors; `diagnostics` (in "
        "`?lang=`) lists what the template import would find. One draft per key; nothing is "
        "published.",
    )
    def put_draft(
        key: Key,
        body: DraftSave,
        user: SpecEditor,
        database: DbDep,
        now: NowDep,
        language: LanguageDep,
    ) -> DraftPublic:
        with database.transaction() as session:
            draft = save_draft(
                session,
                kind,
                key,
                body.source,
                actor=user.name,
                now=now,
                expected_checksum=body.expected_checksum,
            )
        return DraftPublic.of(draft, language)

    @router.get(
        f"/{plural}/{{key}}/draft",
        response_model=DraftPublic,
        name=f"get_{noun}_draft",
        description=f"The draft of {noun} `key` with its diagnostics; 404 when there is none.",
    )
    def get_one_draft(
        key: Key, user: SpecEditor, reader: Reader, database: DbDep, language: LanguageDep
    ) -> DraftPublic:
        with database.transaction() as session:
            draft = get_draft(session, kind, key)
        return DraftPublic.of(draft, language)

    @router.get(
        f"/{plural}/{{key}}/versions",
        response_model=list[VersionPublic],
        name=f"get_{noun}_versions",
        description=f"Every version of {noun} `key`, the draft included, by version number.",
    )
    def get_versions(
        key: Key, user: SpecEditor, reader: Reader, database: DbDep
    ) -> list[VersionPublic]:
        with database.transaction() as session:
            versions = list_versions(session, kind, key)
        return [VersionPublic.model_validate(v) for v in versions]

    @router.get(
        f"/{plural}/{{key}}/versions/{{version}}/diff",
        response_model=DiffPublic,
        responses={200: {"content": {"text/plain": {}}}},
        name=f"get_{noun}_diff",
        description="A unified line diff from `against` (`published` or a version number) to "
        "`version`; `?format=text` answers text/plain.",
    )
    def get_diff(
        key: Key,
        version: Version,
        user: SpecEditor,
        reader: Reader,
        database: DbDep,
        against: Annotated[str, Query(max_length=20, pattern="^(published|[0-9]+)$")] = "published",
        format: Annotated[str, Query(pattern="^(json|text)$")] = "json",
    ) -> DiffPublic | PlainTextResponse:
        with database.transaction() as session:
            diff = diff_version(session, kind, key, version, against=against)
        if format == "text":
            return PlainTextResponse(diff)
        return DiffPublic(diff=diff)

    @router.post(
        f"/{plural}/{{key}}/draft/publish",
        response_model=PublishPublic,
        responses={202: {"model": PublishPublic, "description": "approval requested"}},
        name=f"publish_{noun}_draft",
        description=f"Publish the draft of {noun} `key` (it must have no errors): now, or "
        "`scheduled` until `effective_at`. When the template requires approval, a "
        "`ruleset_change` case is opened instead: 202 with its `case_id`.",
    )
    def post_publish(
        key: Key,
        body: DraftPublish,
        user: SpecPublisher,
        database: DbDep,
        settings: SettingsDep,
        now: NowDep,
        response: Response,
    ) -> PublishPublic:
        with database.transaction() as session:
            outcome = publish_draft(
                session,
                kind,
                key,
                comment=body.comment,
                effective_at=aware(body.effective_at, settings.tz),
                actor=user.name,
                now=now,
                expected_checksum=body.expected_checksum,
                mapping=body.mapping,
            )
        if outcome.case_id is not None:
            response.status_code = 202
        return PublishPublic.of(outcome)

    if kind == SpecKind.FORM:
        router.add_api_route(
            f"/{plural}/{{key}}/draft/impact",
            _impact_route,
            methods=["GET"],
            response_model=FormImpactPublic,
            name="get_form_draft_impact",
            description="What publishing the draft of form `key` would do to stored customers: "
            "fields added, removed and narrowed, how many customers hold a value that would be "
            "dropped or no longer fit (with a few refs), the fields the publish's `mapping` "
            "must name, and the published rulesets' and workflows' readings that block it.",
        )
    return router


def _impact_route(
    key: Key, user: SpecEditor, reader: Reader, database: DbDep, language: LanguageDep
) -> FormImpactPublic:
    with database.transaction() as session:
        found = draft_impact(session, key)
    return FormImpactPublic.of(found, language)


forms_router = drafts_router(SpecKind.FORM, "forms")
workflows_router = drafts_router(SpecKind.WORKFLOW, "workflows")
