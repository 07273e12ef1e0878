"""API shapes of access: tokens (created, listed) and the caller's own identity."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from engine.tokens import TokenView
from engine.users import UserView


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, description="A name such as erp-sync")
    user: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="Whose token (default: yours; another user's needs users:admin)",
    )
    scopes: list[str] | None = Field(
        default=None,
        max_length=20,
        description="Permissions the token is limited to (default: all of its user's)",
    )
    expires_in_days: int = Field(default=90, ge=1, le=730)


class TokenPublic(BaseModel):
    id: int
    user: str
    name: str
    scopes: list[str] | None
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    is_live: bool

    @classmethod
    def of(cls, view: TokenView) -> TokenPublic:
        return cls(
            id=view.id,
            user=view.user,
            name=view.name,
            scopes=list(view.scopes) if view.scopes is not None else None,
            created_at=view.created_at,
            expires_at=view.expires_at,
            last_used_at=view.last_used_at,
            revoked_at=view.revoked_at,
            is_live=view.is_live,
        )


class TokenCreatedPublic(BaseModel):
    token: TokenPublic
    secret: str = Field(description="The token itself: shown only in this response")


class TokenList(BaseModel):
    items: list[TokenPublic]


class GrantPublic(BaseModel):
    role: str
    department: str | None


class MePublic(BaseModel):
    """Who the caller is and what they may do where."""

    name: str
    display_name: str | None
    roles: list[str]
    permissions: list[str] = Field(description="held everywhere")
    department_permissions: dict[str, list[str]] = Field(description="held in one department")

    @classmethod
    def of(cls, user: UserView) -> MePublic:
        return cls(
            name=user.name,
            display_name=user.display_name,
            roles=sorted(user.roles),
            permissions=sorted(user.access.everywhere),
            department_permissions={
                d: sorted(held) for d, held in sorted(user.access.by_department.items()) if held
            },
        )
