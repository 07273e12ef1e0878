"""A user's preferences: the language their pages are shown in.

`User.language` is "en", "zh" or None (None: the browser's Accept-Language decides). A change
writes an audit row in the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from engine import audit
from engine.errors import N_, InvalidRequestError, NotFoundError
from engine.explanations import LANGUAGES
from engine.models import User


def _user(session: Session, user_name: str) -> User:
    user = session.exec(select(User).where(User.name == user_name)).first()
    if user is None:
        raise NotFoundError(N_("there is no user '%(name)s'"), name=user_name)
    return user


def language_of(session: Session, user_name: str) -> str | None:
    """The language user `user_name` chose for their pages; None when they never chose one or
    there is no such user."""
    language = session.exec(select(User.language).where(User.name == user_name)).first()
    return language if language in LANGUAGES else None


def set_language(session: Session, user_name: str, language: str, *, now: datetime) -> None:
    """Remember `language` ("en" or "zh") for user `user_name`'s pages, audited as
    `user.language_set` when it changes.

    Raises InvalidRequestError for another language, NotFoundError for an unknown user.
    """
    if language not in LANGUAGES:
        known = ", ".join(f"'{code}'" for code in LANGUAGES)
        raise InvalidRequestError(
            N_("unknown language '%(language)s'; expected one of %(known)s"),
            language=language,
            known=known,
        )
    user = _user(session, user_name)
    if user.language == language:
        return
    before = user.language
    user.language = language
    session.add(user)
    audit.record(
        session,
        actor=user_name,
        action="user.language_set",
        entity_kind="user",
        entity_id=user.name,
        detail={"before": before, "after": language},
        now=now,
    )
