"""The one catalog of diagnostic messages, in English and Chinese (STYLE §3, rules-language §6).

Pure data and formatting; no parser or checker state. A diagnostic is created where its problem is
found, from a message key and named fields, never from finished text:

    wording.diagnostic("unknown-field", span, name="overdue_dayz", suggestion="overdue_days")

The key is the diagnostic's code (`unknown-field`), or `code/variant` when one code has several
sentences (`type-mismatch/compare`, `let-cycle/mutual`). `DIAGNOSTICS` holds, per key, the severity
and both templates; `PHRASES` holds the pieces they are built from (what a value is expected for,
where a syntax error stands, hints). A `Wording` is the caller's language plus the keywords of the
file's own language (§8: an English message about a Chinese file quotes Chinese keywords).

Fields are filled by kind, so a checker never formats words itself:
- `{kw_TERMINAL}` in a template: that keyword as the file's language spells it (`{kw_ELSE}`);
- `word`: an English keyword (`add`, `not`, `if`), re-spelled in the file's language;
- `kind`: a statement kind (`rule`, `let`, `table`), in the caller's language;
- `severities`: the file's three severity words, filled without being passed;
- a `ValueType`: its words ("a number", "数字");
- a `Phrase`: a nested phrase of `PHRASES`, in the same language;
- a tuple: its items quoted and joined (`'a', 'b'`);
- `suggestion` (a keyword of `diagnostic`): appends "; did you mean '...'?" when not None.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from dsl.diagnostics import Diagnostic, Severity, Span, said_in
from dsl.keywords import ENGLISH, KeywordSet
from dsl.schema import ValueType

ERROR = Severity.ERROR
WARNING = Severity.WARNING


@dataclass(frozen=True, slots=True)
class Entry:
    """One diagnostic message: its severity and its template in each language."""

    severity: Severity
    en: str
    zh: str


# key ("code" or "code/variant") -> Entry
DIAGNOSTICS: Mapping[str, Entry] = MappingProxyType(
    {
        # ---- syntax (dsl.parse) ----
        "syntax/expected": Entry(ERROR, "expected {what} {where}", "{where}应为 {what}"),
        "syntax/expected-file-ended": Entry(
            ERROR, "expected {what} {where}, but the file ended", "{where}应为 {what}，但文件已结束"
        ),
        "syntax/expected-expression-ended": Entry(
            ERROR,
            "expected {what} {where}, but the expression ended",
            "{where}应为 {what}，但表达式已结束",
        ),
        "syntax/unexpected-character": Entry(
            ERROR, "unexpected character '{char}'", "意外的字符 '{char}'"
        ),
        "syntax/unclosed-text": Entry(
            ERROR, "this text has no closing '\"' on its line", "这段文本在本行没有结尾的 '\"'"
        ),
        "bad-escape": Entry(
            ERROR,
            "'{escape}' is not allowed in text: only \\\" and \\\\ are escapes",
            "文本中不允许写 '{escape}'：只有 \\\" 和 \\\\ 是转义",
        ),
        "bad-date": Entry(
            ERROR,
            "'{text}' is not a date: write dates as YYYY-MM-DD, like 2024-01-31",
            "'{text}' 不是日期：日期写作 YYYY-MM-DD，例如 2024-01-31",
        ),
        "bad-date/calendar": Entry(
            ERROR, "'{text}' is not a date in the calendar", "'{text}' 不是日历上存在的日期"
        ),
        # ---- ids and names (dsl.check, dsl.typecheck) ----
        "bad-name": Entry(
            ERROR,
            "'{name}' is not a valid name: a name cannot start or end with '__'",
            "'{name}' 不是有效的名称：名称不能以 '__' 开头或结尾",
        ),
        "bad-name/placeholder": Entry(
            ERROR,
            "'{{{name}}}' is not a valid name: a name cannot start or end with '__'",
            "'{{{name}}}' 不是有效的名称：名称不能以 '__' 开头或结尾",
        ),
        "reserved-id": Entry(ERROR, "'score' cannot be used as an id", "'score' 不能用作标识"),
        "duplicate-id": Entry(
            ERROR, "'{name}' is already defined on line {line}", "'{name}' 已在第 {line} 行定义"
        ),
        "id-is-field": Entry(
            ERROR, "'{name}' is already the name of a field", "'{name}' 已是一个字段的名称"
        ),
        "unknown-field": Entry(ERROR, "unknown field '{name}'", "未知字段 '{name}'"),
        "not-a-record": Entry(
            ERROR,
            "'{name}' is {type} and has no field '{field}'",
            "'{name}' 是{type}，没有字段 '{field}'",
        ),
        "not-a-record/value": Entry(
            ERROR,
            "'this value' is {type} and has no field '{field}'",
            "这个值是{type}，没有字段 '{field}'",
        ),
        "not-a-value": Entry(
            ERROR, "'{name}' is a rule, not a value", "'{name}' 是一条规则，不是一个值"
        ),
        "score-outside-tiers": Entry(
            ERROR, "'score' can only be read in the tiers block", "'score' 只能在等级块中读取"
        ),
        "ambiguous-name/let": Entry(
            ERROR,
            "'{name}' is both a field of event kind '{event}' and a let",
            "'{name}' 既是事件类型 '{event}' 的字段，又是一个派生值",
        ),
        "ambiguous-name/field": Entry(
            ERROR,
            "'{name}' is both a field of event kind '{event}' and a field of the record",
            "'{name}' 既是事件类型 '{event}' 的字段，又是记录的一个字段",
        ),
        # ---- lets ----
        "let-cycle": Entry(ERROR, "let '{name}' uses itself", "派生值 '{name}' 使用了它自己"),
        "let-cycle/mutual": Entry(
            ERROR,
            "lets '{name}' and '{other}' use each other",
            "派生值 '{name}' 和 '{other}' 相互使用",
        ),
        "let-order": Entry(
            ERROR,
            "let '{name}' is used before it is defined; "
            "a let can only use the lets written above it",
            "派生值 '{name}' 在定义之前被使用；派生值只能使用写在它上面的派生值",
        ),
        "unused-let": Entry(WARNING, "let '{name}' is never used", "派生值 '{name}' 从未被使用"),
        # ---- size ----
        "too-long": Entry(
            ERROR,
            "this calculation has more than {count} terms; split it with '{kw_LET}'",
            "这个计算超过 {count} 项；请用 '{kw_LET}' 拆分",
        ),
        "too-deep": Entry(
            ERROR,
            "this expression is nested more than {count} levels deep; split it into several lets",
            "这个表达式嵌套超过 {count} 层；请拆分为几个派生值",
        ),
        # ---- types (dsl.typecheck, dsl.calls, dsl.tables) ----
        "not-a-condition": Entry(
            ERROR,
            "{what} must be true or false, but this is {type}",
            "{what}必须为真或假，但这里是{type}",
        ),
        "not-a-number": Entry(
            ERROR,
            "{what} needs a number, but this is {type}",
            "{what}需要一个数字，但这里是{type}",
        ),
        "type-mismatch/compare": Entry(
            ERROR, "cannot compare {type} with {type2}", "不能将{type}与{type2}比较"
        ),
        "type-mismatch/order": Entry(
            ERROR, "'{op}' cannot order {type} values", "'{op}' 不能比较{type}的大小"
        ),
        "type-mismatch/branches": Entry(
            ERROR,
            "'{word}' gives {type} on one branch and {type2} on the other",
            "'{word}' 的一个分支为{type}，另一个分支为{type2}",
        ),
        "type-mismatch/expected": Entry(
            ERROR, "expected {type}, but this is {type2}", "应为{type}，但这里是{type2}"
        ),
        "type-mismatch/date-arithmetic": Entry(
            ERROR,
            "a date can only be moved by a duration, like 'next_review_at + 30 {kw_DAYS}'",
            "日期只能加减一段时长，例如 'next_review_at + 30 {kw_DAYS}'",
        ),
        "type-mismatch/durations": Entry(
            ERROR,
            "durations cannot be compared; compare dates instead, like "
            "'days_since(opened_at) > 30'",
            "时长不能相互比较；请改为比较日期，例如 'days_since(opened_at) > 30'",
        ),
        "type-mismatch/booleans-ordered": Entry(
            ERROR,
            "{kw_TRUE} and {kw_FALSE} cannot be ordered",
            "'{kw_TRUE}' 和 '{kw_FALSE}' 不能比较大小",
        ),
        "type-mismatch/table-subject": Entry(
            ERROR, "table {name} cannot sort rows on {type}", "对照表 {name} 不能按{type}划分各行"
        ),
        "type-mismatch/one-kind": Entry(
            ERROR,
            "'{name}' needs values of one kind, but this is {type} and the first is {type2}",
            "'{name}' 需要同一类的值，但这里是{type}，而第一个是{type2}",
        ),
        "type-mismatch/function-order": Entry(
            ERROR, "'{name}' cannot order {type}", "'{name}' 不能比较{type}的大小"
        ),
        "type-mismatch/argument": Entry(
            ERROR,
            "'{name}' needs {type}, but this is {type2}",
            "'{name}' 需要{type}，但这里是{type2}",
        ),
        "type-mismatch/sum": Entry(
            ERROR,
            "'sum' needs a number, but '{name}' is {type}",
            "'sum' 需要一个数字，但 '{name}' 是{type}",
        ),
        "not-an-option": Entry(
            ERROR, "'{value}' is not an option of '{name}'", "'{value}' 不是 '{name}' 的选项"
        ),
        "bad-duration": Entry(
            ERROR, "a duration is a whole number of {word}", "时长的 '{word}' 数必须是整数"
        ),
        "misplaced-within": Entry(
            ERROR,
            "'{kw_WITHIN}' can only be written inside count, sum, min or max",
            "'{kw_WITHIN}' 只能写在 count、sum、min 或 max 之中",
        ),
        # ---- functions and events (dsl.calls) ----
        "unknown-function": Entry(ERROR, "unknown function '{name}'", "未知函数 '{name}'"),
        "not-a-field/argument": Entry(
            ERROR,
            "'{name}' takes the name of a field, like {name}(bureau_score)",
            "'{name}' 需要一个字段名，例如 {name}(bureau_score)",
        ),
        "not-a-field/let": Entry(
            ERROR,
            "'{field}' is a derived value, not a field: '{name}' takes the name of a field",
            "'{field}' 是派生值，不是字段：'{name}' 需要一个字段名",
        ),
        "wrong-arguments/none": Entry(ERROR, "'{name}' takes no values", "'{name}' 不接受任何值"),
        "wrong-arguments/one": Entry(ERROR, "'{name}' takes one value", "'{name}' 需要 1 个值"),
        "wrong-arguments/two": Entry(ERROR, "'{name}' takes two values", "'{name}' 需要 2 个值"),
        "wrong-arguments/exactly": Entry(
            ERROR, "'{name}' takes {count} values", "'{name}' 需要 {count} 个值"
        ),
        "wrong-arguments/at-least-one": Entry(
            ERROR, "'{name}' takes at least 1 value", "'{name}' 至少需要 1 个值"
        ),
        "wrong-arguments/at-least": Entry(
            ERROR, "'{name}' takes at least {count} values", "'{name}' 至少需要 {count} 个值"
        ),
        "wrong-arguments/range": Entry(
            ERROR, "'{name}' takes {low} to {high} values", "'{name}' 需要 {low} 到 {high} 个值"
        ),
        "wrong-arguments/count-events": Entry(
            ERROR,
            "'{name}' needs events and a period, like {name}(lawsuit {kw_WITHIN} 365 {kw_DAYS})",
            "'{name}' 需要事件和一段时间，例如 {name}(lawsuit {kw_WITHIN} 365 {kw_DAYS})",
        ),
        "wrong-arguments/field-events": Entry(
            ERROR,
            "'{name}' needs events and a period, "
            "like {name}(invoice.amount {kw_WITHIN} 90 {kw_DAYS})",
            "'{name}' 需要事件和一段时间，例如 {name}(invoice.amount {kw_WITHIN} 90 {kw_DAYS})",
        ),
        "wrong-arguments/event-kind": Entry(
            ERROR,
            "'{name}' needs an event kind, like {name}(lawsuit {kw_WITHIN} 365 {kw_DAYS})",
            "'{name}' 需要一种事件，例如 {name}(lawsuit {kw_WITHIN} 365 {kw_DAYS})",
        ),
        "wrong-arguments/event-field": Entry(
            ERROR,
            "'{name}' needs an event kind and its field, "
            "like {name}(invoice.amount {kw_WITHIN} 90 {kw_DAYS})",
            "'{name}' 需要一种事件及其字段，例如 {name}(invoice.amount {kw_WITHIN} 90 {kw_DAYS})",
        ),
        "wrong-arguments/last": Entry(
            ERROR,
            "'last' needs one event kind, like last(lawsuit).amount",
            "'last' 需要一种事件，例如 last(lawsuit).amount",
        ),
        "unknown-event-kind": Entry(
            ERROR, "unknown event kind '{name}'", "未知的事件类型 '{name}'"
        ),
        "unknown-event-field": Entry(
            ERROR,
            "unknown field '{name}' of event kind '{event}'",
            "事件类型 '{event}' 没有字段 '{name}'",
        ),
        "not-a-duration": Entry(
            ERROR,
            "'{kw_WITHIN}' needs a period of time, like 365 {kw_DAYS} or 12 {kw_MONTHS}",
            "'{kw_WITHIN}' 需要一段时间，例如 365 {kw_DAYS} 或 12 {kw_MONTHS}",
        ),
        # ---- rules and alerts (dsl.check) ----
        "never-fires": Entry(
            WARNING, "rule {name} can never fire: {why}", "规则 {name} 永远不会触发：{why}"
        ),
        "unknown-tier": Entry(ERROR, "unknown tier '{name}'", "未知等级 '{name}'"),
        "unknown-severity": Entry(
            ERROR, "unknown alert severity '{name}'", "未知的预警级别 '{name}'"
        ),
        "message-brace/close": Entry(
            ERROR, "a '}}' in a message must be written '}}}}'", "消息中的 '}}' 必须写作 '}}}}'"
        ),
        "message-brace/open": Entry(
            ERROR,
            "this '{{' is never closed; write '{{{{' for a literal brace",
            "这个 '{{' 没有闭合；字面的大括号请写作 '{{{{'",
        ),
        "bad-placeholder": Entry(
            ERROR,
            "'{{{name}}}' is not a name to fill in; write '{{{{' for a literal brace",
            "'{{{name}}}' 不是可以填入的名称；字面的大括号请写作 '{{{{'",
        ),
        "unknown-placeholder": Entry(
            ERROR, "unknown name '{{{name}}}' in the message", "消息中有未知名称 '{{{name}}}'"
        ),
        "unknown-placeholder/not-a-value": Entry(
            ERROR,
            "'{{{name}}}' cannot be written in a message: only fields and lets can",
            "消息中不能写 '{{{name}}}'：只能写字段和派生值",
        ),
        # ---- tables (dsl.tables) ----
        "missing-else": Entry(
            ERROR,
            "table {name} has no '{kw_ELSE}' row: end it with '{kw_ELSE} => POINTS'",
            "对照表 {name} 没有 '{kw_ELSE}' 行：请以 '{kw_ELSE} => 分值' 一行结尾",
        ),
        "row-after-else": Entry(
            ERROR,
            "this row of table {name} comes after '{kw_ELSE}' and can never match",
            "对照表 {name} 的这一行在 '{kw_ELSE}' 之后，永远不会匹配",
        ),
        "shadowed-row": Entry(
            WARNING,
            "this row of table {name} can never match: the rows above it take every value it would",
            "对照表 {name} 的这一行永远不会匹配：它上面的行已包含它的所有值",
        ),
        "never-matches": Entry(
            WARNING,
            "this row of table {name} can never match: {why}",
            "对照表 {name} 的这一行永远不会匹配：{why}",
        ),
        # ---- the tiers block (dsl.check) ----
        "missing-tiers": Entry(
            ERROR,
            "the ruleset has no tiers block: "
            "end it with '{kw_TIERS}' and rows down to '{kw_OTHERWISE}'",
            "规则集没有等级块：请在末尾写 '{kw_TIERS}' 和各行，直到 '{kw_OTHERWISE}' 行",
        ),
        "duplicate-tiers": Entry(
            ERROR, "a ruleset has only one tiers block", "一个规则集只能有一个等级块"
        ),
        "tiers-not-last": Entry(
            ERROR,
            "the tiers block must come last, after every let and rule",
            "等级块必须写在最后，在所有派生值和规则之后",
        ),
        "tier-like-unit": Entry(
            ERROR,
            "a tier cannot be named '{name}', like a currency code",
            "等级不能命名为 '{name}'：它像一个货币代码",
        ),
        "duplicate-tier": Entry(
            ERROR,
            "tier '{name}' is already defined on line {line}",
            "等级 '{name}' 已在第 {line} 行定义",
        ),
        "unreachable-tier": Entry(
            ERROR,
            "tier '{name}' comes after '{other} {kw_OTHERWISE}' and can never be chosen",
            "等级 '{name}' 在 '{other} {kw_OTHERWISE}' 之后，永远不会被选中",
        ),
        "missing-otherwise": Entry(
            ERROR,
            "the tiers block must end with a row 'TIER {kw_OTHERWISE}'",
            "等级块必须以 '等级名 {kw_OTHERWISE}' 一行结尾",
        ),
        "shadowed-tier": Entry(
            WARNING,
            "tier '{name}' can never be chosen: tier '{other}' above it takes every case it would",
            "等级 '{name}' 永远不会被选中：它上面的等级 '{other}' 已包含它的所有情况",
        ),
        # ---- YAML sources (dsl.yaml_source) ----
        "yaml-key": Entry(ERROR, "a mapping key must be a plain value", "映射的键必须是普通的值"),
        "yaml-duplicate-key": Entry(ERROR, "duplicate key '{key}'", "重复的键 '{key}'"),
        "yaml-syntax": Entry(ERROR, "invalid YAML: {problem}", "YAML 无效：{problem}"),
        "yaml-alias": Entry(
            ERROR,
            "'{mark}': anchors and aliases are not allowed in a definition; "
            "write the value out where it is used",
            "'{mark}'：定义中不允许使用锚点和别名；请在使用处写出完整的值",
        ),
        "yaml-merge-key": Entry(
            ERROR,
            "merge keys ('<<') are not allowed in a definition; write the keys out",
            "定义中不允许使用合并键（'<<'）；请逐个写出各键",
        ),
        "yaml-too-large": Entry(
            ERROR,
            "this file is larger than {limit} KiB; split the definition",
            "文件超过 {limit} KiB；请拆分定义",
        ),
        "yaml-too-deep": Entry(
            ERROR,
            "lists and mappings are nested more than {limit} levels deep here",
            "此处列表和映射的嵌套超过 {limit} 层",
        ),
        "yaml-too-many-nodes": Entry(
            ERROR,
            "this file has more than {limit} values (scalars, lists and mappings); "
            "split the definition",
            "文件中的值（标量、列表和映射）超过 {limit} 个；请拆分定义",
        ),
        # ---- hard limits (dsl.limits) ----
        "too-large": Entry(
            ERROR,
            "this text is larger than {limit} KiB; split it into several rulesets",
            "文本超过 {limit} KiB；请拆分为多个规则集",
        ),
        "text-too-long": Entry(
            ERROR, "this text is longer than {limit} characters", "文本长度超过 {limit} 个字符"
        ),
        "name-too-long": Entry(
            ERROR, "this name is longer than {limit} characters", "名称长度超过 {limit} 个字符"
        ),
        "number-too-long": Entry(
            ERROR, "this number is longer than {limit} characters", "数字长度超过 {limit} 个字符"
        ),
        "too-many-rules": Entry(
            ERROR,
            "this ruleset has more than {limit} rules and tables; split it into several rulesets",
            "规则集中的规则和对照表超过 {limit} 个；请拆分为多个规则集",
        ),
        "too-many-rows": Entry(
            ERROR,
            "table {name} has more than {limit} rows; split it into several tables",
            "对照表 {name} 的行数超过 {limit}；请拆分为多个对照表",
        ),
    }
)

# Pieces of messages: key -> (English, Chinese). Hints are phrases too.
PHRASES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "did-you-mean": ("; did you mean '{suggestion}'?", "；您是否要找 '{suggestion}'？"),
        # ---- words of syntax errors (dsl.messages, dsl.parse) ----
        "a-value": ("a value", "一个值"),
        "an-operator": ("an operator", "一个运算符"),
        "english": ("English", "英文"),
        "chinese": ("Chinese", "中文"),
        # where a syntax error stands (`where` of syntax/expected)
        "start-of-file": ("at the start of the file", "文件开头"),
        "start-of-expression": ("at the start of the expression", "表达式开头"),
        "after-header": ("after the ruleset header", "规则集标题之后"),
        "in-tiers-block": ("in the tiers block", "等级块中"),
        "after-rule-condition": ("after the condition of rule {name}", "规则 {name} 的条件之后"),
        "after-tier-condition": ("after the condition of tier {name}", "等级 {name} 的条件之后"),
        "after-a-tier-condition": ("after the condition of tier", "等级的条件之后"),
        "after-let-value": ("after the value of let {name}", "派生值 {name} 的表达式之后"),
        "after-rule-points": ("after the points of rule {name}", "规则 {name} 的分值之后"),
        "after-table-subject": ("after the subject of table {name}", "对照表 {name} 的对象之后"),
        "after-row-pattern": (
            "after the pattern of a row of table {name}",
            "对照表 {name} 某一行的条件之后",
        ),
        "after-row-points": (
            "after the points of a row of table {name}",
            "对照表 {name} 某一行的分值之后",
        ),
        "after-table-row": ("after a row of table {name}", "对照表 {name} 的一行之后"),
        "after-label": ("after the label of {kind} {name}", "{kind} {name} 的标签之后"),
        "after-severity": ("after the severity of the alert{where}", "{where}预警级别之后"),
        "after-expression": ("after the expression{where}", "{where}表达式之后"),
        "after-text": ("after the text{where}", "{where}文本之后"),
        "after-tier": ("after tier {name}", "等级 {name} 之后"),
        "after-token": ("after '{token}'", "'{token}' 之后"),
        "after-token-in": ("after '{token}'{where}", "{where} '{token}' 之后"),
        "after-statement": ("after {kind} {name}", "{kind} {name} 之后"),
        "here": ("here{where}", "{where}此处"),
        "in-statement": (" in {kind} {name}", "{kind} {name} 中"),
        "in-tiers": (" in the tiers block", "等级块中"),
        # ---- hints of syntax errors (dsl.parse) ----
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
        "unclosed-text-hint": (
            'end the text with a double quote; write \\" for a quote inside it',
            '请用双引号结束文本；文本中的引号写作 \\"',
        ),
        "bad-escape-hint": ("write \\\\ for a backslash", "反斜杠请写作 \\\\"),
        "compare-with-equal": ("to compare two values write '=='", "比较两个值请写 '=='"),
        "lower-case": ("keywords are written in lower case: '{lower}'", "关键字用小写：'{lower}'"),
        "space-after": (
            "put a space after '{keyword}': '{keyword} {rest}'",
            "请在 '{keyword}' 后加一个空格：'{keyword} {rest}'",
        ),
        "keyword-as-name": (
            "'{keyword}' is a keyword and cannot be used as a name",
            "'{keyword}' 是关键字，不能用作名称",
        ),
        "chained-comparison": (
            "comparisons cannot be chained: join two comparisons with '{and_}'",
            "比较不能连写：请用 '{and_}' 连接两个比较",
        ),
        "other-language": (
            "this file is written with {file_language} keywords (its first keyword decides): "
            "write '{keyword}' instead of '{other}'",
            "本文件使用{file_language}关键字（由文件的第一个关键字决定）："
            "请写 '{keyword}'，不要写 '{other}'",
        ),
        "subtract-with-spaces": (
            "to subtract, put spaces around '-'",
            "要做减法，请在 '-' 两边加空格",
        ),
        # ---- what a value is expected for (`what` of not-a-condition, not-a-number) ----
        "condition-of-rule": ("the condition of rule {name}", "规则 {name} 的条件"),
        "condition-of-tier": ("the condition of tier {name}", "等级 {name} 的条件"),
        "this-condition": ("this condition", "这个条件"),
        "this-value": ("this value", "这个值"),
        "value-after": ("the value after '{word}'", "'{word}' 之后的值"),
        "condition-after": ("the condition after '{word}'", "'{word}' 之后的条件"),
        "each-side": ("each side of '{word}'", "'{word}' 的两边"),
        "keyword": ("'{word}'", "'{word}' "),
        "points-of-table": ("the points of table {name}", "对照表 {name} 的分值"),
        # ---- why a rule or row can never apply (`why` of never-fires, never-matches) ----
        "declared-between": (
            "'{name}' is declared between {low} and {high}",
            "'{name}' 的取值范围声明为 {low} 到 {high}",
        ),
        "declared-at-least": ("'{name}' is declared at least {low}", "'{name}' 声明为至少 {low}"),
        "declared-at-most": ("'{name}' is declared at most {high}", "'{name}' 声明为至多 {high}"),
        "conditions-exclude": (
            "its conditions on '{name}' exclude each other",
            "它对 '{name}' 的条件相互排斥",
        ),
        # ---- hints of checker diagnostics ----
        "severities": ("a severity is {severities}", "预警级别为 {severities}"),
        "options": ("the options are {options}", "选项有 {options}"),
        "whole-duration": (
            "write 36 {kw_MONTHS} rather than 3.5 {kw_YEARS}",
            "请写 36 {kw_MONTHS}，而不是 3.5 {kw_YEARS}",
        ),
        "else-last": ("'{kw_ELSE}' must be the last row", "'{kw_ELSE}' 必须是最后一行"),
        "rename-let": (
            "write '{event}.{name}' for the event's field, or rename the let",
            "事件的字段请写 '{event}.{name}'，或者给派生值改名",
        ),
        "rename-field": (
            "write '{event}.{name}' for the event's field, or rename the field of the record",
            "事件的字段请写 '{event}.{name}'，或者给记录的字段改名",
        ),
    }
)

# ValueType in words (dsl.typecheck.describe_type is the English column)
TYPE_WORDS: Mapping[ValueType, tuple[str, str]] = MappingProxyType(
    {
        ValueType.NUMBER: ("a number", "数字"),
        ValueType.MONEY: ("an amount of money", "金额"),
        ValueType.TEXT: ("text", "文本"),
        ValueType.BOOLEAN: ("true or false", "真或假"),
        ValueType.DATE: ("a date", "日期"),
        ValueType.DURATION: ("a duration", "时长"),
        ValueType.RECORD: ("a group of fields", "一组字段"),
        ValueType.ANY: ("a value", "值"),
    }
)

# statement kinds (`kind` fields)
KIND_WORDS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "rule": ("rule", "规则"),
        "let": ("let", "派生值"),
        "table": ("table", "对照表"),
        "form": ("form", "表单"),
        "ruleset": ("ruleset", "规则集"),
        "tier": ("tier", "等级"),
    }
)


@dataclass(frozen=True, slots=True)
class Phrase:
    """A piece of `PHRASES` with its fields, rendered in the language of the message holding it."""

    key: str
    fields: Mapping[str, object]


def phrase(key: str, /, **fields: object) -> Phrase:
    if key not in PHRASES:
        raise KeyError(f"no phrase {key!r} in dsl.catalog.PHRASES")
    return Phrase(key, MappingProxyType(fields))


def code_of(key: str) -> str:
    """The diagnostic code of a message key: `type-mismatch/compare` -> `type-mismatch`."""
    return key.split("/", 1)[0]


def join_alternatives(items: Iterable[str], language: str = "en") -> str:
    listed = list(dict.fromkeys(items))
    if len(listed) <= 1:
        return "".join(listed)
    if language == "zh":
        return "、".join(listed[:-1]) + " 或 " + listed[-1]
    return ", ".join(listed[:-1]) + " or " + listed[-1]


@dataclass(frozen=True, slots=True)
class Wording:
    """The language of the messages (`"en"`, `"zh"`) and the keywords of the file they are about."""

    language: str = "en"
    keywords: KeywordSet = ENGLISH

    def diagnostic(
        self,
        key: str,
        span: Span | None,
        /,
        *,
        hint: str | Phrase | None = None,
        suggestion: str | None = None,
        **fields: object,
    ) -> Diagnostic:
        """The diagnostic `key` of `DIAGNOSTICS`; a `hint` given as a key takes `fields` too."""
        entry = DIAGNOSTICS[key]
        message = self._format(entry.zh if self.language == "zh" else entry.en, fields)
        if suggestion is not None:
            message += self.text("did-you-mean", suggestion=suggestion)
        if isinstance(hint, str):
            hint = Phrase(hint, fields)
        shown_hint = self.text(hint.key, **hint.fields) if hint is not None else None
        worded = Worded(key, MappingProxyType(dict(fields)), hint, suggestion, self.keywords)
        return Diagnostic(code_of(key), entry.severity, message, span, shown_hint, worded)

    def text(self, key: str, /, **fields: object) -> str:
        """The phrase `key` of `PHRASES` in this language."""
        english, chinese = PHRASES[key]
        return self._format(chinese if self.language == "zh" else english, fields)

    def _format(self, template: str, fields: Mapping[str, object]) -> str:
        values: dict[str, str] = {}
        for _, name, _, _ in string.Formatter().parse(template):
            if name is None or name in values:
                continue
            if name.startswith("kw_"):
                values[name] = self.keywords.spelling(name[3:]) or name[3:].lower()
            elif name == "severities":
                words = (self.keywords.severity_word(s) for s in ("info", "warning", "critical"))
                values[name] = join_alternatives([f"'{w}'" for w in words], self.language)
            else:
                values[name] = self._value(name, fields[name])
        return template.format(**values)

    def _value(self, name: str, value: object) -> str:
        zh = self.language == "zh"
        if isinstance(value, Phrase):
            return self.text(value.key, **value.fields)
        if isinstance(value, ValueType):
            return TYPE_WORDS[value][zh]
        if isinstance(value, tuple):
            return ", ".join(f"'{item}'" for item in value)
        text = str(value)
        if name == "word":
            terminal = ENGLISH.terminal_of(text)
            return (self.keywords.spelling(terminal) or text) if terminal else text
        if name == "kind" and text in KIND_WORDS:
            return KIND_WORDS[text][zh]
        return text


ENGLISH_WORDING = Wording()


@dataclass(frozen=True, slots=True)
class Worded:
    """What `Wording.diagnostic` was given, kept on its diagnostic (`Diagnostic.wording`)."""

    key: str
    fields: Mapping[str, object]
    hint: Phrase | None
    suggestion: str | None
    keywords: KeywordSet


def in_language(
    diagnostic: Diagnostic, language: str, translate: Callable[[str], str] | None = None
) -> Diagnostic:
    """`diagnostic` with its message and hint in `language` (`"en"`, `"zh"`), code, severity and
    position unchanged. Worded by this catalog, it is worded again; worded as message ids and
    params (`dsl.diagnostics.Said`, the readers of forms, workflows and bundles), they pass
    through `translate` (the web's catalog of `language`: its gettext); else it stays as it is."""
    worded = diagnostic.wording
    if translate is not None:
        said = said_in(diagnostic, language, translate)
        if said is not None:
            return said
    if not isinstance(worded, Worded):
        return diagnostic
    again = Wording(language, worded.keywords).diagnostic(
        worded.key, None, hint=worded.hint, suggestion=worded.suggestion, **worded.fields
    )
    return replace(diagnostic, message=again.message, hint=again.hint)


def diagnostic(
    key: str,
    span: Span | None,
    /,
    *,
    language: str = "en",
    keywords: KeywordSet = ENGLISH,
    hint: str | Phrase | None = None,
    suggestion: str | None = None,
    **fields: object,
) -> Diagnostic:
    """`Wording(language, keywords).diagnostic(key, span, ...)`, for one-off callers."""
    wording = Wording(language, keywords)
    return wording.diagnostic(key, span, hint=hint, suggestion=suggestion, **fields)


def say(key: str, language: str = "en", /, **fields: object) -> str:
    """The phrase `key` in `language` (`"en"`, `"zh"`), its fields filled, English keywords."""
    return Wording(language).text(key, **fields)
