"""Parsing text into the syntax tree, reporting every syntax error in words (rules-language §6).

Pure. Drives lark's LALR parser token by token: on an error it records a diagnostic built from the
tokens the parser would have accepted (translated by `dsl.messages`, never lark's names), skips to
the next statement keyword (`rule`, `let`, `tiers`), pops the parser back to a state that takes it,
and goes on, so that one pass reports all syntax errors of a file.
"""

from __future__ import annotations

import re
from typing import Any

from lark import Token
from lark.exceptions import UnexpectedToken
from lark.parsers.lalr_interactive_parser import InteractiveParser
from lark.parsers.lalr_parser_state import ParserState

from dsl.diagnostics import Diagnostic, Span, error
from dsl.grammar import parser_for
from dsl.keywords import ENGLISH, STATEMENT_STARTS, KeywordSet
from dsl.messages import FULL_WIDTH, expected_words
from dsl.nodes import Expr, ExpressionSource, FormDecl, Header, Let, Rule, Ruleset, TierRow, Tiers
from dsl.transform import token_span

_VALUE_TOKENS = frozenset(
    {"NAME", "NUMBER", "STRING", "TRUE", "FALSE", "RPAR", "RSQB", "IS_MISSING", "IS_PRESENT"}
)
_COMPARISONS = frozenset({"EQ", "NE", "LT", "LE", "GT", "GE"})
_OPENERS = {"RULE": "rule", "LET": "let", "RULESET": "ruleset", "FORM": "form"}
_CLAUSES = frozenset({"WHEN", "EQUAL", "ADD", "SUBTRACT"})


def end_of_text(text: str) -> Span:
    """Where an end-of-input error points: just after the last character written."""
    body = text.rstrip()
    line = body.count("\n") + 1
    column = len(body) - (body.rfind("\n") + 1) + 1
    return Span.point("", line, column)


def parse_ruleset(text: str) -> tuple[Ruleset | None, list[Diagnostic]]:
    """The syntax tree of a ruleset file, or None with every syntax error found."""
    tree, problems = _Parse(text, "ruleset", ENGLISH).run()
    return (tree if isinstance(tree, Ruleset) else None), problems


def parse_expression(text: str) -> tuple[ExpressionSource | None, list[Diagnostic]]:
    """The syntax tree of one expression, or None with the syntax error found."""
    tree, problems = _Parse(text, "expression", ENGLISH).run()
    return (tree if isinstance(tree, ExpressionSource) else None), problems


class _Parse:
    def __init__(self, text: str, start: str, keywords: KeywordSet) -> None:
        self.text = text
        self.start = start
        self.keywords = keywords
        self.interactive: InteractiveParser = parser_for(keywords.language).parse_interactive(
            text, start=start
        )
        self.state: ParserState[Any] = self.interactive.parser_state
        self.problems: list[Diagnostic] = []

    def run(self) -> tuple[Any, list[Diagnostic]]:
        recovering = False
        for token in self.interactive.lexer_thread.lex(self.state):
            if recovering:
                if token.type in STATEMENT_STARTS and self._resync(token):
                    recovering = False
                continue
            try:
                self.state.feed_token(token)
            except UnexpectedToken:
                self.problems.append(self._describe(token))
                if self.start == "expression":
                    return None, self.problems
                recovering = not (token.type in STATEMENT_STARTS and self._resync(token))
        if recovering:
            return None, self.problems
        end = end_of_text(self.text)
        end_token = Token("$END", "", 0, end.line, end.column, end.line, end.column, 0)
        try:
            tree = self.state.feed_token(end_token, True)
        except UnexpectedToken:
            self.problems.append(self._describe(end_token))
            return None, self.problems
        return (None if self.problems else tree), self.problems

    # ---- recovery ----

    def _accepts(self, state: ParserState[Any], token: Token) -> bool:
        trial = state.copy(deepcopy_values=False)
        try:
            trial.feed_token(token)
        except UnexpectedToken:
            return False
        return True

    def _resync(self, token: Token) -> bool:
        """Pop the parser back to where a statement can start, then feed `token` (a keyword)."""
        state = self.state
        while True:
            if token.type in state.parse_conf.states[state.position] and self._accepts(
                state, token
            ):
                state.feed_token(token)
                return True
            if len(state.state_stack) == 1:
                break
            state.state_stack.pop()
            state.value_stack.pop()
        # rules-language §1: a broken header is replaced by a synthetic one, so the rest is read
        synthetic = [("RULESET", "ruleset"), ("NAME", "_")]
        for kind, value in synthetic:
            try:
                state.feed_token(Token(kind, value, 0, token.line, token.column))
            except UnexpectedToken:
                return False
        if self._accepts(state, token):
            state.feed_token(token)
            return True
        return False

    # ---- messages ----

    def _describe(self, token: Token) -> Diagnostic:
        accepted = self.interactive.accepts()
        stack = list(self.state.value_stack)
        span = end_of_text(self.text) if token.type == "$END" else token_span(token)
        if token.type == "BAD_CHAR":
            return self._bad_character(token, span)
        if token.type == "BAD_STRING":
            return self._bad_string(token)
        what = expected_words(accepted, self.keywords)
        message = f"expected {what} {self._after(stack)}"
        if token.type == "$END":
            ended = "file" if self.start == "ruleset" else "expression"
            message += f", but the {ended} ended"
        return error("syntax", message, span, self._hint(token, accepted, stack))

    def _bad_character(self, token: Token, span: Span) -> Diagnostic:
        char = str(token.value)
        hint = None
        if char in FULL_WIDTH:
            hint = f"write the ASCII '{FULL_WIDTH[char]}' instead of the full-width '{char}'"
        elif char == "'":
            hint = 'text is written in double quotes: "like this"'
        elif char == "!":
            hint = "write '!=' for 'is not equal to', or 'not' before a condition"
        return error("syntax", f"unexpected character '{char}'", span, hint)

    def _bad_string(self, token: Token) -> Diagnostic:
        raw = str(token.value)
        line, column = token.line or 1, token.column or 1
        if len(raw) < 2 or not raw.endswith('"') or (raw.endswith('\\"') and _odd_backslashes(raw)):
            return error(
                "syntax",
                "this text has no closing '\"' on its line",
                token_span(token),
                'end the text with a double quote; write \\" for a quote inside it',
            )
        bad = re.search(r'\\[^"\\]', raw)
        offset = bad.start() if bad else 0
        escape = bad.group() if bad else "\\"
        return error(
            "bad-escape",
            f"'{escape}' is not allowed in text: only \\\" and \\\\ are escapes",
            Span("", line, column + offset, line, column + offset + 2),
            "write \\\\ for a backslash",
        )

    def _hint(self, token: Token, accepted: set[str], stack: list[Any]) -> str | None:
        value = str(token.value)
        if token.type == "EQUAL" and "EQ" in accepted:
            return "to compare two values write '=='"
        if token.type == "NAME":
            lower = value.lower()
            if lower != value and self.keywords.terminal_of(lower) is not None:
                return f"keywords are written in lower case: '{lower}'"
            for word, terminal in sorted(self.keywords.words.items(), key=lambda w: -len(w[0])):
                if terminal in accepted and value.startswith(word) and len(value) > len(word):
                    return f"put a space after '{word}': '{word} {value[len(word) :]}'"
        if (
            "NAME" in accepted
            and token.type not in STATEMENT_STARTS
            and self.keywords.terminal_of(value) == token.type
        ):
            return f"'{value}' is a keyword and cannot be used as a name"
        if token.type in _COMPARISONS and any(
            isinstance(item, Token) and item.type in _COMPARISONS for item in stack[-3:]
        ):
            return "comparisons cannot be chained: join two comparisons with 'and'"
        return None

    def _context(self, stack: list[Any]) -> tuple[str, str | None, int]:
        """The statement being written: ("rule", "overdue_90", index of its keyword)."""
        for index in range(len(stack) - 1, -1, -1):
            item = stack[index]
            if isinstance(item, Token) and item.type in _OPENERS:
                following = stack[index + 1] if index + 1 < len(stack) else None
                name = following.value if isinstance(following, Token) else None
                return _OPENERS[item.type], (str(name) if name is not None else None), index
            if isinstance(item, Token) and item.type == "TIERS":
                return "tiers", None, index
            if isinstance(item, (Rule, Let, Tiers, Header, FormDecl)):
                break
        return "", None, -1

    def _after(self, stack: list[Any]) -> str:
        if not stack:
            return "at the start of the " + ("file" if self.start == "ruleset" else "expression")
        top = stack[-1]
        before = stack[-2] if len(stack) > 1 else None
        kind, name, opener = self._context(stack)
        where = f" in {kind} {name}" if kind in ("rule", "let") and name else ""
        if kind == "tiers":
            where = " in the tiers block"
        if isinstance(top, Header):
            return "after the ruleset header"
        if isinstance(top, FormDecl):
            return f"after form {top.form.name}"
        if isinstance(top, Rule):
            return f"after rule {top.id.name}"
        if isinstance(top, Let):
            return f"after let {top.name.name}"
        if isinstance(top, (Tiers, TierRow)):
            return "in the tiers block"
        if _is_token(top, "NAME") and _is_token(before, *_OPENERS):
            return f"after {_OPENERS[before.type]} {top.value}"
        if _is_token(top, "STRING") and opener == len(stack) - 3:
            return f"after the label of {kind} {name}"
        if _is_token(top, "NAME") and _is_token(before, "ALERT"):
            return f"after the severity of the alert{where}"
        if _is_token(top, "NAME") and (_is_token(before, "TIERS") or isinstance(before, TierRow)):
            return f"after tier {top.value}"
        if isinstance(top, Expr) or _is_token(top, *_VALUE_TOKENS):
            clause_index = self._clause(stack)
            clause = stack[clause_index] if clause_index >= 0 else None
            if _is_token(clause, "WHEN") and kind == "rule" and name:
                return f"after the condition of rule {name}"
            if _is_token(clause, "WHEN") and kind == "tiers":
                tier = stack[clause_index - 1]
                return f"after the condition of tier {getattr(tier, 'value', '')}".rstrip()
            if _is_token(clause, "EQUAL") and kind == "let" and name:
                return f"after the value of let {name}"
            if _is_token(clause, "ADD", "SUBTRACT") and name:
                return f"after the points of rule {name}"
            if isinstance(top, Token):
                return f"after '{top.value}'{where}"
            return f"after the expression{where}"
        if isinstance(top, Token):
            shown = top.value if top.type != "STRING" else "the text"
            return f"after '{shown}'{where}" if top.type != "STRING" else f"after the text{where}"
        return f"here{where}"

    def _clause(self, stack: list[Any]) -> int:
        for index in range(len(stack) - 1, -1, -1):
            item = stack[index]
            if isinstance(item, Token) and item.type in _CLAUSES:
                return index
            if (
                isinstance(item, Token)
                and item.type not in _VALUE_TOKENS
                and item.type
                in ("THEN", "ELSE", "IF", "LPAR", "LSQB", "COMMA", "RULE", "LET", "TIERS")
            ):
                return index
        return -1


def _is_token(item: Any, *types: str) -> bool:
    return isinstance(item, Token) and item.type in types


def _odd_backslashes(raw: str) -> bool:
    count = len(raw) - 1 - len(raw[:-1].rstrip("\\"))
    return count % 2 == 1
