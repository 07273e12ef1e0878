"""The reference scorecard: plain Python gives SCORECARD.md's outcomes, and riskdesk agrees.

Only plain Python and riskdesk run here; the peer engines are checked by `make bench`.
"""

from __future__ import annotations

from typing import Any

import pytest

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


@pytest.fixture(scope="module", params=["riskdesk", "riskdesk_no_form"])
def riskdesk(request: pytest.FixtureRequest) -> Any:
    """The scorecard compiled against the customer form, then without one."""
    engine = engines.load(request.param)
    engine.prepare()
    return engine


def test_riskdesk_agrees_with_plain_python_on_the_portfolio(riskdesk: Any) -> None:
    records = portfolio(AGREEMENT_RECORDS, seed=7)
    expected = [plain.score(record) for record in records]
    found, total = harness.disagreements(riskdesk.score, records, expected)
    assert (total, found) == (0, [])


@pytest.mark.parametrize("case", EDGE_CASES, ids=lambda case: case.name)
def test_riskdesk_gets_every_edge_semantic_right(riskdesk: Any, case: EdgeCase) -> None:
    score, tier, fired = riskdesk.score(case.record)
    assert (score, tier, fired) == case.expected
    assert type(score) is int  # SCORECARD.md: score is an int


def test_the_timed_loop_scores_every_record_as_the_checked_score(riskdesk: Any) -> None:
    records = [case.record for case in EDGE_CASES]
    # the last outcome of the loop is that of the last record, whichever record is last
    for last in range(1, len(records) + 1):
        assert riskdesk.score_all(records[:last]) == riskdesk.score(records[last - 1])
    assert engines.score_loop(riskdesk) is riskdesk.score_all
    assert riskdesk.score_all([]) is None


def test_engines_without_their_own_loop_are_timed_through_score() -> None:
    loop = engines.score_loop(plain)
    records = [case.record for case in EDGE_CASES]
    assert loop(records) == plain.score(records[-1]) == EDGE_CASES[-1].expected
    assert loop(records[:1]) == EDGE_CASES[0].expected
