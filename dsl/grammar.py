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

from dsl.keywords import KEYWORD_SETS, LANGUAGE_ONLY_TERMINALS, KeywordSet
from dsl.transform import AstBuilder

_RULES = r"""
ruleset: header form_decl? _item*
header: RULESET NAME STRING?
form_decl: FORM NAME
_item: let_stmt | rule_stmt | table_stmt | tiers_block
let_stmt: LET NAME EQUAL expr
rule_stmt: RULE NAME STRING? WHEN expr THEN _effect (COMMA _effect)*
_effect: add_effect | alert_effect | flag_effect | tier_effect
add_effect: (ADD | SUBTRACT) expr
alert_effect: ALERT NAME STRING
flag_effect: FLAG NAME
tier_effect: TIER_AT_LEAST NAME
table_stmt: TABLE NAME STRING? ON operand table_row*
table_row: pattern ARROW operand
pattern: pattern_value (COMMA pattern_value)* -> pattern_values
       | (EQ | NE | LT | LE | GT | GE) pattern_value -> pattern_compare
       | pattern_value TO pattern_value -> pattern_range
       | (MISSING | IS_MISSING) -> pattern_missing
       | _else -> pattern_else
?pattern_value: literal
              | MINUS literal -> negative
?operand: postfix
        | MINUS literal -> negative
tiers_block: TIERS tier_row*
tier_row: NAME WHEN expr
        | NAME _otherwise

expression: expr

?expr: or_expr
     | IF expr THEN expr _else expr -> conditional
?or_expr: and_expr (OR and_expr)*
?and_expr: not_expr (AND not_expr)*
?not_expr: NOT not_expr -> negation
         | comparison
?comparison: sum
           | sum (EQ | NE | LT | LE | GT | GE) sum -> compare
           | sum BETWEEN sum _between_and sum -> between
           | sum (IN | NOT_IN) list -> membership
           | sum (IS_MISSING | IS_PRESENT) -> presence
list: LSQB (expr (COMMA expr)*)? RSQB

// rules-language §8: one Chinese word serves where English has two keywords (dsl/keywords.py)
_else: ELSE | ELSE_OR_OTHERWISE
_otherwise: OTHERWISE | ELSE_OR_OTHERWISE
_between_and: AND | BETWEEN_AND
?sum: product ((PLUS | MINUS) product)*
?product: unary ((STAR | SLASH) unary)*
?unary: MINUS unary -> negative
      | postfix
?postfix: atom
        | postfix DOT NAME -> attribute
?atom: literal
     | NAME -> name
     | NAME LPAR (_argument (COMMA _argument)*)? RPAR -> call
     | LPAR expr RPAR -> group
_argument: expr | event_query
event_query: postfix WITHIN operand (WHERE expr)?
?literal: NUMBER -> number
        | STRING -> text
        | TRUE -> boolean
        | FALSE -> boolean
        | DATE -> date
        | NUMBER (DAYS | MONTHS | YEARS) -> duration
        | NUMBER scale -> scaled
        | NUMBER scale? CURRENCY -> money
scale: MILLION | TEN_THOUSAND | HUNDRED_MILLION

NAME: /[^\W\d]\w*/
NUMBER: /\d+(?:_\d+)*(?:\.\d+(?:_\d+)*)?%?/
DATE.3: /\d{4}-\d{2}-\d{2}(?![\w.])/
BAD_DATE.2: /\d+-\d+-\d+[\w.]*/
STRING.3: /"(?:[^"\\\n]|\\["\\])*"/
BAD_STRING.2: /"(?:[^"\\\n]|\\[^\n])*"?/
ARROW: "=>"
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
%declare CURRENCY
"""


def _phrase_terminal(name: str, words: tuple[str, ...]) -> str:
    pattern = r"\s+".join(re.escape(word) for word in words)
    return f"{name}.4: /{pattern}(?!\\w)/"


def grammar_text(keywords: KeywordSet) -> str:
    """The grammar for one keyword language.

    Every keyword terminal of every language is declared, so the rules can name a terminal that
    only one language spells (`ELSE_OR_OTHERWISE`); the lexer of the other never produces it.
    """
    phrase_terminals = set(keywords.phrases)
    declared = sorted(
        {t for other in KEYWORD_SETS.values() for t in other.words.values()}
        | {t for other in KEYWORD_SETS.values() for t in other.phrases}
        | LANGUAGE_ONLY_TERMINALS
    )
    declared = [t for t in declared if t not in phrase_terminals]
    phrases = [_phrase_terminal(name, words) for name, words in keywords.phrases.items()]
    return "\n".join([_RULES, *phrases, "%declare " + " ".join(declared), ""])


_CURRENCY_CODE = re.compile(r"[A-Z]{3}\Z")
# Terminals after which a three-letter upper-case word is a currency code (rules-language §1:
# units are units only directly after a number, or after a number and its scale).
UNIT_AFTER = frozenset({"NUMBER", "MILLION", "TEN_THOUSAND", "HUNDRED_MILLION"})


class _KeepErrorTokens:
    """Keeps the error-only terminals in the lexer (lark drops terminals no rule uses), so that a
    stray character, a bad string or a bad date reaches the parser as a token and gets a
    positioned message; and reads `USD` as a currency code where it follows a number."""

    always_accept = ("BAD_CHAR", "BAD_STRING", "BAD_DATE")

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        previous = ""
        for token in stream:
            if (
                token.type == "NAME"
                and previous in UNIT_AFTER
                and _CURRENCY_CODE.match(token.value)
            ):
                token.type = "CURRENCY"
            previous = token.type
            yield token


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
    """The parser for one keyword language (`"en"`, `"zh"`), built once per process."""
    keywords = KEYWORD_SETS[language]
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
