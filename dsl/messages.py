"""The words of syntax-error messages: the one table from grammar terminals to what a credit
manager reads. Pure data and formatting; no parser state.

rules-language §6: syntax errors name what was expected in words, never the parser's token names.
Keyword terminals take their spelling from the keyword table (`dsl.keywords`).
"""

from __future__ import annotations

from collections.abc import Iterable

from dsl.keywords import KeywordSet

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
    "$END": "the end of the file",
}

# Terminals that can start a value; when several are expected they read as "a value".
VALUE_STARTS = frozenset(
    {"NAME", "NUMBER", "STRING", "TRUE", "FALSE", "LPAR", "MINUS", "IF", "NOT"}
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


def words_for(terminal: str, keywords: KeywordSet) -> str:
    """How one terminal reads in a message: `'then'`, `a name`, `the end of the file`."""
    spelling = keywords.spelling(terminal)
    if spelling is not None:
        return f"'{spelling}'"
    return TERMINAL_WORDS.get(terminal, terminal.lower())


def join_alternatives(items: Iterable[str]) -> str:
    listed = list(dict.fromkeys(items))
    if len(listed) <= 1:
        return "".join(listed)
    return ", ".join(listed[:-1]) + " or " + listed[-1]


def expected_words(accepted: Iterable[str], keywords: KeywordSet) -> str:
    """The expected terminals as words, with value starts and operators folded together."""
    accepted = set(accepted)
    parts: list[str] = []
    if len(accepted & VALUE_STARTS) >= 3:
        parts.append("a value")
        accepted -= VALUE_STARTS
    if accepted - CONTINUATIONS:
        accepted -= CONTINUATIONS
    elif accepted:
        parts.append("an operator")
        accepted = set()
    rank = {name: index for index, name in enumerate(_ORDER)}
    ordered = sorted(accepted, key=lambda t: (t == "$END", rank.get(t, len(rank)), t))
    return join_alternatives(
        [*(words_for(t, keywords) for t in ordered if t != "$END"), *parts]
        + [words_for("$END", keywords) for t in ordered if t == "$END"]
    )
