"""docs/common-errors.md can never go stale: every example on the page is compiled here and must
print exactly the diagnostics the page shows.

The page is a list of `##` sections. In each, a ```rules block is a whole ruleset file named
`credit.rules`, checked against the `customer` form and the event kinds below (the page describes
them); the ```text block after it is what riskdesk prints for it. A ```record block after a ruleset
is a customer record (JSON) scored on 2025-06-30 with no exchange rates, and the ```result block
after it the part of the result (JSON) the page shows.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import dsl

PAGE = Path(__file__).resolve().parents[2] / "docs" / "common-errors.md"
FILENAME = "credit.rules"
AS_OF = date(2025, 6, 30)

N = dsl.ValueType
SCHEMA: dsl.Schema = {
    "max_overdue_days": dsl.FieldInfo(N.NUMBER, minimum=0, maximum=3650),
    "outstanding_balance": dsl.FieldInfo(N.MONEY),
    "credit_limit": dsl.FieldInfo(N.MONEY),
    "industry": dsl.FieldInfo(N.TEXT, options=("construction", "internet", "trade")),
    "has_guarantee": dsl.FieldInfo(N.BOOLEAN),
    "registered_on": dsl.FieldInfo(N.DATE),
    "enforcement_records": dsl.FieldInfo(N.NUMBER, minimum=0),
}
EVENTS: dict[str, dsl.Schema] = {
    "lawsuit": {"amount": dsl.FieldInfo(N.MONEY), "court": dsl.FieldInfo(N.TEXT)},
    "invoice": {"amount": dsl.FieldInfo(N.MONEY), "days_late": dsl.FieldInfo(N.NUMBER)},
}

_BLOCK = re.compile(r"^```(\w+)\n(.*?)^```$", re.S | re.M)


def sections(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """(title, [(kind, body), ...]) for every `##` section of the page."""
    found = []
    for part in re.split(r"^## ", text, flags=re.M)[1:]:
        title = part.splitlines()[0].strip()
        found.append((title, [(m.group(1), m.group(2)) for m in _BLOCK.finditer(part)]))
    return found


def printed(source: str) -> str:
    """What riskdesk prints for `source`: every diagnostic, rendered (as `riskdesk check` does)."""
    diagnostics = dsl.check_ruleset(source, filename=FILENAME, schema=SCHEMA, events=EVENTS)
    return dsl.render_all(diagnostics, {FILENAME: source})


def scored(source: str, record: dict[str, Any], shown: dict[str, Any]) -> dict[str, Any]:
    ruleset = dsl.compile_ruleset(
        source, filename=FILENAME, schema=SCHEMA, events=EVENTS, base_currency="CNY"
    )
    result = ruleset.evaluate(record, as_of=AS_OF).to_dict()
    return {key: result[key] for key in shown}


def examples() -> list[Any]:
    cases = []
    for title, blocks in sections(PAGE.read_text(encoding="utf-8")):
        for index, (kind, body) in enumerate(blocks):
            if kind != "rules":
                continue
            following = blocks[index + 1 : index + 3]
            cases.append(pytest.param(body, following, id=f"{title[:40]}-{index}"))
    return cases


def test_the_page_has_the_common_errors() -> None:
    found = sections(PAGE.read_text(encoding="utf-8"))
    assert len(found) >= 18
    assert all(any(kind == "rules" for kind, _ in blocks) for _, blocks in found)


@pytest.mark.parametrize(("source", "following"), examples())
def test_each_example_prints_what_the_page_shows(
    source: str, following: list[tuple[str, str]]
) -> None:
    kind, expected = following[0]
    if kind == "text":
        assert printed(source) == expected.rstrip("\n")
    else:
        assert kind == "record" and following[1][0] == "result"
        shown = json.loads(following[1][1])
        assert scored(source, json.loads(expected), shown) == shown
