"""Definition YAML is bounded (dsl/yaml_source.py): anchors and aliases, merge keys, nesting, the
number of values and the size of the text are refused with one positioned error, at the event
that passes the limit, before anything large is built.

"Before anything large is built" is asserted by counting, not timing: `work` counts the Python and
C function calls that loading makes, and `events` how many events the parser handed out.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from types import FrameType

import pytest

import dsl
from dsl import yaml_source


def refusal(text: str, *, language: str = "en") -> str:
    """The rendered diagnostic of a text `load_yaml` refuses."""
    with pytest.raises(dsl.DiagnosticsError) as caught:
        dsl.load_yaml(text, filename="f.yaml", language=language)
    return dsl.render_all(caught.value.diagnostics, {"f.yaml": text})


def code_of(text: str) -> str:
    with pytest.raises(dsl.DiagnosticsError) as caught:
        dsl.load_yaml(text, filename="f.yaml")
    (problem,) = caught.value.diagnostics
    return problem.code


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
    except dsl.DiagnosticsError:
        pass
    finally:
        sys.setprofile(None)
    return calls


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """`[n]`: how many events the parser has handed out since the test began."""
    counted = [0]
    get_event = yaml_source._Loader.get_event

    def counting(self: yaml_source._Loader) -> object:
        counted[0] += 1
        return get_event(self)

    monkeypatch.setattr(yaml_source._Loader, "get_event", counting)
    yield counted


def laughs(levels: int) -> str:
    """The "billion laughs": each level a list of nine aliases of the level before."""
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, levels + 1):
        aliases = ", ".join([f"*l{level - 1}"] * 9)
        lines.append(f"l{level}: &l{level} [{aliases}]")
    return "\n".join(lines) + "\n"


# ---- anchors and aliases --------------------------------------------------------------------


def test_a_self_referencing_alias_is_a_positioned_error_not_a_recursion_error() -> None:
    assert refusal("x: &r [*r]\n") == (
        "f.yaml:1:4: error: '&r': anchors and aliases are not allowed in a definition; "
        "write the value out where it is used\n"
        "    1 | x: &r [*r]\n"
        "      |    ^^"
    )


def test_an_alias_alone_is_refused_at_the_alias() -> None:
    # an alias to an unknown anchor is still an alias: refused before PyYAML looks it up
    assert refusal("a: 1\nb: *nowhere\n") == (
        "f.yaml:2:4: error: '*nowhere': anchors and aliases are not allowed in a definition; "
        "write the value out where it is used\n"
        "    2 | b: *nowhere\n"
        "      |    ^^^^^^^^"
    )


def test_billion_laughs_is_refused_at_the_first_anchor_with_bounded_work(
    events: list[int],
) -> None:
    text = laughs(5)  # 9**5 = 59,049 lists once expanded
    assert refusal(text).startswith("f.yaml:1:5: error: '&l0': anchors and aliases")
    assert events[0] <= 5  # stream, document, mapping, key, then the anchored list
    assert work(lambda: dsl.load_yaml(laughs(9), filename="f.yaml")) < 1_000


def test_anchors_are_refused_on_scalars_and_mappings_too() -> None:
    assert code_of("a: &x 1\n") == "yaml-alias"
    assert code_of("a: &x {b: 1}\n") == "yaml-alias"
    assert code_of("- &x\n  b: 1\n") == "yaml-alias"


def test_a_merge_key_is_refused_at_the_key() -> None:
    assert refusal("a:\n  <<: {b: 1}\n") == (
        "f.yaml:2:3: error: merge keys ('<<') are not allowed in a definition; write the keys out\n"
        "    2 |   <<: {b: 1}\n"
        "      |   ^^"
    )
    assert dsl.load_yaml("'<<': 1\n", filename="f.yaml") == {"<<": 1}  # quoted: a plain key


# ---- nesting ----------------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["flow", "flow lines", "block"])
def test_nesting_332_deep_is_refused_at_the_first_level_too_deep(style: str) -> None:
    depth = 332
    if style == "flow":
        text = "x: " + "[" * depth + "]" * depth + "\n"
    elif style == "flow lines":
        text = "x: " + "[\n" * depth + "]\n" * depth
    else:
        text = "x:\n" + "".join("  " * level + "-\n" for level in range(depth))
    with pytest.raises(dsl.DiagnosticsError) as caught:
        dsl.load_yaml(text, filename="f.yaml")
    (problem,) = caught.value.diagnostics
    assert problem.code == "yaml-too-deep"
    assert problem.message == "lists and mappings are nested more than 64 levels deep here"
    assert problem.span is not None and problem.span.file == "f.yaml"


def test_the_deepest_nesting_allowed_loads_and_one_more_is_refused_there(
    events: list[int],
) -> None:
    limit = yaml_source.MAX_YAML_DEPTH
    allowed = "[" * limit + "]" * limit
    value = dsl.load_yaml(allowed, filename="f.yaml")
    for _ in range(limit - 1):
        value = value[0]
    assert value == []
    lines = "".join("  " * level + "-\n" for level in range(300))
    events[0] = 0
    assert refusal(lines) == (
        f"f.yaml:{limit + 1}:{2 * limit + 1}: error: lists and mappings are nested more than "
        f"{limit} levels deep here\n"
        f"{limit + 1:5d} | {'  ' * limit}-\n"
        f"      | {'  ' * limit}^"
    )
    assert events[0] <= limit + 3  # the other levels are never read


# ---- the number of values and the size of the text -------------------------------------------


def test_the_value_past_the_node_limit_is_refused_there(
    events: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(yaml_source, "MAX_YAML_NODES", 1_000)
    items = ", ".join(["1"] * 997)
    assert len(dsl.load_yaml(f"x: [{items}]\n", filename="f.yaml")["x"]) == 997  # 1,000 values
    text = f"x: [{items}, 1, {items}]\n"
    events[0] = 0
    assert refusal(text).startswith(
        f"f.yaml:1:{5 + 3 * 997}: error: this file has more than 1000 values (scalars, lists and "
        "mappings); split the definition\n"
    )
    assert events[0] <= 1_000 + 3


def test_the_node_limit_is_a_hundred_thousand_values() -> None:
    assert yaml_source.MAX_YAML_NODES == 100_000
    text = "\n".join(f"k{i}: v" for i in range(50_001))  # a mapping and 100,002 keys and values
    assert code_of(text) == "yaml-too-many-nodes"


def test_a_text_over_one_mib_is_refused_before_it_is_parsed(events: list[int]) -> None:
    limit = yaml_source.MAX_YAML_BYTES
    assert limit == 1024 * 1024
    fits = "x: " + "好" * ((limit - 10) // 3) + "\n#"  # 3 bytes a character, then a comment
    fits += "y" * (limit - len(fits.encode("utf-8")))
    assert len(fits.encode("utf-8")) == limit
    assert dsl.load_yaml(fits, filename="f.yaml")["x"].startswith("好")
    events[0] = 0
    too_large = fits + "z"
    assert refusal(too_large).splitlines()[0] == (
        f"f.yaml:2:{len(fits.splitlines()[1]) + 1}: error: this file is larger than 1024 KiB; "
        "split the definition"
    )
    assert events[0] == 0


# ---- other texts PyYAML refused with a traceback or an unpositioned error -------------------


def test_a_control_character_is_refused_at_its_position() -> None:
    assert refusal("a: 1\nb: x\x07y\n") == (
        "f.yaml:2:5: error: invalid YAML: unacceptable character #x0007: control characters are "
        "not allowed\n"
        "    2 | b: x\x07y\n"
        "      |     ^"
    )
    assert code_of("a: \ud800\n") == "yaml-syntax"  # a lone surrogate


def test_a_second_document_is_refused_where_it_starts() -> None:
    assert refusal("a: 1\n---\nb: 2\n").splitlines()[0] == (
        "f.yaml:2:1: error: invalid YAML: expected a single document, but found another document"
    )


def test_syntax_errors_keep_the_words_of_what_was_found() -> None:
    assert refusal("a: {b: 1: 2}\n").splitlines()[0] == (
        "f.yaml:1:9: error: invalid YAML: expected ',' or '}', but got ':'"
    )
    assert refusal("a: @x\n").splitlines()[0] == (
        "f.yaml:1:4: error: invalid YAML: found character '@' that cannot start any token"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "x: &r [*r]\n",
            "f.yaml:1:4: error: '&r'：定义中不允许使用锚点和别名；请在使用处写出完整的值",
        ),
        ("[" * 65 + "]" * 65, "f.yaml:1:65: error: 此处列表和映射的嵌套超过 64 层"),
        ("a:\n  <<: {b: 1}\n", "f.yaml:2:3: error: 定义中不允许使用合并键（'<<'）；请逐个写出各键"),
    ],
)
def test_limit_errors_in_chinese(text: str, expected: str) -> None:
    assert refusal(text, language="zh").splitlines()[0] == expected


def test_values_keep_their_spans_and_types() -> None:
    text = 'a: {b: "x", c: [1, 2.5, null, true, 2024-01-02]}\nd: on\n'
    document = dsl.load_yaml(text, filename="f.yaml")
    day = document["a"]["c"][4]
    assert document == {"a": {"b": "x", "c": [1, 2.5, None, True, day]}, "d": "on"}
    assert str(day) == "2024-01-02"
    inner = document["a"]
    assert inner.quoted == {"b": True, "c": False}
    assert (inner.span.line, inner.span.column, inner.span.end_column) == (1, 4, 49)
    assert inner["c"].item_spans[1] == dsl.Span("f.yaml", 1, 20, 1, 23)
    assert document.key_span("d") == dsl.Span("f.yaml", 2, 1, 2, 2)
