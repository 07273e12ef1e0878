"""API tokens: yours (and, with users:admin, anyone's), and who you are."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query

from engine.tokens import create_token, ensure_caller_may_manage, list_tokens, revoke_token_by_id
from web.api.json_body import StrictJSONRoute
from web.deps import CurrentUser, DbDep, NowDep
from web.schemas_access import MePublic, TokenCreate, TokenCreatedPublic, TokenList, TokenPublic

router = APIRouter(tags=["tokens"], route_class=StrictJSONRoute)

TokenId = Annotated[int, Path(ge=1)]  # beyond any row id: engine.tokens answers 404


@router.get("/me", response_model=MePublic)
def get_me(user: CurrentUser) -> MePublic:
    """The caller: roles and the permissions held everywhere and per department (as limited
    by the token's scope)."""
    return MePublic.of(user)


@router.get("/tokens", response_model=TokenList)
def get_tokens(
    user: CurrentUser,
    database: DbDep,
    now: NowDep,
    of: Annotated[
        str | None,
        Query(max_length=100, description="whose tokens (default: yours; others need users:admin)"),
    ] = None,
) -> TokenList:
    """Tokens, the newest first, revoked and expired ones too; never their secrets."""
    owner = of or user.name
    ensure_caller_may_manage(user, owner)
    with database.transaction() as session:
        tokens = list_tokens(session, user_name=owner, now=now)
    return TokenList(items=[TokenPublic.of(t) for t in tokens])


@router.post("/tokens", status_code=201, response_model=TokenCreatedPublic)
def post_token(
    body: TokenCreate, user: CurrentUser, database: DbDep, now: NowDep
) -> TokenCreatedPublic:
    """Create a token; its secret is in this response only. Its scope must be a subset of its
    user's permissions; it expires after `expires_in_days` (default 90)."""
    owner = body.user or user.name
    ensure_caller_may_manage(user, owner)
    with database.transaction() as session:
        created = create_token(
            session,
            owner,
            name=body.name,
            scopes=body.scopes,
            lifetime=timedelta(days=body.expires_in_days),
            actor=user.name,
            now=now,
        )
    return TokenCreatedPublic(token=TokenPublic.of(created.token), secret=created.secret)


@router.delete("/tokens/{token_id}", response_model=TokenPublic)
def delete_token(token_id: TokenId, user: CurrentUser, database: DbDep, now: NowDep) -> TokenPublic:
    """Revoke a token at once (yours, or anyone's with users:admin); 404 for another user's
    without it."""
    with database.transaction() as session:
        view = revoke_token_by_id(session, token_id, caller=user, now=now)
    return TokenPublic.of(view)
