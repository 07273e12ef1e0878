"""The message catalog (dsl/catalog.py): every diagnostic raised in dsl/ has an English and a
Chinese template, checkers create diagnostics from a key and fields only, and the codes that were
once English-only in a Chinese run are now translated (whole rendered diagnostics)."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

import dsl
import dsl.messages
from dsl.catalog import DIAGNOSTICS, PHRASES, Wording, code_of, diagnostic
from dsl.keywords import CHINESE

DSL = Path(dsl.__file__).parent
# functions that create a diagnostic from a key (or, outside the catalog, from a code)
_CREATORS = frozenset({"diagnostic", "report", "add", "error", "warning", "_problem"})
_KEY = re.compile(r"[a-z]+(?:-[a-z]+)*/[a-z]+(?:-[a-z]+)*\Z")


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _strings(node: ast.AST) -> set[str]:
    """The texts an argument can be: a literal, or either branch of `a if test else b`."""
    if isinstance(node, ast.IfExp):
        return _strings(node.body) | _strings(node.orelse)
    if isinstance(node, ast.Constant) and type(node.value) is str:
        return {node.value}
    return set()


def _scan() -> tuple[set[str], set[str]]:
    """(diagnostic keys or codes, phrase keys) used anywhere in dsl/."""
    keys: set[str] = set()
    phrases: set[str] = set()
    for path in sorted(DSL.glob("*.py")):
        if path.name == "catalog.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            # `code/variant` keys, wherever they are chosen
            if (
                isinstance(node, ast.Constant)
                and type(node.value) is str
                and _KEY.match(node.value)
            ):
                keys.add(node.value)
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            if name in _CREATORS and node.args:
                keys |= _strings(node.args[0])
            if name == "phrase" and node.args:
                phrases |= _strings(node.args[0])
            if name in _CREATORS:
                for keyword in node.keywords:
                    if keyword.arg == "hint":
                        phrases |= _strings(keyword.value)
            # dsl.transform reports problems of alert messages as (key, text, span)
            if name == "append" and node.args and isinstance(node.args[0], ast.Tuple):
                first = node.args[0].elts[0] if node.args[0].elts else None
                if isinstance(first, ast.Constant) and type(first.value) is str:
                    keys.add(first.value)
    return keys, phrases


def test_the_scan_finds_the_checkers_diagnostics() -> None:
    keys, phrases = _scan()
    codes = {code_of(k) for k in keys}
    assert len(keys) > 60
    assert {"unknown-field", "syntax", "wrong-arguments", "yaml-syntax", "too-large"} <= codes
    assert {"did-you-mean"} - phrases and {"options", "full-width"} <= phrases


def test_every_code_raised_in_dsl_has_an_english_and_a_chinese_template() -> None:
    keys, phrases = _scan()
    known_codes = {code_of(k) for k in DIAGNOSTICS}
    missing = sorted(k for k in keys if k not in DIAGNOSTICS and k not in known_codes)
    assert not missing, f"no catalog entry for {missing}"
    assert not sorted(phrases - set(PHRASES)), "phrases used but not in dsl.catalog.PHRASES"


@pytest.mark.parametrize("key", sorted(DIAGNOSTICS))
def test_every_entry_renders_in_both_languages(key: str) -> None:
    entry = DIAGNOSTICS[key]
    assert entry.en and entry.zh and entry.severity in (dsl.Severity.ERROR, dsl.Severity.WARNING)
    assert re.search(r"[\u4e00-\u9fff]", entry.zh), entry.zh
    fields = {
        name: "x"
        for template in (entry.en, entry.zh)
        for _, name, _, _ in string.Formatter().parse(template)
        if name and not name.startswith("kw_") and name != "severities"
    }
    for language in ("en", "zh"):
        made = diagnostic(key, None, language=language, keywords=CHINESE, **fields)
        assert made.code == code_of(key) and made.severity is entry.severity
        assert made.message and "{kw_" not in made.message


def test_every_phrase_has_both_languages() -> None:
    assert all(english and chinese for english, chinese in PHRASES.values())


@pytest.mark.parametrize("module", ["check", "typecheck", "tables", "calls", "parse", "limits"])
def test_checkers_create_diagnostics_only_through_the_catalog(module: str) -> None:
    """STYLE §3: the code and its words are chosen where the problem is found, from the catalog;
    no checker builds message text or calls `dsl.diagnostics.error` itself."""
    tree = ast.parse((DSL / f"{module}.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "dsl.diagnostics":
            assert {a.name for a in node.names} <= {"Diagnostic", "Span"}, module
    assert not hasattr(dsl.messages, "localise")


def test_a_hint_and_a_suggestion_are_filled_in_the_callers_language() -> None:
    made = Wording("zh").diagnostic(
        "not-an-option", None, hint="options", value="x", name="industry", options=("a", "b")
    )
    assert (made.code, made.message, made.hint) == (
        "not-an-option",
        "'x' 不是 'industry' 的选项",
        "选项有 'a', 'b'",
    )
    english = diagnostic("unknown-tier", None, name="hgh", suggestion="high")
    assert english.message == "unknown tier 'hgh'; did you mean 'high'?"


# ---- codes that used to stay English in a Chinese run ----

SCHEMA: dsl.Schema = {
    "最长逾期天数": dsl.FieldInfo(dsl.ValueType.NUMBER, minimum=0, maximum=3650),
    "行业": dsl.FieldInfo(dsl.ValueType.TEXT),
    "金额": dsl.FieldInfo(dsl.ValueType.NUMBER),
    "成立日期": dsl.FieldInfo(dsl.ValueType.DATE),
}
EVENTS: dict[str, dsl.Schema] = {
    "诉讼": {
        "金额": dsl.FieldInfo(dsl.ValueType.MONEY),
        "法院": dsl.FieldInfo(dsl.ValueType.TEXT),
    }
}


def rendered_zh(body: str, *, schema: dsl.Schema | None = SCHEMA) -> str:
    source = "规则集 t\n表单 客户\n" + body + "\n等级\n  低 否则\n"
    diagnostics = dsl.check_ruleset(
        source, filename="r.rules", schema=schema, events=EVENTS, language="zh"
    )
    return dsl.render_all(diagnostics, {"r.rules": source})


ZH_CASES = {
    "ambiguous-name": (
        "规则 a 当 count(诉讼 近 365 天 其中 金额 > 1) > 0 则 加 1",
        "r.rules:3:28: error: '金额' 既是事件类型 '诉讼' 的字段，又是记录的一个字段\n"
        "    3 | 规则 a 当 count(诉讼 近 365 天 其中 金额 > 1) > 0 则 加 1\n"
        "      |                                     ^^^^\n"
        "      = hint: 事件的字段请写 '诉讼.金额'，或者给记录的字段改名",
    ),
    "bad-duration": (
        "规则 a 当 成立日期 + 3.5 年 > today() 则 加 1",
        "r.rules:3:15: error: 时长的 '年' 数必须是整数\n"
        "    3 | 规则 a 当 成立日期 + 3.5 年 > today() 则 加 1\n"
        "      |                      ^^^^^^\n"
        "      = hint: 请写 36 个月，而不是 3.5 年",
    ),
    "misplaced-within": (
        "规则 a 当 abs(诉讼 近 3 天) > 1 则 加 1",
        "r.rules:3:12: error: '近' 只能写在 count、sum、min 或 max 之中\n"
        "    3 | 规则 a 当 abs(诉讼 近 3 天) > 1 则 加 1\n"
        "      |               ^^^^^^^^^^^^",
    ),
    "missing-else": (
        "对照表 b 按 最长逾期天数\n  < 30 => 1",
        "r.rules:3:5: error: 对照表 b 没有 '其他' 行：请以 '其他 => 分值' 一行结尾\n"
        "    3 | 对照表 b 按 最长逾期天数\n"
        "      |        ^",
    ),
    "never-fires": (
        "规则 a 当 最长逾期天数 > 5000 则 加 1",
        "r.rules:3:8: warning: 规则 a 永远不会触发：'最长逾期天数' 的取值范围声明为 0 到 3650\n"
        "    3 | 规则 a 当 最长逾期天数 > 5000 则 加 1\n"
        "      |           ^^^^^^^^^^^^^^^^^^^",
    ),
    "never-matches": (
        "对照表 b 按 最长逾期天数\n  > 5000 => 1\n  其他 => 0",
        "r.rules:4:3: warning: 对照表 b 的这一行永远不会匹配："
        "'最长逾期天数' 的取值范围声明为 0 到 3650\n"
        "    4 |   > 5000 => 1\n"
        "      |   ^^^^^^",
    ),
    "not-a-duration": (
        "规则 a 当 count(诉讼 近 3) > 1 则 加 1",
        "r.rules:3:19: error: '近' 需要一段时间，例如 365 天 或 12 个月\n"
        "    3 | 规则 a 当 count(诉讼 近 3) > 1 则 加 1\n"
        "      |                         ^",
    ),
    "row-after-else": (
        "对照表 b 按 最长逾期天数\n  其他 => 0\n  < 30 => 1",
        "r.rules:5:3: error: 对照表 b 的这一行在 '其他' 之后，永远不会匹配\n"
        "    5 |   < 30 => 1\n"
        "      |   ^^^^\n"
        "      = hint: '其他' 必须是最后一行",
    ),
    "shadowed-row": (
        "对照表 b 按 最长逾期天数\n  < 30 => 2\n  < 10 => 1\n  其他 => 0",
        "r.rules:5:3: warning: 对照表 b 的这一行永远不会匹配：它上面的行已包含它的所有值\n"
        "    5 |   < 10 => 1\n"
        "      |   ^^^^",
    ),
    "unknown-event-field": (
        "规则 a 当 sum(诉讼.金 近 365 天) > 1 则 加 1",
        "r.rules:3:15: error: 事件类型 '诉讼' 没有字段 '金'；您是否要找 '金额'？\n"
        "    3 | 规则 a 当 sum(诉讼.金 近 365 天) > 1 则 加 1\n"
        "      |                    ^^",
    ),
    "unknown-event-kind": (
        "规则 a 当 count(诉 近 365 天) > 1 则 加 1",
        "r.rules:3:14: error: 未知的事件类型 '诉'；您是否要找 '诉讼'？\n"
        "    3 | 规则 a 当 count(诉 近 365 天) > 1 则 加 1\n"
        "      |                 ^^",
    ),
    "unknown-function": (
        "规则 a 当 lenght(行业) > 1 则 加 1",
        "r.rules:3:8: error: 未知函数 'lenght'；您是否要找 'length'？\n"
        "    3 | 规则 a 当 lenght(行业) > 1 则 加 1\n"
        "      |           ^^^^^^",
    ),
    "wrong-arguments": (
        "规则 a 当 round() > 1 则 加 1",
        "r.rules:3:8: error: 'round' 需要 1 到 2 个值\n"
        "    3 | 规则 a 当 round() > 1 则 加 1\n"
        "      |           ^^^^^^^",
    ),
}


@pytest.mark.parametrize("code", sorted(ZH_CASES))
def test_a_code_once_left_in_english_is_rendered_in_chinese(code: str) -> None:
    body, expected = ZH_CASES[code]
    assert rendered_zh(body) == expected


def test_tier_like_unit_in_chinese() -> None:
    source = "规则集 t\n等级\n  USD  当 score > 1\n  低 否则\n"
    diagnostics = dsl.check_ruleset(source, filename="r.rules", language="zh")
    assert dsl.render_all(diagnostics, {"r.rules": source}) == (
        "r.rules:3:3: error: 等级不能命名为 'USD'：它像一个货币代码\n"
        "    3 |   USD  当 score > 1\n"
        "      |   ^^^"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\na: 2\n", "f.yaml:2:1: error: 重复的键 'a'\n    2 | a: 2\n      | ^"),
        ("? [a]\n: 1\n", "f.yaml:1:3: error: 映射的键必须是普通的值\n    1 | ? [a]\n      |   ^^^"),
        ("a: [1\n", "f.yaml:2:1: error: YAML 无效：expected ',' or ']', but got '<stream end>'"),
    ],
)
def test_yaml_errors_in_chinese(text: str, expected: str) -> None:
    with pytest.raises(dsl.DiagnosticsError) as caught:
        dsl.load_yaml(text, filename="f.yaml", language="zh")
    assert dsl.render_all(caught.value.diagnostics, {"f.yaml": text}) == expected
    with pytest.raises(dsl.DiagnosticsError) as caught:
        dsl.load_yaml(text, filename="f.yaml")
    assert caught.value.diagnostics[0].code.startswith("yaml-")
    assert not re.search(r"[\u4e00-\u9fff]", caught.value.diagnostics[0].message)


def test_an_english_message_about_a_chinese_file_quotes_its_keywords() -> None:
    source = "规则集 t\n对照表 b 按 x\n  其他 => 1\n  1 => 1\n等级 低 否则\n"
    diagnostics = dsl.check_ruleset(source, filename="r.rules")
    assert [(d.message, d.hint) for d in diagnostics] == [
        (
            "this row of table b comes after '其他' and can never match",
            "'其他' must be the last row",
        )
    ]
