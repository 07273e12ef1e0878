"""The grammar of the rules language and the lark parser built from it, one per keyword language.

Pure. LALR with the basic lexer (a keyword never becomes a name where a name would fit) and
`strict=True` (a grammar conflict fails loudly). Single-word keywords are names re-typed through the
keyword table by a lexer callback; multi-word keywords are higher-priority terminals ending in
`(?!\\w)`. The AST is built during the parse (`Lark(transformer=...)`), so no recursive pass ever
walks a long chain of terms.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache

from lark import Lark, Token

from dsl.keywords import ENGLISH, KeywordSet
from dsl.transform import AstBuilder

_RULES = r"""
ruleset: header form_decl? _item*
header: RULESET NAME STRING?
form_decl: FORM NAME
_item: let_stmt | rule_stmt | tiers_block
let_stmt: LET NAME EQUAL expr
rule_stmt: RULE NAME STRING? WHEN expr THEN _effect (COMMA _effect)*
_effect: add_effect | alert_effect | flag_effect | tier_effect
add_effect: (ADD | SUBTRACT) expr
alert_effect: ALERT NAME STRING
flag_effect: FLAG NAME
tier_effect: TIER_AT_LEAST NAME
tiers_block: TIERS tier_row*
tier_row: NAME WHEN expr
        | NAME OTHERWISE

expression: expr

?expr: or_expr
     | IF expr THEN expr ELSE expr -> conditional
?or_expr: and_expr (OR and_expr)*
?and_expr: not_expr (AND not_expr)*
?not_expr: NOT not_expr -> negation
         | comparison
?comparison: sum
           | sum (EQ | NE | LT | LE | GT | GE) sum -> compare
           | sum BETWEEN sum AND sum -> between
           | sum (IN | NOT_IN) list -> membership
           | sum (IS_MISSING | IS_PRESENT) -> presence
list: LSQB (expr (COMMA expr)*)? RSQB
?sum: product ((PLUS | MINUS) product)*
?product: unary ((STAR | SLASH) unary)*
?unary: MINUS unary -> negative
      | postfix
?postfix: atom
        | postfix DOT NAME -> attribute
?atom: NUMBER -> number
     | STRING -> text
     | TRUE -> boolean
     | FALSE -> boolean
     | NAME -> name
     | LPAR expr RPAR -> group

NAME: /[^\W\d]\w*/
NUMBER: /\d+(?:_\d+)*(?:\.\d+(?:_\d+)*)?%?/
STRING.3: /"(?:[^"\\\n]|\\["\\])*"/
BAD_STRING.2: /"(?:[^"\\\n]|\\[^\n])*"?/
EQ: "=="
NE: "!="
LE: "<="
GE: ">="
LT: "<"
GT: ">"
EQUAL: "="
PLUS: "+"
MINUS: "-"
STAR: "*"
SLASH: "/"
LPAR: "("
RPAR: ")"
LSQB: "["
RSQB: "]"
COMMA: ","
DOT: "."
BAD_CHAR.-1: /./s
COMMENT: /#[^\n]*/
WS: /\s+/
%ignore COMMENT
%ignore WS
"""


def _phrase_terminal(name: str, words: tuple[str, ...]) -> str:
    pattern = r"\s+".join(re.escape(word) for word in words)
    return f"{name}.4: /{pattern}(?!\\w)/"


def grammar_text(keywords: KeywordSet) -> str:
    """The grammar for one keyword language."""
    declared = sorted(set(keywords.words.values()))
    phrases = [_phrase_terminal(name, words) for name, words in keywords.phrases.items()]
    return "\n".join([_RULES, *phrases, "%declare " + " ".join(declared), ""])


class _KeepErrorTokens:
    """Keeps the error-only terminals in the lexer (lark drops terminals no rule uses), so that a
    stray character or a bad string reaches the parser as a token and gets a positioned message."""

    always_accept = ("BAD_CHAR", "BAD_STRING")

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        return stream


def _retype_keywords(keywords: KeywordSet) -> Callable[[Token], Token]:
    words = dict(keywords.words)

    def retype(token: Token) -> Token:
        terminal = words.get(token.value)
        if terminal is not None:
            token.type = terminal
        return token

    return retype


@cache
def parser_for(language: str = "en") -> Lark:
    """The parser for one keyword language, built once per process."""
    keywords = {"en": ENGLISH}[language]
    return Lark(
        grammar_text(keywords),
        parser="lalr",
        lexer="basic",
        strict=True,
        start=["ruleset", "expression"],
        transformer=AstBuilder(),
        lexer_callbacks={"NAME": _retype_keywords(keywords)},
        maybe_placeholders=False,
        postlex=_KeepErrorTokens(),
    )
