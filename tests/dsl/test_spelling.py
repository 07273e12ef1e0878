"""The words every reader of definitions uses: close-name suggestions and values in words."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from dsl.spelling import closest, describe, did_you_mean, edit_distance, suggest


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [("", "abc", 3), ("credit", "credit", 0), ("ab", "ba", 1), ("tier", "teir", 1), ("a", "b", 1)],
)
def test_edit_distance_counts_a_swap_of_neighbours_as_one(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b) == distance == edit_distance(b, a)


def test_suggest_takes_a_typo_or_a_name_cut_short_and_nothing_far() -> None:
    keys = ["payment_terms_days", "credit_limit", "prepayment_pct"]
    assert suggest("credit_limt", keys) == "credit_limit"
    assert suggest("payment_terms", keys) == "payment_terms_days"
    assert suggest("colour", keys) is None
    assert did_you_mean("Credit_Limit", keys) == "; did you mean 'credit_limit'?"
    assert did_you_mean("colour", keys) == ""


def test_closest_is_the_rules_language_s_stricter_choice() -> None:
    assert closest("max_overdue_dayz", ["max_overdue_days", "max_overdue"]) == "max_overdue_days"
    assert closest("abc", ["xyz"]) is None


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ({"a": 1}, "a mapping"),
        ([1], "a list"),
        (None, "nothing"),
        (True, "true"),
        (3, "the number 3"),
        (1.0, "the number 1.0"),
        (1e20, "the number 1e+20"),
        (2e6, "the number 2000000.0"),
        (float("nan"), "NaN"),
        (float("-inf"), "-Infinity"),
        (date(2026, 1, 31), "the date 2026-01-31"),
        ("cny", "the text 'cny'"),
    ],
)
def test_describe_says_what_the_author_wrote(value: Any, words: str) -> None:
    assert describe(value) == words
