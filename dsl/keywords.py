"""The one table from keywords to grammar terminals, per keyword language. Pure data.

rules-language §1: keywords are lower case and reserved; `tier at least`, `not in`, `is missing` and
`is present` are each one keyword. Every other module asks this table; none spells a keyword itself,
so the Chinese keyword set (§8) is one more `KeywordSet` here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class KeywordSet:
    """The spelling of every keyword terminal in one language."""

    language: str
    # single words, read by the lexer as a name and then re-typed: word -> terminal
    words: Mapping[str, str]
    # several words in a row, lexed as one higher-priority terminal: terminal -> words
    phrases: Mapping[str, tuple[str, ...]]
    # alert severities (ordinary words, §1): word in this language -> the canonical English word
    severities: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType(
            {"info": "info", "warning": "warning", "critical": "critical"}
        )
    )
    # booleans as an alert message writes them (§2)
    true_false: tuple[str, str] = ("true", "false")

    def spelling(self, terminal: str) -> str | None:
        """How `terminal` is written in this language, or None when it is not a keyword."""
        if terminal in self.phrases:
            return " ".join(self.phrases[terminal])
        for word, name in self.words.items():
            if name == terminal:
                return word
        alias = _ALIASES.get(terminal)
        return self.spelling(alias) if alias else None

    def severity_word(self, canonical: str) -> str:
        """How the severity `canonical` (`info`, `warning`, `critical`) is written here."""
        for word, meaning in self.severities.items():
            if meaning == canonical:
                return word
        return canonical

    def terminal_of(self, word: str) -> str | None:
        return self.words.get(word)


# One word for two meanings (§8): how a language that has no word for the first writes it.
_ALIASES = {"ELSE": "ELSE_OR_OTHERWISE", "OTHERWISE": "ELSE_OR_OTHERWISE", "MISSING": "IS_MISSING"}

# rules-language §1, in the order the reference lists them
_ENGLISH_WORDS = (
    "ruleset", "form", "let", "rule", "when", "then", "add", "subtract", "alert", "flag",
    "table", "on", "else", "tiers", "otherwise", "and", "or", "not", "if", "in", "between",
    "to", "within", "where", "is", "missing", "present", "true", "false", "days", "months",
    "years", "million",
)  # fmt: skip

ENGLISH = KeywordSet(
    language="en",
    words=MappingProxyType({word: word.upper() for word in _ENGLISH_WORDS}),
    phrases=MappingProxyType(
        {
            "TIER_AT_LEAST": ("tier", "at", "least"),
            "NOT_IN": ("not", "in"),
            "IS_MISSING": ("is", "missing"),
            "IS_PRESENT": ("is", "present"),
        }
    ),
)

# rules-language §8. Every alias is one word (names and keywords are separated by spaces), so the
# lexer reads it as a whole NAME and re-types it: `等级至少` is one word, distinct from `等级`, by
# maximal munch. Terminals that English spells differently:
# - `否则` is ELSE_OR_OTHERWISE, which the grammar accepts wherever ELSE or OTHERWISE stands;
# - `和` (`介于 A 和 B`) is BETWEEN_AND, accepted by the grammar where `between ... and` has AND;
# - `缺失` is IS_MISSING, also accepted as the `missing` pattern of a table row;
# - `万` (10^4) and `亿` (10^8) are Chinese-only units after a number, like `million`.
_CHINESE_WORDS = {
    "规则集": "RULESET", "表单": "FORM", "设": "LET", "规则": "RULE", "当": "WHEN", "则": "THEN",
    "加": "ADD", "减": "SUBTRACT", "预警": "ALERT", "标记": "FLAG", "等级至少": "TIER_AT_LEAST",
    "对照表": "TABLE", "按": "ON", "其他": "ELSE", "等级": "TIERS",
    "否则": "ELSE_OR_OTHERWISE", "且": "AND", "或": "OR", "非": "NOT", "如果": "IF",
    "介于": "BETWEEN", "和": "BETWEEN_AND", "属于": "IN", "不属于": "NOT_IN",
    "缺失": "IS_MISSING", "存在": "IS_PRESENT", "近": "WITHIN", "其中": "WHERE", "至": "TO",
    "天": "DAYS", "个月": "MONTHS", "年": "YEARS", "百万": "MILLION",
    "万": "TEN_THOUSAND", "亿": "HUNDRED_MILLION", "真": "TRUE", "假": "FALSE",
}  # fmt: skip

CHINESE = KeywordSet(
    language="zh",
    words=MappingProxyType(_CHINESE_WORDS),
    phrases=MappingProxyType({}),
    severities=MappingProxyType({"提示": "info", "警告": "warning", "严重": "critical"}),
    true_false=("是", "否"),
)

KEYWORD_SETS: Mapping[str, KeywordSet] = MappingProxyType({"en": ENGLISH, "zh": CHINESE})

# What a scale unit after a number multiplies it by (`2.5 million`, `5000 万`, `3 亿`).
SCALES: Mapping[str, int] = MappingProxyType(
    {"MILLION": 10**6, "TEN_THOUSAND": 10**4, "HUNDRED_MILLION": 10**8}
)

# Terminals only one language spells; the grammar declares them for every language.
LANGUAGE_ONLY_TERMINALS: frozenset[str] = frozenset(
    {"ELSE_OR_OTHERWISE", "BETWEEN_AND", "TEN_THOUSAND", "HUNDRED_MILLION"}
)

# Terminals that start a statement: where the parser resynchronises after a syntax error.
STATEMENT_STARTS: frozenset[str] = frozenset({"LET", "RULE", "TIERS", "TABLE"})
