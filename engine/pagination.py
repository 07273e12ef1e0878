"""Opaque keyset cursors for list services: a cursor names the last id of the page before, or
(a composite cursor, `Keyset`) the sort value and id of the row a page starts next to."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from engine.errors import N_, InvalidRequestError
from engine.types import MAX_ROW_ID

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# a composite cursor is small; anything longer is not one of ours
MAX_CURSOR = 1000


def encode_cursor(last_id: int) -> str:
    raw = json.dumps({"after": last_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """The id after which the next page starts; None for the first page.

    Raises InvalidRequestError for a cursor this module did not write (an id out of a row id's
    range included).
    """
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
        after = value["after"]
    except (binascii.Error, ValueError, TypeError, KeyError) as exc:
        raise InvalidRequestError(N_("the cursor is not one this list gave out")) from exc
    # an id no row can have is refused here, before a database sees it: SQLite cannot bind an
    # integer past 64 bits, PostgreSQL refuses one past its column's type
    if not isinstance(after, int) or isinstance(after, bool) or not 0 < after <= MAX_ROW_ID:
        raise InvalidRequestError(N_("the cursor is not one this list gave out"))
    return after


def clamp_limit(limit: int | None) -> int:
    """The page size to use: the default when None; refuses sizes below 1; caps at MAX_LIMIT."""
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1:
        raise InvalidRequestError(N_("limit must be at least 1, got %(limit)s"), limit=limit)
    return min(limit, MAX_LIMIT)


# --- composite cursors: a sort value and an id ---------------------------------------------------

# what a composite cursor's sort value may be: JSON scalars (a time travels as ISO text)
KeyValue = str | int | float | None


@dataclass(frozen=True, slots=True)
class Keyset:
    """Where a page sorted by `sort` starts: just after (or, `is_before`, just before) the row
    whose sort value is `value` (None: a row without one) and whose id is `last_id`."""

    sort: str
    value: KeyValue
    last_id: int
    is_before: bool = False


def encode_keyset(keyset: Keyset) -> str:
    raw = {"s": keyset.sort, "v": keyset.value, "id": keyset.last_id, "b": keyset.is_before}
    text = json.dumps(raw, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(text).decode().rstrip("=")


def decode_keyset(cursor: str | None, *, sort: str) -> Keyset | None:
    """The keyset a cursor of a list sorted by `sort` names; None for the first page.

    Raises InvalidRequestError for a cursor this module did not write, or one of a list sorted
    another way.
    """
    if not cursor:
        return None
    if len(cursor) > MAX_CURSOR:
        raise InvalidRequestError(N_("the cursor is not one this list gave out"))
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = json.loads(base64.urlsafe_b64decode(padded.encode()))
        keyset = Keyset(sort=raw["s"], value=raw["v"], last_id=raw["id"], is_before=raw["b"])
    except (binascii.Error, ValueError, TypeError, KeyError) as exc:
        raise InvalidRequestError(N_("the cursor is not one this list gave out")) from exc
    if (
        not isinstance(keyset.last_id, int)
        or isinstance(keyset.last_id, bool)
        or not isinstance(keyset.is_before, bool)
        or not isinstance(keyset.value, str | int | float | type(None))
        or isinstance(keyset.value, bool)
        or not isinstance(keyset.sort, str)
    ):
        raise InvalidRequestError(N_("the cursor is not one this list gave out"))
    # no row has another id (and a larger one overflows PostgreSQL's integer)
    if not 0 < keyset.last_id <= MAX_ROW_ID:
        raise InvalidRequestError(N_("the cursor is not one this list gave out"))
    if keyset.sort != sort:
        raise InvalidRequestError(
            N_("the cursor belongs to a list sorted by %(other)s, not %(sort)s"),
            other=ascii(keyset.sort),
            sort=sort,
        )
    return keyset
