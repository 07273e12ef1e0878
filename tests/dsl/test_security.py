"""User text never becomes code (rules-language appendix; STYLE §4: compiled rules reach only the
helpers of dsl.runtime).

Every hostile name or text is either refused with a diagnostic or treated as inert data; the
generated Python source holds user text only inside `repr()`-built string literals, which is
checked by tokenizing it; the generated code runs with empty `__builtins__`.
"""

from __future__ import annotations

import io
import keyword
import re
import tokenize
from datetime import date
from types import FunctionType
from typing import cast

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

import dsl
from dsl.runtime import HELPERS
from tests.dsl import test_reference_full
from tests.dsl.conftest import messages_of, ruleset
from tests.dsl.test_properties import SCHEMA, programs

AS_OF = date(2025, 1, 1)


def compile_(source: str, **kwargs: object) -> dsl.CompiledRuleset:
    try:
        return dsl.compile_ruleset(source, filename="r.rules", **kwargs)  # type: ignore[arg-type]
    except dsl.RulesError as exc:
        raise AssertionError(dsl.render_all(exc.diagnostics, {"r.rules": source})) from exc


def error_codes(source: str) -> list[str]:
    return [d.code for d in dsl.check_ruleset(source, filename="r.rules") if d.is_error]


# ---- the generated source ------------------------------------------------------------------------

# What the generator itself names: Python keywords, the runtime helpers, the function it defines
# and its own locals (one capital letter and a number: R the record, C the context, L0 a let,
# K0 a constant, ...). A user name matching the last pattern is caught by `skeleton` below.
GENERATOR_NAMES = frozenset(keyword.kwlist) | frozenset(HELPERS) | {"_ruleset", "_expression"}
# the parameters of `CompiledRuleset.evaluate`, which is the generated function itself
GENERATOR_NAMES |= {"record", "events", "as_of", "fx"}
_LOCAL = re.compile(r"[A-Z][0-9]*\Z")


def tokens(python: str) -> list[tokenize.TokenInfo]:
    return list(tokenize.generate_tokens(io.StringIO(python).readline))


# attributes the generator reads: `C.as_of` (the context), `F.append` (the flags, alerts list)
GENERATOR_ATTRIBUTES = frozenset({"as_of", "append"})


def foreign_names(python: str) -> set[str]:
    """NAME tokens of the generated source that the generator does not write itself."""
    found = set()
    previous = None
    for token in tokens(python):
        if token.type == tokenize.NAME:
            after_dot = previous is not None and previous.string == "."
            if after_dot and token.string not in GENERATOR_ATTRIBUTES:
                found.add("." + token.string)
            elif not after_dot and not (
                token.string in GENERATOR_NAMES or _LOCAL.match(token.string)
            ):
                found.add(token.string)
        previous = token
    return found


def skeleton(python: str) -> list[tuple[int, str]]:
    """The generated source with every string literal blanked: what user text cannot change."""
    return [
        (t.type, "'…'" if t.type == tokenize.STRING else t.string)
        for t in tokens(python)
        if t.type not in (tokenize.COMMENT, tokenize.NL)
    ]


def assert_only_repr_literals(python: str) -> None:
    assert foreign_names(python) == set()
    for token in tokens(python):
        assert token.type != tokenize.COMMENT, token
        if token.type == tokenize.STRING:
            assert token.string[0] in "'\"" and not token.string.startswith(('"""', "'''")), token


def test_reference_example_generates_only_its_own_names() -> None:
    compiled = compile_(
        test_reference_full.SOURCE,
        schema=test_reference_full.SCHEMA,
        base_currency="CNY",
    )
    assert_only_repr_literals(compiled.python_source)


@given(programs())
def test_generated_programs_hold_user_text_only_in_literals(source: str) -> None:
    note(source)
    compiled = compile_(source, schema=SCHEMA, base_currency="CNY")
    note(compiled.python_source)
    assert_only_repr_literals(compiled.python_source)


HOSTILE_NAMES = [
    "R", "C", "L0", "K0", "E", "_get", "_fmt", "_ruleset", "lambda", "import", "exec", "eval",
    "open", "print", "os", "sys", "getattr", "globals", "None", "True", "self", "_n", "yield",
    "breakpoint", "builtins", "_", "ℌ", "ﬁ", "ǅ", "名字",
]  # fmt: skip


def _named_program(names: list[str]) -> str:
    """A ruleset using each of `names` in a different role: field, nested field, let, rule and
    table id, flag, tier, event kind and event field."""
    field, nested, let, rule, table, flag, tier, kind, event_field = names
    return "\n".join(
        [
            "ruleset r",
            f"let {let} = {field} + {field}.{nested}",
            f"rule {rule} when {let} > 1 and count({kind} within 30 days where {event_field} > 0)"
            f' >= 0 then add {field}, flag {flag}, tier at least {tier}, alert info "{{{let}}}"',
            f"table {table} on {field}.{nested} < 2 => 1 else => last({kind}).{event_field}",
            f"tiers {tier} when {let} > 5 other otherwise",
        ]
    )


NEUTRAL = ["fa", "fb", "la", "ra", "ta", "fl", "hi", "ka", "kf"]


@given(st.lists(st.sampled_from(HOSTILE_NAMES), min_size=9, max_size=9, unique=True))
def test_names_never_reach_the_generated_code(names: list[str]) -> None:
    hostile = compile_(_named_program(names))
    neutral = compile_(_named_program(NEUTRAL))
    assert skeleton(hostile.python_source) == skeleton(neutral.python_source)
    record = {names[0]: {names[1]: 1}, "fa": 100}
    result = hostile.evaluate(record, as_of=AS_OF)
    assert result.values.get(names[2]) is None  # {..} + 1 is missing: a record is not a number


@pytest.mark.parametrize(
    "text",
    [
        '"); import os; ("',
        "'''",
        '"""',
        "\\",
        "\\n",
        "\n",
        "\u2028",
        "\u2029",
        "\x00",
        "\r",
        "{{__builtins__}}",
        "}}; __import__('os').system('x'); {{",
        "\u202e evil",
        "#",
        "\x1b[31m",
        "é\u0301",
    ],
    ids=repr,
)
def test_hostile_text_is_inert_everywhere(text: str) -> None:
    literal = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if "\n" in text:
        # rules-language §1: a string ends on its line; a line break in one is refused
        source = ruleset(f"rule a when x == {literal} then add 1")
        assert error_codes(source) != []
        return
    source = "\n".join(
        [
            f"ruleset r {literal}",
            f'rule a {literal} when x == {literal} or x in [{literal}, "b"] then add 1, '
            f"alert info {literal.replace('{', '{{').replace('}', '}}')}",
            f"table t {literal} on x {literal} => 5 else => 0",
            "tiers low otherwise",
        ]
    )
    compiled = compile_(source)
    plain = compile_(source.replace(literal, '"plain"'))
    assert skeleton(compiled.python_source) == skeleton(plain.python_source)
    assert_only_repr_literals(compiled.python_source)
    result = compiled.evaluate({"x": text}, as_of=AS_OF)
    assert result.score == 6
    assert compiled.label == text
    assert result.fired[0].label == text
    assert result.alerts[0].message == text  # its braces were doubled in the message
    assert compiled.evaluate({"x": text + " "}, as_of=AS_OF).score == 0


# ---- dunder names and Python syntax are refused --------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "codes"),
    [
        ("__class__ > 1", ["bad-name"]),
        ("x.__class__ > 1", ["bad-name"]),
        ("x.__class__.__bases__ > 1", ["bad-name", "bad-name"]),
        ("__import__('os') > 1", ["syntax"]),
        ('__import__("os") > 1', ["unknown-function"]),
        ("().__class__.__bases__ > 1", ["syntax"]),
        ("x.__globals__ is present", ["bad-name"]),
        ("[].__len__ > 0", ["syntax"]),
        ("x[0] > 1", ["syntax"]),
        ("x; y", ["syntax"]),
        ("lambda: 1", ["syntax"]),
        ("eval(x) > 1", ["unknown-function"]),
        ('getattr(x, "y") > 1', ["unknown-function"]),
        ("x if y else z", ["syntax"]),
        ("`x`", ["syntax"]),
        ("x ** 2 > 1", ["syntax"]),
    ],
)
def test_python_syntax_and_dunders_are_refused(condition: str, codes: list[str]) -> None:
    assert error_codes(ruleset(f"rule a when {condition} then add 1")) == codes


@pytest.mark.parametrize(
    "message",
    [
        "{__builtins__}",
        "{x.__class__}",
        "{__import__('os')}",
        "{().__class__}",
        "{x!r}",
        "{x:>10}",
        "{0}",
        "{x[0]}",
    ],
)
def test_placeholders_that_are_not_names_are_refused(message: str) -> None:
    codes = error_codes(ruleset(f'rule a when true then alert info "{message}"'))
    assert codes and set(codes) <= {"bad-name", "bad-placeholder", "unknown-name", "unknown-field"}


def test_placeholders_are_never_format_fields_of_python() -> None:
    compiled = compile_(ruleset('rule a when true then alert info "{x} {{x.__class__}} {{0}}"'))
    result = compiled.evaluate({"x": "{0.__class__}"}, as_of=AS_OF)
    assert result.alerts[0].message == "{0.__class__} {x.__class__} {0}"


# ---- Unicode lookalikes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("rule a when x > 1 then аdd 30", "expected"),  # Cyrillic а
        ("rule a ｗhen x > 1 then add 30", "expected"),  # full-width w: a name, not `when`
        ("rule a when x\u200b > 1 then add 30", "unexpected character"),  # zero-width space
        ("rule a when x\u202e > 1 then add 30", "unexpected character"),  # right-to-left override
        ("rule a when x （ > 1 then add 30", "unexpected character"),  # full-width parenthesis
        ("rule a when x > 1 then add 30\u037e", "unexpected character"),  # Greek question mark
    ],
)
def test_lookalikes_of_syntax_are_refused(statement: str, message: str) -> None:
    (problem, *_) = messages_of(ruleset(statement))
    assert problem.startswith("error: ") and message in problem


def test_lookalike_names_are_different_names() -> None:
    compiled = compile_(ruleset("rule a when ѕcore > 1 then add 1", "rule b when ﬁ > 1 then add 2"))
    # Cyrillic ѕ is not `score`; the ligature ﬁ is not `fi` (no NFKC folding, unlike Python names)
    assert compiled.evaluate({"score": 5, "fi": 5}, as_of=AS_OF).score == 0
    assert compiled.evaluate({"ѕcore": 5, "ﬁ": 5}, as_of=AS_OF).score == 3


def test_lookalike_of_a_field_gets_a_suggestion_with_a_form() -> None:
    schema = {"score_card": dsl.FieldInfo(dsl.ValueType.NUMBER)}
    source = ruleset("rule a when ѕcore_card > 1 then add 1")
    (diagnostic,) = dsl.check_ruleset(source, filename="r.rules", schema=schema)
    assert diagnostic.code == "unknown-field"
    assert "score_card" in diagnostic.message


# ---- the sandbox ---------------------------------------------------------------------------------


def test_ruleset_code_runs_with_empty_builtins() -> None:
    compiled = compile_(test_reference_full.SOURCE, schema=test_reference_full.SCHEMA)
    namespace = cast(FunctionType, compiled.evaluate).__globals__
    assert namespace["__builtins__"] == {}
    assert set(namespace) - {"__builtins__"} <= set(HELPERS) | {"_ruleset"} | {
        name for name in namespace if _LOCAL.match(name)
    }


def test_expression_code_runs_with_empty_builtins() -> None:
    compiled = dsl.compile_expression("credit_limit * 50%", filename="param")
    assert compiled._function.__globals__["__builtins__"] == {}
    assert compiled.evaluate({"credit_limit": 10}) == 5


def test_generated_code_cannot_reach_builtins_even_by_name() -> None:
    compiled = compile_(ruleset("rule a when true then add 1"))
    function = cast(FunctionType, compiled.evaluate)
    with pytest.raises(NameError):
        eval("open", function.__globals__)  # what a leaked name would meet
