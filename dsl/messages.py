"""The words of syntax-error messages: the one table from grammar terminals to what a credit
manager reads. Pure data and formatting; no parser state.

rules-language §6: syntax errors name what was expected in words, never the parser's token names,
and messages come in the caller's language (`"en"` or `"zh"`). Keyword terminals take their spelling
from the keyword table of the file's own language (`dsl.keywords`), which is detected separately: an
English message about a Chinese file quotes Chinese keywords, and the other way round.

The sentences themselves, of syntax errors and of the checkers alike, are in `dsl.catalog`; `SAY`
and `say` here are its phrases, kept under their old names.
"""

from __future__ import annotations

from collections.abc import Iterable

from dsl.catalog import PHRASES, join_alternatives, say
from dsl.keywords import KEYWORD_SETS, LANGUAGE_ONLY_TERMINALS, KeywordSet

__all__ = [
    "CONTINUATIONS",
    "EFFECT_STARTS",
    "FULL_WIDTH",
    "SAY",
    "TERMINAL_WORDS",
    "TERMINAL_WORDS_ZH",
    "VALUE_STARTS",
    "expected_words",
    "join_alternatives",
    "say",
    "words_for",
]

# The phrases of messages (English, Chinese), from the one catalog.
SAY = PHRASES

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
