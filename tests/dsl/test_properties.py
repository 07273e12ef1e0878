"""Property tests of the rules language (hypothesis).

- Random well-typed rulesets over a fixed form compile, and evaluate on random records (fields
  missing, None, or of the wrong kind) without raising.
- Random text and mutations of the reference examples give diagnostics (`RulesError`) or compile:
  never any other exception.
- The formatter round-trips: formatting twice changes nothing, and the tree and the results stay.

The CI profile (tests/dsl/conftest.py) runs ~150 examples per property; `make fuzz` runs the
`fuzz`-marked tests at the bottom, the same properties with the long profile.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import example, given, note
from hypothesis import strategies as st

import dsl
from dsl import FieldInfo, ValueType
from dsl.parse import parse_ruleset
from tests.dsl import test_chinese, test_reference_full
from tests.dsl.conftest import tree_shape

AS_OF = date(2025, 6, 30)

SCHEMA: dsl.Schema = {
    "n1": FieldInfo(ValueType.NUMBER, minimum=0, maximum=1000),
    "n2": FieldInfo(ValueType.NUMBER),
    "n3": FieldInfo(ValueType.NUMBER),
    "t1": FieldInfo(ValueType.TEXT),
    "t2": FieldInfo(ValueType.TEXT),
    "c1": FieldInfo(ValueType.TEXT, options=("a", "b", "c")),
    "b1": FieldInfo(ValueType.BOOLEAN),
    "b2": FieldInfo(ValueType.BOOLEAN),
    "d1": FieldInfo(ValueType.DATE),
    "d2": FieldInfo(ValueType.DATE),
    "m1": FieldInfo(ValueType.MONEY),
    "addr": FieldInfo(
        ValueType.RECORD,
        fields={"country": FieldInfo(ValueType.TEXT), "zip": FieldInfo(ValueType.NUMBER)},
    ),
}
FIELDS = {
    "number": ["n1", "n2", "n3", "addr.zip"],
    "text": ["t1", "t2", "addr.country"],  # c1, a choice, only meets its options
    "boolean": ["b1", "b2"],
    "date": ["d1", "d2"],
}
TIERS = ("high", "medium", "low")

# ---- programs ----------------------------------------------------------------------------------


@dataclass
class Program:
    """What has been written so far: the lets by type, for later statements to use."""

    lets: dict[str, list[str]] = field(
        default_factory=lambda: {"number": [], "text": [], "boolean": [], "date": []}
    )
    used: set[str] = field(default_factory=set)


# text literals: quotes, backslashes, braces, line separators, NUL, CJK, lookalikes
TEXT_CHARS = st.one_of(
    st.sampled_from(list("ab \"\\{}\u2028\u2029\x00\t中文аеоé\u200b'`$%_")),
    st.characters(exclude_categories=["Cs"], exclude_characters="\n\r"),
)
TEXTS = st.text(TEXT_CHARS, max_size=12)


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


NUMBER_LITERALS = st.one_of(
    st.integers(0, 10**6).map(str),
    st.integers(0, 10**9).map(lambda n: f"{n:_}"),
    st.decimals(0, 10**4, places=3, allow_nan=False, allow_infinity=False).map(str),
    st.integers(0, 200).map(lambda n: f"{n}%"),
    st.sampled_from(["2.5 million", "1 million", "0.1", "0.5%", "1_000.25"]),
)


def _atom(text: str) -> tuple[str, bool]:
    return text, True


def _paren(expr: tuple[str, bool]) -> str:
    text, is_atom = expr
    return text if is_atom else f"({text})"


@st.composite
def number_expr(draw: st.DrawFn, program: Program, depth: int) -> tuple[str, bool]:
    leaves: list[Callable[[], tuple[str, bool]]] = [
        lambda: _atom(draw(st.sampled_from(FIELDS["number"]))),
        lambda: _atom(draw(NUMBER_LITERALS)),
        lambda: (f"-{draw(NUMBER_LITERALS)}", True),
    ]
    if program.lets["number"]:
        leaves.append(lambda: _atom(draw(st.sampled_from(program.lets["number"]))))
    if depth <= 0 or draw(st.integers(0, 2)) == 0:
        return draw(st.sampled_from(leaves))()

    def sub() -> tuple[str, bool]:
        return draw(number_expr(program, depth - 1))

    kind = draw(st.integers(0, 11))
    if kind == 0:
        operators = draw(st.lists(st.sampled_from("+-*/"), min_size=1, max_size=4))
        parts = [_paren(sub()) for _ in range(len(operators) + 1)]
        text = parts[0] + "".join(
            f" {op} {part}" for op, part in zip(operators, parts[1:], strict=True)
        )
        return text, False
    if kind == 1:
        return f"-{_paren(sub())}", True
    if kind == 2:
        name = draw(st.sampled_from(["abs", "min", "max", "coalesce", "round"]))
        count = 1 if name == "abs" else draw(st.integers(1, 3))
        args = [sub()[0] for _ in range(count)]
        if name == "round":
            args = [args[0], *([str(draw(st.integers(-2, 4)))] if count > 1 else [])]
        return f"{name}({', '.join(args)})", True
    if kind == 3:
        return f"length({draw(text_expr(program, depth - 1))[0]})", True
    if kind == 4:
        function = draw(st.sampled_from(["days_since", "days_until", "years_since"]))
        return f"{function}({draw(date_expr(program, depth - 1))[0]})", True
    if kind == 5:
        condition = draw(bool_expr(program, depth - 1))[0]
        return f"if {condition} then {sub()[0]} else {sub()[0]}", False
    if kind == 6:
        where = draw(st.one_of(st.none(), bool_expr(program, depth - 1)))
        within = draw(st.sampled_from(["30 days", "12 months", "1 years", "365 days"]))
        suffix = f" where {where[0]}" if where is not None else ""
        return f"count(e within {within}{suffix})", True
    if kind == 7:
        function = draw(st.sampled_from(["sum", "min", "max"]))
        return f"{function}(e.amount within 90 days)", True
    if kind == 8:
        return "last(e).amount", True
    if kind == 9:
        return "days_since(last(e))", True
    return f"({sub()[0]})", True


@st.composite
def text_expr(draw: st.DrawFn, program: Program, depth: int) -> tuple[str, bool]:
    leaves = [FIELDS["text"], [quote(draw(TEXTS))], program.lets["text"]]
    options = [leaf for group in leaves for leaf in group]
    if depth <= 0 or draw(st.integers(0, 2)) == 0:
        return _atom(draw(st.sampled_from(options)))
    kind = draw(st.integers(0, 3))
    sub = draw(text_expr(program, depth - 1))[0]
    if kind == 0:
        return f"{draw(st.sampled_from(['lower', 'upper']))}({sub})", True
    if kind == 1:
        other = draw(text_expr(program, depth - 1))[0]
        return f"coalesce({sub}, {other})", True
    if kind == 2:
        condition = draw(bool_expr(program, depth - 1))[0]
        other = draw(text_expr(program, depth - 1))[0]
        return f"if {condition} then {sub} else {other}", False
    return f"({sub})", True


DATE_LITERALS = st.dates(date(1990, 1, 1), date(2030, 12, 31)).map(date.isoformat)


@st.composite
def date_expr(draw: st.DrawFn, program: Program, depth: int) -> tuple[str, bool]:
    options = [*FIELDS["date"], draw(DATE_LITERALS), "today()", *program.lets["date"]]
    if depth <= 0 or draw(st.integers(0, 1)) == 0:
        return _atom(draw(st.sampled_from(options)))
    sub = draw(date_expr(program, depth - 1))
    amount = draw(st.integers(0, 400))
    unit = draw(st.sampled_from(["days", "months", "years"]))
    sign = draw(st.sampled_from("+-"))
    return f"{_paren(sub)} {sign} {amount} {unit}", False


@st.composite
def bool_expr(draw: st.DrawFn, program: Program, depth: int) -> tuple[str, bool]:
    def comparison() -> tuple[str, bool]:
        kind = draw(st.integers(0, 9))
        op = draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]))
        if kind <= 2:
            left = draw(number_expr(program, depth - 1))
            right = draw(number_expr(program, depth - 1))
            return f"{left[0] if left[1] else _paren(left)} {op} {_paren(right)}", False
        if kind == 3:
            left = draw(text_expr(program, depth - 1))
            right = draw(text_expr(program, depth - 1))
            return f"{_paren(left)} {draw(st.sampled_from(['==', '!=']))} {_paren(right)}", False
        if kind == 4:
            values = ", ".join(draw(st.lists(st.sampled_from(['"a"', '"b"', '"c"']), max_size=3)))
            word = draw(st.sampled_from(["in", "not in"]))
            if draw(st.booleans()):
                option = draw(st.sampled_from(['"a"', '"b"', '"c"']))
                return f"c1 {draw(st.sampled_from(['==', '!=']))} {option}", False
            return f"c1 {word} [{values}]", False
        if kind == 5:
            left = draw(date_expr(program, depth - 1))
            right = draw(date_expr(program, depth - 1))
            return f"{_paren(left)} {op} {_paren(right)}", False
        if kind == 6:
            subject = draw(st.sampled_from([*FIELDS["number"], *program.lets["number"]]))
            low, high = sorted(draw(st.lists(st.integers(-5, 500), min_size=2, max_size=2)))
            return f"{subject} between {low} and {high}", False
        if kind == 7:
            subject = draw(st.sampled_from([f for group in FIELDS.values() for f in group]))
            return f"{subject} is {draw(st.sampled_from(['missing', 'present']))}", False
        if kind == 8:
            function = draw(st.sampled_from(["contains", "starts_with"]))
            text = draw(text_expr(program, depth - 1))[0]
            return f"{function}({text}, {quote(draw(TEXTS))})", True
        amount = draw(st.sampled_from(["2 million CNY", "500 CNY", "3 USD", "-1 CNY"]))
        return f"m1 {op} {amount}", False

    leaves = [*FIELDS["boolean"], "true", "false", *program.lets["boolean"]]
    if depth <= 0:
        return _atom(draw(st.sampled_from(leaves)))
    kind = draw(st.integers(0, 5))
    if kind == 0:
        return _atom(draw(st.sampled_from(leaves)))
    if kind in (1, 2):
        return comparison()
    if kind == 3:
        return f"not {_paren(draw(bool_expr(program, depth - 1)))}", False
    if kind == 4:
        word = draw(st.sampled_from(["and", "or"]))
        parts = draw(st.lists(bool_expr(program, depth - 1), min_size=2, max_size=4))
        return f" {word} ".join(_paren(p) for p in parts), False
    return f"({draw(bool_expr(program, depth - 1))[0]})", True


EXPRESSIONS = {"number": number_expr, "text": text_expr, "boolean": bool_expr, "date": date_expr}
PLACEHOLDERS = [*FIELDS["text"], *FIELDS["number"], "b1", "d1", "c1"]


@st.composite
def effect(draw: st.DrawFn, program: Program) -> str:
    kind = draw(st.integers(0, 4))
    if kind <= 1:
        verb = draw(st.sampled_from(["add", "subtract"]))
        return f"{verb} {draw(number_expr(program, 2))[0]}"
    if kind == 2:
        severity = draw(st.sampled_from(["info", "warning", "critical"]))
        lets = [n for kind in ("number", "text", "boolean", "date") for n in program.lets[kind]]
        names = PLACEHOLDERS + lets
        pieces = draw(
            st.lists(
                st.one_of(
                    st.sampled_from(names).map(lambda n: "{" + n + "}"),
                    TEXTS.map(lambda t: t.replace("{", "{{").replace("}", "}}")),
                ),
                max_size=4,
            )
        )
        return f"alert {severity} {quote(''.join(pieces))}"
    if kind == 3:
        return f"flag {draw(st.sampled_from(['f1', 'f2', 'near_limit']))}"
    return f"tier at least {draw(st.sampled_from(TIERS))}"


@st.composite
def table(draw: st.DrawFn, program: Program, name: str) -> list[str]:
    points = st.one_of(
        st.integers(-20, 50).map(str),
        # a table's points are a name, a call, a number or parenthesised (rules-language §2)
        number_expr(program, 1).map(lambda e: f"({e[0]})" if e[0].startswith("-") else _paren(e)),
    )
    kind = draw(st.sampled_from(["number", "text", "choice"]))
    rows: list[str] = []
    if kind == "number":
        subject = draw(st.sampled_from(["n1", "n2", "(n1 + n2)", "abs(n3)"]))
        for _ in range(draw(st.integers(0, 4))):
            pattern = draw(
                st.one_of(
                    st.tuples(
                        st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), NUMBER_LITERALS
                    ).map(" ".join),
                    st.lists(st.integers(-3, 500), min_size=2, max_size=2)
                    .map(sorted)
                    .map(lambda pair: f"{pair[0]} to {pair[1]}"),
                    st.lists(st.integers(-3, 500).map(str), min_size=1, max_size=3).map(", ".join),
                    st.just("missing"),
                )
            )
            rows.append(f"{pattern} => {draw(points)}")
    else:
        subject = "c1" if kind == "choice" else draw(st.sampled_from(["t1", "lower(t2)"]))
        values = st.sampled_from(['"a"', '"b"', '"c"']) if kind == "choice" else TEXTS.map(quote)
        for _ in range(draw(st.integers(0, 3))):
            row_values = ", ".join(draw(st.lists(values, min_size=1, max_size=3)))
            rows.append(f"{draw(st.sampled_from([row_values, 'missing']))} => {draw(points)}")
    rows.append(f"else => {draw(points)}")
    label = draw(st.one_of(st.none(), TEXTS))
    head = f"table {name}{'' if label is None else ' ' + quote(label)} on {subject}"
    return [head, *(f"  {row}" for row in rows)]


@st.composite
def programs(draw: st.DrawFn) -> str:
    """A well-typed ruleset over `SCHEMA`: lets, rules and tables in any order, then tiers."""
    program = Program()
    lines = ["ruleset generated", "form customer", ""]
    for index in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["let", "rule", "rule", "table"]))
        if kind == "let":
            value_type = draw(st.sampled_from(list(EXPRESSIONS)))
            value = draw(EXPRESSIONS[value_type](program, 2))[0]
            name = f"l{index}"
            lines.append(f"let {name} = {value}")
            program.lets[value_type].append(name)
        elif kind == "rule":
            label = draw(st.one_of(st.none(), TEXTS))
            condition = draw(bool_expr(program, 3))[0]
            effects = draw(st.lists(effect(program), min_size=1, max_size=3))
            lines.append(f"rule r{index}{'' if label is None else ' ' + quote(label)}")
            lines.append(f"  when {condition}")
            lines.append(f"  then {', '.join(effects)}")
        else:
            lines.extend(draw(table(program, f"tb{index}")))
        lines.append("")
    lines.append("tiers")
    for tier in TIERS[:-1]:  # every tier is defined: `tier at least` may name any
        condition = draw(
            st.one_of(
                st.integers(0, 100).map(lambda n: f"score >= {n}"),
                bool_expr(program, 1).map(lambda e: e[0]),
            )
        )
        lines.append(f"  {tier} when {condition}")
    lines.append(f"  {TIERS[-1]} otherwise")
    return "\n".join(lines) + "\n"


BLANKS = st.sampled_from([" ", "  ", "\n", "\t", " \u3000", "\r\n  "])


@st.composite
def laid_out(draw: st.DrawFn) -> str:
    """A generated program with its layout scrambled: spaces become runs of blanks or line
    breaks, and comments are added at the ends of lines and between them."""
    source = draw(programs())
    out: list[str] = []
    for line in source.split("\n"):
        pieces = _outside_strings(line)
        scrambled = []
        for piece, is_string in pieces:
            if is_string:
                scrambled.append(piece)
                continue
            scrambled.append(
                "".join(draw(BLANKS) if char == " " else char for char in piece)
                if draw(st.booleans())
                else piece
            )
        text = "".join(scrambled)
        if draw(st.integers(0, 3)) == 0:
            text += " # " + draw(st.text(st.characters(blacklist_characters="\n\r"), max_size=8))
        if draw(st.integers(0, 5)) == 0:
            out.append("#" + draw(TEXTS.map(lambda t: t.replace("\u2028", ""))))
        out.append(text)
    return "\n".join(out)


def _outside_strings(line: str) -> list[tuple[str, bool]]:
    """`line` cut into (piece, is_string); multi-word keywords keep plain spaces anyway."""
    pieces: list[tuple[str, bool]] = []
    start, index, in_string = 0, 0, False
    while index < len(line):
        char = line[index]
        if in_string and char == "\\":
            index += 2
            continue
        if char == '"':
            if in_string:
                pieces.append((line[start : index + 1], True))
                start = index + 1
            else:
                pieces.append((line[start:index], False))
                start = index
            in_string = not in_string
        index += 1
    pieces.append((line[start:], in_string))
    # `tier at least`, `not in`, `is missing`, `is present`: whitespace inside is free, but a
    # comment is not, and we add comments only at line ends, so every piece may be scrambled.
    return pieces


# ---- records -----------------------------------------------------------------------------------

JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=False),
    st.text(max_size=10),
)
VALUES = {
    "number": st.one_of(st.integers(-(10**9), 10**9), st.floats(-1e12, 1e12), st.just(0)),
    "text": st.one_of(st.sampled_from(["a", "b", "c", ""]), st.text(max_size=10)),
    "boolean": st.booleans(),
    "date": st.one_of(
        st.dates(date(1990, 1, 1), date(2030, 12, 31)),
        st.dates(date(1990, 1, 1), date(2030, 12, 31)).map(date.isoformat),
        st.datetimes(datetime(1990, 1, 1), datetime(2030, 1, 1)).map(datetime.isoformat),
    ),
    "money": st.one_of(
        st.integers(0, 10**9),
        st.fixed_dictionaries(
            {"amount": st.integers(0, 10**7), "currency": st.sampled_from(["CNY", "USD", "EUR"])}
        ),
    ),
}
TYPES = {
    "n1": "number",
    "n2": "number",
    "n3": "number",
    "t1": "text",
    "t2": "text",
    "c1": "text",
    "b1": "boolean",
    "b2": "boolean",
    "d1": "date",
    "d2": "date",
    "m1": "money",
}


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for name, kind in TYPES.items():
        choice = draw(st.integers(0, 9))
        if choice == 0:
            continue  # absent
        record[name] = None if choice == 1 else draw(JSON_SCALARS if choice == 2 else VALUES[kind])
    address = draw(
        st.one_of(
            st.none(),
            JSON_SCALARS,
            st.fixed_dictionaries(
                {},
                optional={
                    "country": st.one_of(st.text(max_size=3), JSON_SCALARS),
                    "zip": VALUES["number"],
                },
            ),
        )
    )
    if address is not None:
        record["addr"] = address
    return record


EVENTS = st.lists(
    st.fixed_dictionaries(
        {
            "kind": st.sampled_from(["e", "e", "other"]),
            "occurred_at": st.one_of(
                st.dates(date(2023, 1, 1), date(2026, 1, 1)).map(date.isoformat),
                st.datetimes(datetime(2023, 1, 1), datetime(2026, 1, 1)),
            ),
            "payload": st.fixed_dictionaries(
                {}, optional={"amount": st.one_of(VALUES["number"], JSON_SCALARS)}
            ),
        }
    ),
    max_size=5,
)


def fx(currency: str, as_of: date) -> float | None:
    return {"USD": 7.1, "CNY": 1.0}.get(currency)


def compile_generated(source: str) -> dsl.CompiledRuleset:
    note(source)
    try:
        return dsl.compile_ruleset(source, filename="gen.rules", schema=SCHEMA, base_currency="CNY")
    except dsl.RulesError as exc:
        raise AssertionError(dsl.render_all(exc.diagnostics, {"gen.rules": source})) from exc


def outcome(result: dsl.Result) -> Any:
    return json.loads(json.dumps(result.to_dict(), sort_keys=True, default=str))


# ---- the properties ----------------------------------------------------------------------------


@given(programs(), st.lists(st.tuples(records(), EVENTS), min_size=1, max_size=4))
def test_well_typed_programs_compile_and_evaluate_without_raising(
    source: str, inputs: list[tuple[dict[str, Any], list[dict[str, Any]]]]
) -> None:
    compiled = compile_generated(source)
    for record, events in inputs:
        note(repr(record))
        result = compiled.evaluate(record, events=events, as_of=AS_OF, fx=fx)
        assert result.tier in TIERS
        assert isinstance(result.score, (int, float))
        outcome(result)


@given(laid_out())
def test_formatter_round_trips_generated_programs(source: str) -> None:
    note(source)
    formatted = dsl.format_ruleset(source, filename="gen.rules")
    note(formatted)
    assert dsl.format_ruleset(formatted, filename="gen.rules") == formatted
    before, _ = parse_ruleset(source)
    after, _ = parse_ruleset(formatted)
    assert tree_shape(after) == tree_shape(before)


@given(programs(), records(), EVENTS)
def test_formatted_program_scores_like_the_original(
    source: str, record: dict[str, Any], events: list[dict[str, Any]]
) -> None:
    original = compile_generated(source)
    formatted = compile_generated(dsl.format_ruleset(source, filename="gen.rules"))
    assert outcome(formatted.evaluate(record, events=events, as_of=AS_OF, fx=fx)) == outcome(
        original.evaluate(record, events=events, as_of=AS_OF, fx=fx)
    )


@given(st.one_of(st.floats(allow_nan=False), st.integers()))
@example(1e26)  # beyond the default decimal context's 28 digits
@example(1.7976931348623157e308)
@example(10**5000)  # beyond Python's int-to-text limit
@example(-(10**5000))
def test_alert_placeholders_write_any_number(value: float) -> None:
    compiled = dsl.compile_ruleset(
        'ruleset r\nrule a when true then alert info "{x}"\ntiers low otherwise\n', filename="r"
    )
    message = compiled.evaluate({"x": value}, as_of=AS_OF).alerts[0].message
    assert message == "—" if value in (math.inf, -math.inf) else message != "—"
    if isinstance(value, int) and abs(value) < 10**100:
        assert message == str(value)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1e26, "1" + "0" * 26),
        (2.345, "2.35"),
        (-0.001, "0"),
        (10**5000, "1.000000000e+5000"),
        (-(10**5000) - 7, "-1.000000000e+5000"),
        (10**4000, "1" + "0" * 4000),
    ],
    ids=["1e26", "2.345", "-0.001", "10**5000", "-(10**5000)-7", "10**4000"],
)
def test_numbers_in_messages(value: float, text: str) -> None:
    compiled = dsl.compile_ruleset(
        'ruleset r\nrule a when true then alert info "{x}"\ntiers low otherwise\n', filename="r"
    )
    assert compiled.evaluate({"x": value}, as_of=AS_OF).alerts[0].message == text


def only_diagnostics(source: str) -> None:
    """Compiling, checking and formatting `source` raise nothing but `RulesError`."""
    note(repr(source))
    dsl.check_ruleset(source, filename="f.rules")
    dsl.check_ruleset(source, filename="f.rules", schema=SCHEMA, language="zh")
    try:
        compiled = dsl.compile_ruleset(source, filename="f.rules")
    except dsl.RulesError as exc:
        assert any(d.is_error for d in exc.diagnostics)
        for diagnostic in exc.diagnostics:
            dsl.render(diagnostic, source)
        return
    compiled.evaluate({}, as_of=AS_OF)
    formatted = dsl.format_ruleset(source, filename="f.rules")
    assert dsl.format_ruleset(formatted, filename="f.rules") == formatted
    before, _ = parse_ruleset(source)
    after, _ = parse_ruleset(formatted)
    assert tree_shape(after) == tree_shape(before)


@given(st.binary(max_size=300))
def test_random_bytes_give_diagnostics(raw: bytes) -> None:
    only_diagnostics(raw.decode("utf-8", "surrogateescape"))


@given(st.text(max_size=300))
def test_random_text_gives_diagnostics(text: str) -> None:
    only_diagnostics(text)


@given(st.text(max_size=200))
def test_random_expressions_give_diagnostics(text: str) -> None:
    try:
        compiled = dsl.compile_expression(text, filename="guard", schema=SCHEMA)
    except dsl.RulesError as exc:
        assert any(d.is_error for d in exc.diagnostics)
        return
    compiled.evaluate({}, as_of=AS_OF)


TOKENS = st.sampled_from(
    [
        "rule", "let", "when", "then", "add", "tiers", "otherwise", "(", ")", "[", "]", ",",
        "=>", "==", "=", "-", "and", "not", "in", "is", "missing", "tier at least", '"', '"x"',
        "90%", "2025-01-31", "30 days", "1 million USD", "#", "\n", "\\", "{", "}", "__class__",
        "count(", "within", "where", ".", "则", "当", "，", "（", "\u2028", "\x00", "else",
    ]
)  # fmt: skip
SEEDS = [test_reference_full.SOURCE, test_chinese.CHINESE_RULESET]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A reference example with tokens or characters deleted, inserted or swapped."""
    source = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        by_words = draw(st.booleans())
        pieces: list[str] = source.split(" ") if by_words else list(source)
        if not pieces:
            break
        where = draw(st.integers(0, len(pieces) - 1))
        action = draw(st.sampled_from(["delete", "insert", "swap", "duplicate"]))
        if action == "delete":
            del pieces[where]
        elif action == "insert":
            pieces.insert(where, draw(st.one_of(TOKENS, st.characters())))
        elif action == "swap":
            other = draw(st.integers(0, len(pieces) - 1))
            pieces[where], pieces[other] = pieces[other], pieces[where]
        else:
            pieces.insert(where, pieces[where])
        source = (" " if by_words else "").join(pieces)
    return source


@given(mutated())
def test_mutated_examples_give_diagnostics_or_compile(source: str) -> None:
    only_diagnostics(source)


def test_seeds_compile() -> None:
    for source in SEEDS:
        dsl.compile_ruleset(source, filename="seed.rules")


# ---- make fuzz: the same properties with the long profile --------------------------------------

PROPERTIES = [
    test_well_typed_programs_compile_and_evaluate_without_raising,
    test_formatter_round_trips_generated_programs,
    test_formatted_program_scores_like_the_original,
    test_random_bytes_give_diagnostics,
    test_random_text_gives_diagnostics,
    test_random_expressions_give_diagnostics,
    test_mutated_examples_give_diagnostics_or_compile,
]


@pytest.mark.fuzz
@pytest.mark.parametrize("prop", PROPERTIES, ids=lambda p: p.__name__.removeprefix("test_"))
def test_fuzz(prop: Callable[[], None]) -> None:
    prop()
