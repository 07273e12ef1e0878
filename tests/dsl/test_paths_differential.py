"""Differential fuzzing: the fast path and the missing-aware path of every generated ruleset give
the same result on every input, typed or not (rules-language §4, docs/rules-language.md).

Rulesets come from the generator of `test_properties` (every kind of expression, lets, tables,
alerts); records hold values of every type in every field: the declared one, any other JSON value,
records and lists. Each is compiled with the form's types and without them. The missing-aware
path is reached by a record whose `[]` always fails (the fast path reads with `[]`, the other
with `.get`). `make test` runs a short version; `make fuzz` the long one (marker `fuzz`).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import example, given, note, settings
from hypothesis import strategies as st

import dsl
from tests.dsl.test_properties import AS_OF, EVENTS, SCHEMA, TYPES, fx, programs, records


class SlowPathOnly(dict[str, Any]):
    """A record whose `[]` always fails, so evaluation goes straight to the missing-aware path."""

    def __getitem__(self, key: str) -> Any:
        raise KeyError(key)


ODD_VALUES = st.one_of(
    st.lists(st.one_of(st.integers(-3, 3), st.text(max_size=2)), max_size=3),
    st.dictionaries(st.sampled_from(["amount", "currency", "zip", "country"]), st.integers(0, 9)),
    st.sampled_from([True, False, "", "ab", 0, -0.0, 1e308, -1e308, 10**20, 2**53 + 1]),
)


@st.composite
def any_records(draw: st.DrawFn) -> dict[str, Any]:
    """`records()` with, now and then, a list, a record or an edge value in any field."""
    record = draw(records())
    for name in [*TYPES, "addr"]:
        if draw(st.integers(0, 5)) == 0:
            record[name] = draw(ODD_VALUES)
    return record


def _outcome(result: dsl.Result) -> str:
    return json.dumps(result.to_dict(), sort_keys=True, default=str)


def paths_agree(source: str, inputs: list[tuple[dict[str, Any], list[dict[str, Any]]]]) -> None:
    note(source)
    for schema in (SCHEMA, None):
        try:
            compiled = dsl.compile_ruleset(
                source, filename="gen.rules", schema=schema, base_currency="CNY"
            )
        except dsl.RulesError:
            assert schema is None  # without the form the checker may not know a field's kind
            continue
        for record, events in inputs:
            note(repr(record))
            fast = compiled.evaluate(record, events=events, as_of=AS_OF, fx=fx)
            slow = compiled.evaluate(SlowPathOnly(record), events=events, as_of=AS_OF, fx=fx)
            assert _outcome(fast) == _outcome(slow), (schema is not None, record)


INPUTS = st.lists(st.tuples(any_records(), EVENTS), min_size=1, max_size=4)
RULE_18 = (
    "ruleset r\nform customer\n"
    "rule r1 when coalesce(1 * n3, 90) >= 10 then add 30\n"
    "tiers\n  low otherwise\n"
)


@settings(max_examples=40)
@given(programs(), INPUTS)
@example(RULE_18, [({"n3": False}, [])])
@example(RULE_18.replace("coalesce", "min"), [({"n3": False}, [])])
@example(RULE_18.replace("1 * n3", "n3 * 2").replace("coalesce", "max"), [({"n3": "ab"}, [])])
def test_fast_and_missing_aware_paths_agree(
    source: str, inputs: list[tuple[dict[str, Any], list[dict[str, Any]]]]
) -> None:
    paths_agree(source, inputs)


@pytest.mark.fuzz
@given(programs(), INPUTS)
def test_fuzz_fast_and_missing_aware_paths_agree(
    source: str, inputs: list[tuple[dict[str, Any], list[dict[str, Any]]]]
) -> None:
    paths_agree(source, inputs)


def test_arithmetic_on_a_boolean_is_missing_on_both_paths() -> None:
    compiled = dsl.compile_ruleset(RULE_18, filename="r.rules", schema=SCHEMA)
    assert compiled.evaluate({"n3": False}, as_of=AS_OF).score == 30
    assert compiled.evaluate({"n3": 1}, as_of=AS_OF).score == 0
