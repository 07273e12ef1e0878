"""Cursors (engine.pagination): what a list gave out reads back; anything else is refused as one
this list did not give out, before any database sees it."""

from __future__ import annotations

import base64
import json

import pytest

from engine.errors import InvalidRequestError
from engine.pagination import decode_cursor, encode_cursor
from engine.types import MAX_ROW_ID


@pytest.mark.parametrize("row_id", [1, 42, MAX_ROW_ID])
def test_a_cursor_reads_back_the_id_it_was_written_with(row_id: int) -> None:
    assert decode_cursor(encode_cursor(row_id)) == row_id
    assert decode_cursor(None) is None and decode_cursor("") is None


def _raw(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        encode_cursor(0),
        encode_cursor(-1),
        encode_cursor(MAX_ROW_ID + 1),
        encode_cursor(10**30),
        _raw({"after": True}),
        _raw({"after": "7"}),
        _raw({"after": 7.0}),
        _raw({"before": 7}),
        _raw([7]),
        "not base64 at all!",
    ],
)
def test_a_cursor_no_list_could_have_given_out_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidRequestError, match="the cursor is not one this list gave out"):
        decode_cursor(cursor)
