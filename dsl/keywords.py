"""The one table from keywords to grammar terminals, per keyword language. Pure data.

rules-language §1: keywords are lower case and reserved; `tier at least`, `not in`, `is missing` and
`is present` are each one keyword. Every other module asks this table; none spells a keyword itself,
so the Chinese keyword set (§8) is one more `KeywordSet` here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class KeywordSet:
    """The spelling of every keyword terminal in one language."""

    language: str
    # single words, read by the lexer as a name and then re-typed: word -> terminal
    words: Mapping[str, str]
    # several words in a row, lexed as one higher-priority terminal: terminal -> words
    phrases: Mapping[str, tuple[str, ...]]

    def spelling(self, terminal: str) -> str | None:
        """How `terminal` is written in this language, or None when it is not a keyword."""
        if terminal in self.phrases:
            return " ".join(self.phrases[terminal])
        for word, name in self.words.items():
            if name == terminal:
                return word
        return None

    def terminal_of(self, word: str) -> str | None:
        return self.words.get(word)


# rules-language §1, in the order the reference lists them
_ENGLISH_WORDS = (
    "ruleset", "form", "let", "rule", "when", "then", "add", "subtract", "alert", "flag",
    "table", "on", "else", "tiers", "otherwise", "and", "or", "not", "if", "in", "between",
    "to", "within", "where", "is", "missing", "present", "true", "false", "days", "months",
    "years", "million",
)  # fmt: skip

ENGLISH = KeywordSet(
    language="en",
    words=MappingProxyType(
        {
            word: word.upper()
            for word in _ENGLISH_WORDS
        }
    ),
    phrases=MappingProxyType(
        {
            "TIER_AT_LEAST": ("tier", "at", "least"),
            "NOT_IN": ("not", "in"),
            "IS_MISSING": ("is", "missing"),
            "IS_PRESENT": ("is", "present"),
        }
    ),
)

# Terminals that start a statement: where the parser resynchronises after a syntax error.
STATEMENT_STARTS: frozenset[str] = frozenset({"LET", "RULE", "TIERS", "TABLE"})
