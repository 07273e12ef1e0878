"""The hard limits on a rules text, each refused with a positioned error. Pure: no I/O.

They keep every accepted text cheap to compile and safe to run: the size of the text, the length
of a name, a string or a number, and the number of rules are checked here, while parsing
(`dsl.parse`); the nesting depth (`MAX_NESTING`) and the length of an arithmetic chain are checked
by `dsl.check`, on the tree. Nothing else grows faster than the text: `and`/`or` chains of any
length compile in linear time.
"""

from __future__ import annotations

from lark import Token

from dsl.catalog import diagnostic
from dsl.check import MAX_NESTING
from dsl.diagnostics import Diagnostic, Span
from dsl.nodes import Rule, Ruleset, Table
from dsl.transform import token_span

MAX_SOURCE_BYTES = 256 * 1024  # in UTF-8
MAX_RULES = 5_000  # rules and tables of one ruleset
MAX_TABLE_ROWS = 10_000  # rows of one table, `else` included
MAX_TEXT_LENGTH = 10_000  # characters of one string literal, quotes excluded
MAX_NAME_LENGTH = 200  # characters of one name or id
MAX_NUMBER_LENGTH = 30  # characters of one number (`1_000_000` is 9): beyond, no double holds it

__all__ = [
    "MAX_NAME_LENGTH",
    "MAX_NESTING",
    "MAX_NUMBER_LENGTH",
    "MAX_RULES",
    "MAX_SOURCE_BYTES",
    "MAX_TABLE_ROWS",
    "MAX_TEXT_LENGTH",
    "size_problem",
    "token_problem",
    "tree_problems",
]

# Token types whose text is a name: every single-word keyword is lexed as a NAME first.
_NAME_TOKENS = frozenset({"NAME", "CURRENCY"})


def _problem(code: str, span: Span, language: str, limit: int) -> Diagnostic:
    """The error `code` of the message catalog, in `language`, naming the `limit`."""
    return diagnostic(code, span, language=language, limit=limit)


def size_problem(text: str, language: str = "en") -> Diagnostic | None:
    """The error for a text over `MAX_SOURCE_BYTES`, at its first character past the limit."""
    if len(text) * 4 <= MAX_SOURCE_BYTES:
        return None
    encoded = text.encode("utf-8", "surrogatepass")
    if len(encoded) <= MAX_SOURCE_BYTES:
        return None
    # the first character that does not fit whole (a UTF-8 continuation byte starts 0b10)
    cut = MAX_SOURCE_BYTES
    while cut > 0 and encoded[cut] & 0xC0 == 0x80:
        cut -= 1
    before = encoded[:cut].decode("utf-8", "surrogatepass")
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    return _problem("too-large", Span.point("", line, column), language, MAX_SOURCE_BYTES // 1024)


def token_problem(token: Token, language: str = "en") -> Diagnostic | None:
    """The error for one token over its limit (a name, a string, a number), else None."""
    length = len(token.value)
    if token.type in ("STRING", "BAD_STRING"):
        if length - 2 > MAX_TEXT_LENGTH:
            return _problem("text-too-long", token_span(token), language, MAX_TEXT_LENGTH)
    elif token.type == "NUMBER":
        if length > MAX_NUMBER_LENGTH:
            return _problem("number-too-long", token_span(token), language, MAX_NUMBER_LENGTH)
    elif length > MAX_NAME_LENGTH and (token.type in _NAME_TOKENS or token.value.isidentifier()):
        return _problem("name-too-long", token_span(token), language, MAX_NAME_LENGTH)
    return None


def tree_problems(tree: Ruleset, language: str = "en") -> list[Diagnostic]:
    """The errors of a parsed ruleset over a limit: more than `MAX_RULES` rules and tables, a
    table of more than `MAX_TABLE_ROWS` rows (at the first row past the limit)."""
    items = [s for s in tree.statements if isinstance(s, (Rule, Table))]
    problems = []
    if len(items) > MAX_RULES:
        problems.append(_problem("too-many-rules", items[MAX_RULES].id.span, language, MAX_RULES))
    for item in items:
        if isinstance(item, Table) and len(item.rows) > MAX_TABLE_ROWS:
            span = item.rows[MAX_TABLE_ROWS].pattern.span
            problems.append(
                diagnostic(
                    "too-many-rows",
                    span,
                    language=language,
                    name=item.id.name,
                    limit=MAX_TABLE_ROWS,
                )
            )
    return problems
