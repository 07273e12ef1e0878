"""Opaque keyset cursors for list services: a cursor names the last id of the page before."""

from __future__ import annotations

import base64
import binascii
import json

from engine.errors import N_, InvalidRequestError

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def encode_cursor(last_id: int) -> str:
    raw = json.dumps({"after": last_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """The id after which the next page starts; None for the first page.

    Raises InvalidRequestError for a cursor this module did not write.
    """
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
        after = value["after"]
    except (binascii.Error, ValueError, TypeError, KeyError) as exc:
        raise InvalidRequestError(N_("the cursor is not one this list gave out")) from exc
    if not isinstance(after, int) or isinstance(after, bool):
        raise InvalidRequestError(N_("the cursor is not one this list gave out"))
    return after


def clamp_limit(limit: int | None) -> int:
    """The page size to use: the default when None; refuses sizes below 1; caps at MAX_LIMIT."""
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1:
        raise InvalidRequestError(N_("limit must be at least 1, got %(limit)s"), limit=limit)
    return min(limit, MAX_LIMIT)
