"""User text never becomes code; huge inputs compile (rules-language §1, appendix)."""

from __future__ import annotations

from datetime import date
from types import FunctionType
from typing import cast

import pytest

import dsl
from tests.dsl.conftest import evaluate, messages_of, ruleset


@pytest.mark.parametrize("name", ["__class__", "__builtins__", "x__", "__import__"])
def test_dunder_names_are_rejected(name: str) -> None:
    source = ruleset(f"rule r when {name} > 1 then add 1")
    assert messages_of(source) == [
        f"error: '{name}' is not a valid name: a name cannot start or end with '__'"
    ]


def test_dunder_attribute_and_ids_are_rejected() -> None:
    source = ruleset("let __x = 1", "rule r when a.__class__ > 1 then flag __f")
    assert messages_of(source) == [
        "error: '__x' is not a valid name: a name cannot start or end with '__'",
        "error: '__class__' is not a valid name: a name cannot start or end with '__'",
        "error: '__f' is not a valid name: a name cannot start or end with '__'",
    ]


def test_dunder_placeholder_is_rejected() -> None:
    source = ruleset('rule r when true then alert info "{__builtins__} {x.__class__} {0.__x}"')
    assert messages_of(source) == [
        "error: '{__builtins__}' is not a valid name: a name cannot start or end with '__'",
        "error: '{x.__class__}' is not a valid name: a name cannot start or end with '__'",
        "error: '{0.__x}' is not a name to fill in; write '{{' for a literal brace",
    ]


@pytest.mark.parametrize(
    "text",
    ['\\"); import os; (\\"', "a\\\\b", "'''", "\\\\n", '\\" + \\"', "x}}{{y"],
)
def test_quotes_and_backslashes_in_text_stay_text(text: str) -> None:
    source = ruleset(f'rule r "{text}" when v == "{text}" then alert info "{{{{{text}}}}}"')
    compiled = dsl.compile_ruleset(source, filename="r.rules")
    literal = text.replace('\\"', '"').replace("\\\\", "\\")
    shown = "{" + literal.replace("}}", "}").replace("{{", "{") + "}"
    result = compiled.evaluate({"v": literal}, as_of=date(2025, 1, 1))
    assert result.fired == (dsl.Fired("r", literal, 0),)
    assert result.alerts[0].message == shown
    assert compiled.evaluate({"v": "other"}, as_of=date(2025, 1, 1)).fired == ()


def test_newline_in_a_label_is_not_possible() -> None:
    source = 'ruleset r\nrule a "line\nbreak" when true then add 1\ntiers low otherwise'
    assert "this text has no closing" in messages_of(source, schema=None)[0]


def test_generated_code_runs_without_builtins() -> None:
    compiled = dsl.compile_ruleset(ruleset("rule r when x > 1 then add 1"), filename="r")
    namespace = cast(FunctionType, compiled.evaluate).__globals__
    assert namespace["__builtins__"] == {}
    assert "x" not in namespace


def test_record_keys_are_only_looked_up_never_executed() -> None:
    record = {"x": "__import__('os').system('false')", "__class__": 1}
    assert evaluate(ruleset('rule r when x == "a" then add 1'), record).score == 0


def test_ten_thousand_term_and_chain_compiles_and_evaluates() -> None:
    chain = " and ".join(f"x{i} > 0" for i in range(10_000))
    source = ruleset(f"rule r when {chain} then add 1")
    compiled = dsl.compile_ruleset(source, filename="r.rules")
    record: dict[str, int | None] = {f"x{i}": 1 for i in range(10_000)}
    assert compiled.evaluate(record, as_of=date(2025, 1, 1)).score == 1
    record["x9999"] = None
    assert compiled.evaluate(record, as_of=date(2025, 1, 1)).score == 0


def test_long_arithmetic_chain_is_refused_clearly() -> None:
    chain = " + ".join(["1"] * 1001)
    assert messages_of(ruleset(f"let a = {chain}", "rule r when a > 1 then add 1"), None) == [
        "error: this calculation has more than 1000 terms; split it with 'let'"
    ]
