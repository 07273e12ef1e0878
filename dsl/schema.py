"""What the rules language knows of a record: field names, their value types, reserved words.

Pure data. `forms/` builds a `Schema` from a form; `dsl/` never imports `forms/`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class ValueType(StrEnum):
    NUMBER = "number"
    TEXT = "text"
    BOOLEAN = "boolean"
    DATE = "date"
    MONEY = "money"
    RECORD = "record"
    DURATION = "duration"  # only as a value of the language (`30 days`), never a form field
    ANY = "any"


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """One readable name: its type, a choice's options, a record's nested fields, its range."""

    type: ValueType
    options: tuple[str, ...] | None = None
    fields: Mapping[str, FieldInfo] | None = None
    minimum: float | None = None
    maximum: float | None = None


Schema = Mapping[str, FieldInfo]

# rules-language §1: keywords are reserved; a form field cannot be named like one.
ENGLISH_KEYWORDS: frozenset[str] = frozenset(
    [
        "ruleset",
        "form",
        "let",
        "rule",
        "when",
        "then",
        "add",
        "subtract",
        "alert",
        "flag",
        "table",
        "on",
        "else",
        "tiers",
        "otherwise",
        "and",
        "or",
        "not",
        "if",
        "in",
        "between",
        "to",
        "within",
        "where",
        "is",
        "missing",
        "present",
        "true",
        "false",
        "days",
        "months",
        "years",
        "million",
    ]
)

# rules-language §8: the Chinese aliases.
CHINESE_KEYWORDS: frozenset[str] = frozenset(
    [
        "规则集",
        "表单",
        "设",
        "规则",
        "当",
        "则",
        "加",
        "减",
        "预警",
        "标记",
        "等级至少",
        "对照表",
        "按",
        "其他",
        "等级",
        "否则",
        "且",
        "或",
        "非",
        "如果",
        "介于",
        "和",
        "属于",
        "不属于",
        "缺失",
        "存在",
        "近",
        "其中",
        "天",
        "个月",
        "年",
        "提示",
        "警告",
        "严重",
        "真",
        "假",
        "至",
        "百万",
        "万",
        "亿",
    ]
)

RESERVED_WORDS: frozenset[str] = ENGLISH_KEYWORDS | CHINESE_KEYWORDS | {"score"}


def is_reserved_word(name: str) -> bool:
    """True when `name` cannot be a field, let, rule or table id."""
    return name in RESERVED_WORDS
