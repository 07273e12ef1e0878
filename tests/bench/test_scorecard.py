"""The reference scorecard: plain Python gives SCORECARD.md's outcomes, and riskdesk agrees.

Only plain Python and riskdesk run here; the peer engines are checked by `make bench`.
"""

from __future__ import annotations

from typing import Any

import pytest

import dsl
from bench import engines, harness
from bench.cases import EDGE_CASES, EXAMPLE, EdgeCase
from bench.engines import plain
from bench.portfolio import portfolio

AGREEMENT_RECORDS = 2_000


def test_plain_python_gives_the_scorecard_example() -> None:
    assert plain.score(EXAMPLE.record) == (30, "medium", ("R02", "R03", "R08"))


@pytest.mark.parametrize("case", EDGE_CASES, ids=lambda case: case.name)
def test_plain_python_gets_every_edge_semantic_right(case: EdgeCase) -> None:
    assert plain.score(case.record) == case.expected


def test_disagreements_name_the_record_and_count_them_all() -> None:
    records = [case.record for case in EDGE_CASES[:3]]
    expected = [case.expected for case in EDGE_CASES[:3]]

    def wrong(record: dict[str, Any]) -> tuple[int, str, tuple[str, ...]]:
        if record["credit_limit"] == 0:
            raise ZeroDivisionError("division by zero")
        return (0, "low", ())

    found, total = harness.disagreements(wrong, records, expected, limit=1)
    assert total == 2
    assert [(item.index, item.got) for item in found] == [(0, (0, "low", ()))]


requires_compiler = pytest.mark.skipif(
    not hasattr(dsl, "compile_ruleset"), reason="dsl.compile_ruleset is not written yet"
)


@pytest.fixture(scope="module", params=["riskdesk", "riskdesk_no_form"])
def riskdesk(request: pytest.FixtureRequest) -> Any:
    """The scorecard compiled against the customer form, then without one."""
    engine = engines.load(request.param)
    engine.prepare()
    return engine


@requires_compiler
def test_riskdesk_agrees_with_plain_python_on_the_portfolio(riskdesk: Any) -> None:
    records = portfolio(AGREEMENT_RECORDS, seed=7)
    expected = [plain.score(record) for record in records]
    found, total = harness.disagreements(riskdesk.score, records, expected)
    assert (total, found) == (0, [])


@requires_compiler
@pytest.mark.parametrize("case", EDGE_CASES, ids=lambda case: case.name)
def test_riskdesk_gets_every_edge_semantic_right(riskdesk: Any, case: EdgeCase) -> None:
    score, tier, fired = riskdesk.score(case.record)
    assert (score, tier, fired) == case.expected
    assert type(score) is int  # SCORECARD.md: score is an int
