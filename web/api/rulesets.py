"""Ruleset drafts: the routes every kind of draft has (web.api.drafts), and try on a customer."""

from __future__ import annotations

from engine.drafts import try_draft
from engine.models import SpecKind
from web.api.drafts import Key, drafts_router
from web.deps import DbDep, LanguageDep, NowDep, SettingsDep, SpecEditor
from web.schemas_rulesets import DraftTry, TryPublic

router = drafts_router(SpecKind.RULESET, "rulesets")


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
