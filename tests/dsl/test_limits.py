"""Hard limits (dsl/limits.py) are refused with positioned errors; what they allow stays fast.

"Fast" is asserted without a clock (this machine is shared and noisy): `work` counts the function
calls an action makes, which is the same on every run, and work that doubles with the input is
linear. Timings are `make bench`'s business.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from types import FrameType

import pytest

import dsl
from dsl import limits
from tests.dsl.conftest import messages_of, rendered, ruleset

AS_OF = date(2025, 1, 1)


def codes_of(source: str) -> list[str]:
    return [d.code for d in dsl.check_ruleset(source, filename="r.rules") if d.is_error]


def work(action: Callable[[], object]) -> int:
    """How many Python and C function calls `action()` makes: its work, counted, not timed."""
    calls = 0

    def profile(frame: FrameType, event: str, arg: object) -> None:
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    sys.setprofile(profile)
    try:
        action()
    finally:
        sys.setprofile(None)
    return calls


def growth(action: Callable[[int], object], size: int) -> float:
    """How much more work `action(2 * size)` is than `action(size)`: 2 when linear."""
    action(size)  # anything built once (the grammar, caches) is built before counting
    return work(lambda: action(2 * size)) / work(lambda: action(size))


# ---- size of the text ------------------------------------------------------------------------


def _padded(size: int, char: str = "x") -> str:
    """A valid ruleset of exactly `size` UTF-8 bytes, padded by a comment."""
    head = "ruleset r\ntiers low otherwise\n# "
    room = size - len(head.encode("utf-8")) - 1
    width = len(char.encode("utf-8"))
    return head + char * (room // width) + "x" * (room % width) + "\n"


def test_a_text_of_256_kib_compiles() -> None:
    source = _padded(limits.MAX_SOURCE_BYTES)
    assert len(source.encode("utf-8")) == 256 * 1024
    assert dsl.compile_ruleset(source, filename="r.rules").id == "r"


def test_a_text_over_256_kib_is_refused_where_it_crosses_the_limit() -> None:
    source = _padded(limits.MAX_SOURCE_BYTES + 1)
    line = source.split("\n")[2]  # the final newline is the byte past the limit
    assert rendered(source) == (
        f"r.rules:3:{len(line) + 1}: error: this text is larger than 256 KiB; split it into "
        "several rulesets\n"
        f"    3 | {line}\n"
        f"      | {' ' * len(line)}^"
    )


def test_size_counts_utf8_bytes_of_chinese_text() -> None:
    at_limit = _padded(limits.MAX_SOURCE_BYTES, "逾")
    assert codes_of(at_limit) == []
    over = at_limit.replace("# ", "# 逾", 1)
    assert codes_of(over) == ["too-large"]


def test_a_huge_text_is_refused_without_being_parsed() -> None:
    def huge(terms: int) -> str:
        return ruleset("rule a when " + " and ".join(["x > 1"] * terms) + " then add 1")

    assert codes_of(huge(200_000)) == ["too-large"]
    # refused before parsing: twice the text is no more work
    assert work(lambda: codes_of(huge(400_000))) == work(lambda: codes_of(huge(200_000)))


def test_an_expression_over_256_kib_is_refused() -> None:
    with pytest.raises(dsl.RulesError) as caught:
        dsl.compile_expression("x" + " + x" * 70_000, filename="guard")
    assert [d.code for d in caught.value.diagnostics] == ["too-large"]


# ---- names, strings and numbers ----------------------------------------------------------------


def test_a_name_of_200_characters_is_accepted() -> None:
    name = "n" * 200
    compiled = dsl.compile_ruleset(ruleset(f"rule a when {name} > 1 then add 1"), filename="r")
    assert compiled.evaluate({name: 2}, as_of=AS_OF).score == 1


def test_a_longer_name_is_refused_with_its_position() -> None:
    name = "n" * 201
    source = ruleset(f"rule a when {name} > 1 then add 1")
    assert rendered(source).split("\n")[0] == (
        "r.rules:2:13: error: this name is longer than 200 characters"
    )


@pytest.mark.parametrize(
    "statement",
    [
        "rule {long} when x > 1 then add 1",
        "let {long} = 1",
        "rule a when x > 1 then flag {long}",
        "table {long} on x else => 1",
        "rule a when x.{long} > 1 then add 1",
        "rule a when {long}(x) > 1 then add 1",
    ],
)
def test_every_kind_of_name_is_limited(statement: str) -> None:
    source = ruleset(statement.format(long="v" * 201))
    assert codes_of(source) == ["name-too-long"]


def test_a_long_header_or_tier_name_is_refused() -> None:
    long = "t" * 201
    assert codes_of(f"ruleset {long}\ntiers low otherwise") == ["name-too-long"]
    assert codes_of(f"ruleset r\ntiers {long} otherwise") == ["name-too-long"]


def test_a_string_of_10000_characters_is_accepted() -> None:
    text = "é" * 10_000
    compiled = dsl.compile_ruleset(ruleset(f'rule a when x == "{text}" then add 1'), filename="r")
    assert compiled.evaluate({"x": text}, as_of=AS_OF).score == 1


@pytest.mark.parametrize(
    "statement",
    [
        'rule a when x == "{long}" then add 1',
        'rule a "{long}" when x > 1 then add 1',
        'rule a when x > 1 then alert info "{long}"',
    ],
)
def test_a_longer_string_is_refused(statement: str) -> None:
    source = ruleset(statement.format(long="s" * 10_001))
    assert messages_of(source) == ["error: this text is longer than 10000 characters"]


def test_escapes_count_as_written() -> None:
    # the limit is on the literal as written; 5,001 escaped quotes are 10,002 characters
    assert codes_of(ruleset('rule a when x == "' + '\\"' * 5_001 + '" then add 1')) == [
        "text-too-long"
    ]


def test_a_long_number_is_refused_before_it_overflows_a_double() -> None:
    number = "9" * 400
    source = ruleset(f"rule a when x > {number} then add 1")
    assert rendered(source).split("\n")[0] == (
        "r.rules:2:17: error: this number is longer than 30 characters"
    )


def test_a_number_of_30_characters_is_accepted() -> None:
    number = "1_000_000_000_000_000_000_00.5"
    assert len(number) == limits.MAX_NUMBER_LENGTH
    compiled = dsl.compile_ruleset(ruleset(f"rule a when x < {number} then add 1"), filename="r")
    assert compiled.evaluate({"x": 5}, as_of=AS_OF).score == 1


def test_limit_errors_and_syntax_errors_are_reported_together() -> None:
    source = ruleset("rule a when " + "v" * 300 + " > 1 tehn add 1", "let b = ")
    assert [d.code for d in dsl.check_ruleset(source, filename="r.rules")] == [
        "name-too-long",
        "syntax",
        "syntax",
    ]


def test_limit_messages_come_in_chinese() -> None:
    source = ruleset("rule a when " + "v" * 300 + " > 1 then add 1")
    (diagnostic,) = dsl.check_ruleset(source, filename="r.rules", language="zh")
    assert diagnostic.message == "名称长度超过 200 个字符"


# ---- number of rules ---------------------------------------------------------------------------


def _many_rules(count: int) -> str:
    return ruleset(*(f"rule r{i} when x > {i} then add 1" for i in range(count)))


def test_5000_rules_compile_and_evaluate() -> None:
    compiled = dsl.compile_ruleset(_many_rules(limits.MAX_RULES), filename="r.rules")
    assert compiled.evaluate({"x": 10}, as_of=AS_OF).score == 10


def test_rule_5001_is_refused_at_its_id() -> None:
    source = _many_rules(limits.MAX_RULES + 1)
    assert rendered(source).split("\n")[0] == (
        "r.rules:5002:6: error: this ruleset has more than 5000 rules and tables; split it into "
        "several rulesets"
    )


def test_tables_count_as_rules() -> None:
    source = ruleset(*(f"table t{i} on x else => 1" for i in range(limits.MAX_RULES + 1)))
    assert codes_of(source) == ["too-many-rules"]


# ---- nesting and chains: linear-ish time -------------------------------------------------------


def test_the_nesting_limit_is_the_checkers() -> None:
    assert limits.MAX_NESTING == 64


def test_64_levels_of_nesting_compile_and_evaluate() -> None:
    deep = "(" * 63 + "x > 1" + ")" * 63  # 63 parentheses and the comparison
    compiled = dsl.compile_ruleset(ruleset(f"rule a when {deep} then add 1"), filename="r")
    assert compiled.evaluate({"x": 2}, as_of=AS_OF).score == 1
    assert compiled.evaluate({}, as_of=AS_OF).score == 0


@pytest.mark.parametrize(
    "deep",
    [
        "(" * 65 + "x > 1" + ")" * 65,
        "not " * 70 + "x",
        "-" * 70 + "x > 1",
        "if a then " * 70 + "true" + " else false" * 70,
        "abs(" * 70 + "x" + ")" * 70 + " > 1",
        "x" + ".y" * 70 + " > 1",
    ],
    ids=["parentheses", "not", "minus", "if", "calls", "attributes"],
)
def test_65_levels_of_any_kind_are_refused(deep: str) -> None:
    assert codes_of(ruleset(f"rule a when {deep} then add 1")) == ["too-deep"]


def nested(depth: int) -> str:
    return ruleset("rule a when " + "(" * depth + "x" + ")" * depth + " then add 1")


def test_100000_nested_parentheses_are_refused() -> None:
    assert codes_of(nested(100_000)) == ["too-deep"]


def test_nested_parentheses_are_refused_in_linear_time() -> None:
    assert growth(lambda depth: codes_of(nested(depth)), 20_000) < 2.2


@pytest.mark.parametrize("operator", ["and", "or"])
@pytest.mark.parametrize("where", ["rule", "let", "tiers", "where"])
def test_10000_term_chains_compile_and_evaluate_everywhere(operator: str, where: str) -> None:
    chain = f" {operator} ".join(f"x{i} > 0" for i in range(10_000))
    statements = {
        "rule": [f"rule a when {chain} then add 1"],
        "let": [f"let c = {chain}", "rule a when c then add 1"],
        "tiers": ["rule a when true then add 1"],
        "where": [f"rule a when count(e within 30 days where {chain}) > 0 then add 1"],
    }[where]
    tiers = f"tiers\n  high when score > 0 and ({chain})\n  low otherwise"
    source = ruleset(*statements, tiers=tiers if where == "tiers" else "tiers\n  low otherwise")
    record: dict[str, int | None] = {f"x{i}": 1 for i in range(10_000)}
    events = [{"kind": "e", "occurred_at": "2024-12-31", "payload": {}}]
    compiled = dsl.compile_ruleset(source, filename="r.rules")
    result = compiled.evaluate(record, events=events, as_of=AS_OF)
    assert result.score == 1
    if where == "tiers":
        assert result.tier == "high"
    record["x9999"] = None
    partial = compiled.evaluate(record, events=events, as_of=AS_OF)
    assert partial.score == (1 if operator == "or" or where == "tiers" else 0)


def test_1000_term_arithmetic_chain_compiles_and_1001_is_refused() -> None:
    chain = " + ".join(f"x{i}" for i in range(1_000))
    compiled = dsl.compile_ruleset(ruleset(f"rule a when true then add {chain}"), filename="r")
    assert compiled.evaluate({f"x{i}": 1 for i in range(1_000)}, as_of=AS_OF).score == 1_000
    assert codes_of(ruleset(f"rule a when true then add {chain} + 1")) == ["too-long"]


@pytest.mark.parametrize("operator", ["and", "or"])
@pytest.mark.parametrize("where", ["rule", "let", "tiers"])
def test_chains_compile_and_evaluate_in_linear_time(operator: str, where: str) -> None:
    def compile_and_evaluate(terms: int) -> None:
        chain = f" {operator} ".join(f"x{i} > 0" for i in range(terms))
        statements = {
            "rule": [f"rule a when {chain} then add 1"],
            "let": [f"let c = {chain}", "rule a when c then add 1"],
            "tiers": ["rule a when true then add 1"],
        }[where]
        tiers = f"tiers\n  high when score > 0 and ({chain})\n  low otherwise"
        source = ruleset(*statements, tiers=tiers if where == "tiers" else "tiers\n  low otherwise")
        compiled = dsl.compile_ruleset(source, filename="r.rules")
        compiled.evaluate({f"x{i}": 1 for i in range(terms)}, as_of=AS_OF)

    assert growth(compile_and_evaluate, 1_000) < 2.2


def chained_lets(count: int) -> str:
    lets = ["let l0 = x", *(f"let l{i} = l{i - 1} + 1" for i in range(1, count))]
    return ruleset(*lets, f"rule a when l{count - 1} > 1 then add 1")


def test_3000_chained_lets_compile() -> None:
    compiled = dsl.compile_ruleset(chained_lets(3_000), filename="r.rules")
    assert compiled.evaluate({"x": 1}, as_of=AS_OF).score == 1
    assert compiled.evaluate({}, as_of=AS_OF).score == 0


def test_chained_lets_compile_in_linear_time() -> None:
    assert growth(lambda n: dsl.compile_ruleset(chained_lets(n), filename="r"), 500) < 2.2


def test_a_file_at_the_limits_formats_in_linear_time() -> None:
    def format_chain(terms: int) -> str:
        chain = " and ".join(f"x{i} > 0" for i in range(terms))
        return dsl.format_ruleset(ruleset(f"rule a when {chain} then add 1"), filename="r.rules")

    assert format_chain(10_000).count(" and ") == 9_999
    assert growth(format_chain, 1_000) < 2.2
