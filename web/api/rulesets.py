"""Ruleset drafts: save, read, list versions, diff, try on a customer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import PlainTextResponse

from engine.drafts import diff_version, get_draft, list_versions, save_draft, try_draft
from engine.models import SpecKind
from web.api.json_body import StrictJSONRoute
from web.deps import DbDep, LanguageDep, NowDep, Reader, SettingsDep, SpecEditor
from web.schemas_rulesets import (
    DiffPublic,
    DraftPublic,
    DraftSave,
    DraftTry,
    TryPublic,
    VersionPublic,
)

router = APIRouter(tags=["rulesets"], route_class=StrictJSONRoute)

Key = Annotated[
    str, Path(pattern="^[a-z][a-z0-9_]*$", max_length=200, description="the ruleset's key")
]
RULESET = SpecKind.RULESET


@router.put("/rulesets/{key}/draft", response_model=DraftPublic)
def put_draft(
    key: Key,
    body: DraftSave,
    user: SpecEditor,
    database: DbDep,
    now: NowDep,
    language: LanguageDep,
) -> DraftPublic:
    """Save the draft of ruleset `key`, even with errors; `diagnostics` (in `?lang=`) lists
    what the template import would find. One draft per key; nothing is published."""
    with database.transaction() as session:
        draft = save_draft(
            session,
            RULESET,
            key,
            body.source,
            actor=user.name,
            now=now,
            expected_checksum=body.expected_checksum,
        )
    return DraftPublic.of(draft, language)


@router.get("/rulesets/{key}/draft", response_model=DraftPublic)
def get_one_draft(
    key: Key, user: SpecEditor, reader: Reader, database: DbDep, language: LanguageDep
) -> DraftPublic:
    """The draft of ruleset `key` with its diagnostics; 404 when there is none."""
    with database.transaction() as session:
        draft = get_draft(session, RULESET, key)
    return DraftPublic.of(draft, language)


@router.get("/rulesets/{key}/versions", response_model=list[VersionPublic])
def get_versions(
    key: Key, user: SpecEditor, reader: Reader, database: DbDep
) -> list[VersionPublic]:
    """Every version of ruleset `key`, the draft included, by version number."""
    with database.transaction() as session:
        versions = list_versions(session, RULESET, key)
    return [VersionPublic.model_validate(v) for v in versions]


@router.get(
    "/rulesets/{key}/versions/{version}/diff",
    response_model=DiffPublic,
    responses={200: {"content": {"text/plain": {}}}},
)
def get_diff(
    key: Key,
    version: Annotated[int, Path(ge=1, le=2**31 - 1)],
    user: SpecEditor,
    reader: Reader,
    database: DbDep,
    against: Annotated[str, Query(max_length=20, pattern="^(published|[0-9]+)$")] = "published",
    format: Annotated[str, Query(pattern="^(json|text)$")] = "json",
) -> DiffPublic | PlainTextResponse:
    """A unified line diff from `against` (`published` or a version number) to `version`;
    `?format=text` answers text/plain."""
    with database.transaction() as session:
        diff = diff_version(session, RULESET, key, version, against=against)
    if format == "text":
        return PlainTextResponse(diff)
    return DiffPublic(diff=diff)


@router.post("/rulesets/{key}/draft/try", response_model=TryPublic)
def post_try(
    key: Key,
    body: DraftTry,
    user: SpecEditor,
    database: DbDep,
    settings: SettingsDep,
    now: NowDep,
    language: LanguageDep,
) -> TryPublic:
    """The customer scored by the draft and by the published ruleset, each explained, and what
    differs. Writes nothing; a draft with errors is a 422."""
    as_of = body.as_of or now.astimezone(settings.tz).date()
    with database.transaction() as session:
        tried = try_draft(
            session,
            key,
            body.customer_ref,
            as_of=as_of,
            scope=user.access.departments_for("customers:read"),
            tz=settings.tz,
        )
    return TryPublic.of(tried, language)
