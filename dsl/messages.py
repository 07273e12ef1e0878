"""The words of syntax-error messages: the one table from grammar terminals to what a credit
manager reads. Pure data and formatting; no parser state.

rules-language §6: syntax errors name what was expected in words, never the parser's token names,
and messages come in the caller's language (`"en"` or `"zh"`). Keyword terminals take their spelling
from the keyword table of the file's own language (`dsl.keywords`), which is detected separately: an
English message about a Chinese file quotes Chinese keywords, and the other way round.

Two kinds of messages: those this package composes with `say` (syntax errors and their hints), and
the checkers' English messages, which `localise` re-renders from `CHECK_MESSAGES` (matching the
English template, then filling the Chinese one) in the caller's language with the file's keywords.
A message no template matches is left as it is.
"""

from __future__ import annotations

import dataclasses
import re
import string
from collections.abc import Iterable, Mapping

from dsl.diagnostics import Diagnostic
from dsl.keywords import ENGLISH, KEYWORD_SETS, LANGUAGE_ONLY_TERMINALS, KeywordSet

# Non-keyword terminals, in English. A Chinese table joins this one with the Chinese keywords.
TERMINAL_WORDS: dict[str, str] = {
    "NAME": "a name",
    "NUMBER": "a number",
    "STRING": "text in double quotes",
    "BAD_STRING": "text in double quotes",
    "EQ": "'=='",
    "NE": "'!='",
    "LT": "'<'",
    "LE": "'<='",
    "GT": "'>'",
    "GE": "'>='",
    "EQUAL": "'='",
    "PLUS": "'+'",
    "MINUS": "'-'",
    "STAR": "'*'",
    "SLASH": "'/'",
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "COMMA": "','",
    "DOT": "'.'",
    "ARROW": "'=>'",
    "DATE": "a date",
    "CURRENCY": "a currency code",
    "$END": "the end of the file",
}

# The same terminals in Chinese; punctuation reads the same in both languages.
TERMINAL_WORDS_ZH: dict[str, str] = {
    "NAME": "名称",
    "NUMBER": "数字",
    "STRING": "双引号中的文本",
    "BAD_STRING": "双引号中的文本",
    "DATE": "日期",
    "CURRENCY": "货币代码",
    "$END": "文件结尾",
}

# Terminals that can start a value; when several are expected they read as "a value".
VALUE_STARTS = frozenset(
    {"NAME", "NUMBER", "STRING", "TRUE", "FALSE", "LPAR", "MINUS", "IF", "NOT", "DATE"}
)
# Terminals that only continue an expression already written; named only when nothing else fits.
CONTINUATIONS = frozenset(
    {
        "PLUS",
        "MINUS",
        "STAR",
        "SLASH",
        "EQ",
        "NE",
        "LT",
        "LE",
        "GT",
        "GE",
        "BETWEEN",
        "IN",
        "NOT_IN",
        "IS_MISSING",
        "IS_PRESENT",
        "AND",
        "OR",
        "DOT",
        # units and currency codes only continue a number (§1): never the word a reader needs
        "DAYS",
        "MONTHS",
        "YEARS",
        "MILLION",
        "TEN_THOUSAND",
        "HUNDRED_MILLION",
        "CURRENCY",
    }
)
EFFECT_STARTS = frozenset({"ADD", "SUBTRACT", "ALERT", "FLAG", "TIER_AT_LEAST"})

# Full-width punctuation a Chinese keyboard produces, and the ASCII to write instead (§8).
FULL_WIDTH = {"，": ",", "（": "(", "）": ")", "“": '"', "”": '"', "：": ":", "＝": "=", "＋": "+"}

# The order expected words are listed in, so that messages are stable.
_ORDER = [
    "THEN",
    "WHEN",
    "OTHERWISE",
    "ELSE",
    "AND",
    "EQUAL",
    "COMMA",
    "RPAR",
    "RSQB",
    "STRING",
    "NAME",
    "NUMBER",
    "ADD",
    "SUBTRACT",
    "ALERT",
    "FLAG",
    "TIER_AT_LEAST",
    "FORM",
    "LET",
    "RULE",
    "TIERS",
]


# Keyword terminals some language does not spell (`ELSE_OR_OTHERWISE` in English): never listed
# as expected in that language.
_UNSPELLED = frozenset(
    {t for k in KEYWORD_SETS.values() for t in (*k.words.values(), *k.phrases)}
    | LANGUAGE_ONLY_TERMINALS
)
# Where the grammar accepts two keyword terminals for one meaning, the one to name (§8: `否则`
# rather than `其他` after `如果 … 则 …`, `和` after `介于`, `missing` at a table row).
_PREFERRED = {
    "ELSE_OR_OTHERWISE": frozenset({"ELSE", "OTHERWISE"}),
    "BETWEEN_AND": frozenset({"AND"}),
    "MISSING": frozenset({"IS_MISSING"}),
}


def words_for(terminal: str, keywords: KeywordSet, language: str = "en") -> str:
    """How one terminal reads in a message: `'then'`, `a name`, `the end of the file`."""
    spelling = keywords.spelling(terminal)
    if spelling is not None:
        return f"'{spelling}'"
    if language == "zh" and terminal in TERMINAL_WORDS_ZH:
        return TERMINAL_WORDS_ZH[terminal]
    return TERMINAL_WORDS.get(terminal, terminal.lower())


def join_alternatives(items: Iterable[str], language: str = "en") -> str:
    listed = list(dict.fromkeys(items))
    if len(listed) <= 1:
        return "".join(listed)
    if language == "zh":
        return "、".join(listed[:-1]) + " 或 " + listed[-1]
    return ", ".join(listed[:-1]) + " or " + listed[-1]


def expected_words(accepted: Iterable[str], keywords: KeywordSet, language: str = "en") -> str:
    """The expected terminals as words, with value starts and operators folded together."""
    accepted = {t for t in accepted if t not in _UNSPELLED or keywords.spelling(t) is not None}
    for preferred, others in _PREFERRED.items():
        if preferred in accepted and keywords.spelling(preferred) is not None:
            accepted -= others
    continuations = CONTINUATIONS
    if "LPAR" in accepted and not accepted & (VALUE_STARTS - {"LPAR", "MINUS"}):
        continuations = CONTINUATIONS | {"LPAR"}  # after a name: `(` would make it a call
    parts: list[str] = []
    if len(accepted & VALUE_STARTS) >= 3:
        parts.append(say("a-value", language))
        accepted -= VALUE_STARTS
    if accepted - continuations:
        accepted -= continuations
    elif accepted:
        parts.append(say("an-operator", language))
        accepted = set()
    rank = {name: index for index, name in enumerate(_ORDER)}
    ordered = sorted(accepted, key=lambda t: (t == "$END", rank.get(t, len(rank)), t))
    return join_alternatives(
        [*(words_for(t, keywords, language) for t in ordered if t != "$END"), *parts]
        + [words_for("$END", keywords, language) for t in ordered if t == "$END"],
        language,
    )


# ---- messages composed here, in both languages ----

# key -> (English, Chinese); `{name}` fields are filled by `say`
SAY: dict[str, tuple[str, str]] = {
    "a-value": ("a value", "一个值"),
    "an-operator": ("an operator", "一个运算符"),
    "expected": ("expected {what} {where}", "{where}应为 {what}"),
    "file-ended": ("{message}, but the file ended", "{message}，但文件已结束"),
    "expression-ended": ("{message}, but the expression ended", "{message}，但表达式已结束"),
    "unexpected-character": ("unexpected character '{char}'", "意外的字符 '{char}'"),
    "full-width": (
        "write the ASCII '{ascii}' instead of the full-width '{char}'",
        "请改用 ASCII 字符 '{ascii}'，不要用全角字符 '{char}'",
    ),
    "single-quote": (
        'text is written in double quotes: "like this"',
        '文本写在英文双引号中："像这样"',
    ),
    "bang": (
        "write '!=' for 'is not equal to', or '{not_}' before a condition",
        "“不等于”请写 '!='，否定一个条件请在它前面写 '{not_}'",
    ),
    "unclosed-text": (
        "this text has no closing '\"' on its line",
        "这段文本在本行没有结尾的 '\"'",
    ),
    "unclosed-text-hint": (
        'end the text with a double quote; write \\" for a quote inside it',
        '请用双引号结束文本；文本中的引号写作 \\"',
    ),
    "bad-escape": (
        "'{escape}' is not allowed in text: only \\\" and \\\\ are escapes",
        "文本中不允许写 '{escape}'：只有 \\\" 和 \\\\ 是转义",
    ),
    "bad-escape-hint": ("write \\\\ for a backslash", "反斜杠请写作 \\\\"),
    "compare-with-equal": ("to compare two values write '=='", "比较两个值请写 '=='"),
    "lower-case": ("keywords are written in lower case: '{word}'", "关键字用小写：'{word}'"),
    "space-after": (
        "put a space after '{word}': '{word} {rest}'",
        "请在 '{word}' 后加一个空格：'{word} {rest}'",
    ),
    "keyword-as-name": (
        "'{word}' is a keyword and cannot be used as a name",
        "'{word}' 是关键字，不能用作名称",
    ),
    "chained-comparison": (
        "comparisons cannot be chained: join two comparisons with '{and_}'",
        "比较不能连写：请用 '{and_}' 连接两个比较",
    ),
    "other-language": (
        "this file is written with {file_language} keywords (its first keyword decides): "
        "write '{word}' instead of '{other}'",
        "本文件使用{file_language}关键字（由文件的第一个关键字决定）："
        "请写 '{word}'，不要写 '{other}'",
    ),
    "english": ("English", "英文"),
    "chinese": ("Chinese", "中文"),
}


def say(key: str, language: str = "en", **fields: object) -> str:
    """The message `key` in `language` (`"en"`, `"zh"`), its `{fields}` filled."""
    english, chinese = SAY[key]
    return (chinese if language == "zh" else english).format(**fields)


# ---- the checkers' messages, re-rendered in the caller's language ----

# `after ...` phrases of syntax errors (dsl.parse), English -> Chinese. A leading `where` field is
# itself a phrase (` in rule x`); `kind` is a statement kind (`rule`, `let`, `table`).
AFTER_PHRASES: tuple[tuple[str, str], ...] = (
    ("at the start of the file", "文件开头"),
    ("at the start of the expression", "表达式开头"),
    ("after the ruleset header", "规则集标题之后"),
    ("in the tiers block", "等级块中"),
    ("after the condition of rule {name}", "规则 {name} 的条件之后"),
    ("after the condition of tier {name}", "等级 {name} 的条件之后"),
    ("after the condition of tier", "等级的条件之后"),
    ("after the value of let {name}", "派生值 {name} 的表达式之后"),
    ("after the points of rule {name}", "规则 {name} 的分值之后"),
    ("after the subject of table {name}", "对照表 {name} 的对象之后"),
    ("after the points of a row of table {name}", "对照表 {name} 某一行的分值之后"),
    ("after a row of table {name}", "对照表 {name} 的一行之后"),
    ("after the label of {kind} {name}", "{kind} {name} 的标签之后"),
    ("after the severity of the alert{where}", "{where}预警级别之后"),
    ("after the expression{where}", "{where}表达式之后"),
    ("after the text{where}", "{where}文本之后"),
    ("after tier {name}", "等级 {name} 之后"),
    ("after '{token}'{where}", "{where} '{token}' 之后"),
    ("after {kind} {name}", "{kind} {name} 之后"),
    ("here{where}", "{where}此处"),
    (" in the tiers block", "等级块中"),
    (" in {kind} {name}", "{kind} {name} 中"),
)

KIND_WORDS: dict[str, str] = {
    "rule": "规则",
    "let": "派生值",
    "table": "对照表",
    "form": "表单",
    "ruleset": "规则集",
    "tier": "等级",
}

# describe_type (dsl.typecheck) in Chinese
TYPE_WORDS: dict[str, str] = {
    "a number": "数字",
    "an amount of money": "金额",
    "text": "文本",
    "true or false": "真或假",
    "a date": "日期",
    "a duration": "时长",
    "a group of fields": "一组字段",
    "a list": "列表",
    "a value": "值",
}

# What a value is expected for (`what` in not-a-condition / not-a-number), English -> Chinese.
WHAT_PHRASES: tuple[tuple[str, str], ...] = (
    ("the condition of rule {name}", "规则 {name} 的条件"),
    ("the condition of tier {name}", "等级 {name} 的条件"),
    ("this condition", "这个条件"),
    ("this value", "这个值"),
    ("the value after '{word}'", "'{word}' 之后的值"),
    ("the condition after '{word}'", "'{word}' 之后的条件"),
    ("each side of '{word}'", "'{word}' 的两边"),
    ("'{word}'", "'{word}' "),
)

# (code, English template, Chinese template). Field conventions: `word` is an English keyword
# (re-spelled in the file's language), `kw_TERMINAL` a keyword literal, `what` a WHAT_PHRASES
# phrase, `type`/`type2` describe_type words, `severities` the file's severity words. The suffix
# "; did you mean '...'?" is translated separately, for every code.
CHECK_MESSAGES: tuple[tuple[str, str, str], ...] = (
    ("unknown-field", "unknown field '{name}'", "未知字段 '{name}'"),
    ("unknown-tier", "unknown tier '{name}'", "未知等级 '{name}'"),
    ("unknown-severity", "unknown alert severity '{name}'", "未知的预警级别 '{name}'"),
    (
        "unknown-severity",
        "a severity is 'info', 'warning' or 'critical'",
        "预警级别为 {severities}",
    ),
    (
        "not-a-condition",
        "{what} must be true or false, but this is {type}",
        "{what}必须为真或假，但这里是{type}",
    ),
    (
        "not-a-number",
        "{what} needs a number, but this is {type}",
        "{what}需要一个数字，但这里是{type}",
    ),
    (
        "bad-name",
        "'{name}' is not a valid name: a name cannot start or end with '__'",
        "'{name}' 不是有效的名称：名称不能以 '__' 开头或结尾",
    ),
    (
        "score-outside-tiers",
        "'score' can only be read in the tiers block",
        "'score' 只能在等级块中读取",
    ),
    ("let-cycle", "let '{name}' uses itself", "派生值 '{name}' 使用了它自己"),
    (
        "let-cycle",
        "lets '{name}' and '{other}' use each other",
        "派生值 '{name}' 和 '{other}' 相互使用",
    ),
    (
        "let-order",
        "let '{name}' is used before it is defined; a let can only use the lets written above it",
        "派生值 '{name}' 在定义之前被使用；派生值只能使用写在它上面的派生值",
    ),
    ("not-a-value", "'{name}' is a rule, not a value", "'{name}' 是一条规则，不是一个值"),
    (
        "not-a-record",
        "'{name}' is {type} and has no field '{field}'",
        "'{name}' 是{type}，没有字段 '{field}'",
    ),
    (
        "too-long",
        "this calculation has more than {count} terms; split it with '{kw_LET}'",
        "这个计算超过 {count} 项；请用 '{kw_LET}' 拆分",
    ),
    (
        "too-deep",
        "this expression is nested more than {count} levels deep; split it into several lets",
        "这个表达式嵌套超过 {count} 层；请拆分为几个派生值",
    ),
    ("type-mismatch", "cannot compare {type} with {type2}", "不能将{type}与{type2}比较"),
    ("type-mismatch", "'{op}' cannot order {type} values", "'{op}' 不能比较{type}的大小"),
    (
        "type-mismatch",
        "'{word}' gives {type} on one branch and {type2} on the other",
        "'{word}' 的一个分支为{type}，另一个分支为{type2}",
    ),
    ("type-mismatch", "expected {type}, but this is {type2}", "应为{type}，但这里是{type2}"),
    ("not-an-option", "'{value}' is not an option of '{name}'", "'{value}' 不是 '{name}' 的选项"),
    ("not-an-option", "the options are {options}", "选项有 {options}"),
    ("unused-let", "let '{name}' is never used", "派生值 '{name}' 从未被使用"),
    ("reserved-id", "'score' cannot be used as an id", "'score' 不能用作标识"),
    ("duplicate-id", "'{name}' is already defined on line {line}", "'{name}' 已在第 {line} 行定义"),
    ("id-is-field", "'{name}' is already the name of a field", "'{name}' 已是一个字段的名称"),
    (
        "unknown-placeholder",
        "'{name}' cannot be written in a message: only fields and lets can",
        "消息中不能写 '{name}'：只能写字段和派生值",
    ),
    ("unknown-placeholder", "unknown name '{name}' in the message", "消息中有未知名称 '{name}'"),
    (
        "message-brace",
        "a '}}' in a message must be written '}}}}'",
        "消息中的 '}}' 必须写作 '}}}}'",
    ),
    (
        "message-brace",
        "this '{{' is never closed; write '{{{{' for a literal brace",
        "这个 '{{' 没有闭合；字面的大括号请写作 '{{{{'",
    ),
    (
        "bad-placeholder",
        "'{name}' is not a name to fill in; write '{{{{' for a literal brace",
        "'{name}' 不是可以填入的名称；字面的大括号请写作 '{{{{'",
    ),
    (
        "missing-tiers",
        "the ruleset has no tiers block: "
        "end it with '{kw_TIERS}' and rows down to '{kw_OTHERWISE}'",
        "规则集没有等级块：请在末尾写 '{kw_TIERS}' 和各行，直到 '{kw_OTHERWISE}' 行",
    ),
    ("duplicate-tiers", "a ruleset has only one tiers block", "一个规则集只能有一个等级块"),
    (
        "tiers-not-last",
        "the tiers block must come last, after every let and rule",
        "等级块必须写在最后，在所有派生值和规则之后",
    ),
    (
        "duplicate-tier",
        "tier '{name}' is already defined on line {line}",
        "等级 '{name}' 已在第 {line} 行定义",
    ),
    (
        "unreachable-tier",
        "tier '{name}' comes after '{other} {kw_OTHERWISE}' and can never be chosen",
        "等级 '{name}' 在 '{other} {kw_OTHERWISE}' 之后，永远不会被选中",
    ),
    (
        "missing-otherwise",
        "the tiers block must end with a row 'TIER {kw_OTHERWISE}'",
        "等级块必须以 '等级名 {kw_OTHERWISE}' 一行结尾",
    ),
    (
        "shadowed-tier",
        "tier '{name}' can never be chosen: tier '{other}' above it takes every case it would",
        "等级 '{name}' 永远不会被选中：它上面的等级 '{other}' 已包含它的所有情况",
    ),
    (
        "bad-date",
        "'{name}' is not a date: write dates as YYYY-MM-DD, like 2024-01-31",
        "'{name}' 不是日期：日期写作 YYYY-MM-DD，例如 2024-01-31",
    ),
    ("bad-date", "to subtract, put spaces around '-'", "要做减法，请在 '-' 两边加空格"),
)

_DID_YOU_MEAN = re.compile(r"(?P<base>.*); did you mean '(?P<suggestion>.*)'\?\Z", re.S)


def _pattern(template: str) -> re.Pattern[str]:
    """A regular expression matching what `template` formats to, one group per field."""
    parts: list[str] = []
    for literal, field, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if field is None:
            continue
        if field.startswith("kw_"):
            parts.append(re.escape(ENGLISH.spelling(field[3:]) or field[3:]))
        else:
            parts.append(f"(?P<{field}>.*?)")
    return re.compile("".join(parts) + r"\Z", re.S)


_CHECK_PATTERNS = [(code, _pattern(en), en, zh) for code, en, zh in CHECK_MESSAGES]
_AFTER_PATTERNS = [(_pattern(en), en, zh) for en, zh in AFTER_PHRASES]
_WHAT_PATTERNS = [(_pattern(en), en, zh) for en, zh in WHAT_PHRASES]


def _fill(
    template: str,
    groups: Mapping[str, str],
    language: str,
    keywords: KeywordSet,
) -> str:
    fields: dict[str, str] = {}
    for _, field, _, _ in string.Formatter().parse(template):
        if field is None or field in fields:
            continue
        value = groups.get(field, "")
        if field.startswith("kw_"):
            value = keywords.spelling(field[3:]) or field[3:]
        elif field in ("word", "op"):
            terminal = ENGLISH.terminal_of(value)
            value = (keywords.spelling(terminal) or value) if terminal else value
        elif field == "what":
            value = _translate(value, _WHAT_PATTERNS, language, keywords)
        elif field == "where":
            value = _translate(value, _AFTER_PATTERNS, language, keywords)
        elif field in ("type", "type2") and language == "zh":
            value = TYPE_WORDS.get(value, value)
        elif field == "kind" and language == "zh":
            value = KIND_WORDS.get(value, value)
        elif field == "severities":
            words = [f"'{keywords.severity_word(s)}'" for s in ("info", "warning", "critical")]
            value = join_alternatives(words, language)
        fields[field] = value
    return template.format(**fields)


def _translate(
    text: str,
    patterns: Iterable[tuple[re.Pattern[str], str, str]],
    language: str,
    keywords: KeywordSet,
) -> str:
    for pattern, english, chinese in patterns:
        found = pattern.match(text)
        if found:
            template = chinese if language == "zh" else english
            return _fill(template, found.groupdict(), language, keywords)
    return text


def after_phrase(text: str, language: str, keywords: KeywordSet) -> str:
    """An `after ...` phrase of dsl.parse in `language`."""
    if language == "en":
        return text
    return _translate(text, _AFTER_PATTERNS, language, keywords).strip()


def localise_text(code: str, text: str, language: str, keywords: KeywordSet) -> str:
    """One English checker message (or hint) in `language`, keywords spelled as `keywords` does."""
    suggestion = None
    found = _DID_YOU_MEAN.match(text)
    if found:
        text, suggestion = found.group("base"), found.group("suggestion")
    patterns = [(p, en, zh) for c, p, en, zh in _CHECK_PATTERNS if c == code]
    result = _translate(text, patterns, language, keywords)
    if suggestion is not None:
        if language == "zh":
            result += f"；您是否要找 '{suggestion}'？"
        else:
            result += f"; did you mean '{suggestion}'?"
    return result


def localise(
    diagnostics: Iterable[Diagnostic], language: str, keywords: KeywordSet
) -> tuple[Diagnostic, ...]:
    """The checkers' diagnostics in `language`, keywords spelled in the file's own language."""
    if language == "en" and keywords is ENGLISH:
        return tuple(diagnostics)
    return tuple(
        dataclasses.replace(
            d,
            message=localise_text(d.code, d.message, language, keywords),
            hint=localise_text(d.code, d.hint, language, keywords) if d.hint else None,
        )
        for d in diagnostics
    )
