"""The comments people write on cases, delegations and manual starts: trimmed, bounded, and free
of control characters (PostgreSQL cannot store NUL; a page form's text reaches the engine
unchecked, where the API's JSON parser would have refused it)."""

from __future__ import annotations

import forms
from engine.errors import N_, InvalidRequestError

# the longest comment on a case action (the pages' and the API's bound)
MAX_COMMENT_LENGTH = 10_000


def checked_comment(comment: str | None, *, max_length: int = MAX_COMMENT_LENGTH) -> str | None:
    """`comment` trimmed, None when empty. Raises InvalidRequestError for one longer than
    `max_length` or holding control characters other than line breaks and tabs."""
    text = (comment or "").strip()
    if not text:
        return None
    if len(text) > max_length:
        raise InvalidRequestError(N_("a comment has at most %(max)d characters"), max=max_length)
    if forms.text_problem(text, allow_breaks=True) is not None:
        raise InvalidRequestError(N_("a comment may not hold control characters"))
    return text
