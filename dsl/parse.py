"""Parsing text into the syntax tree, reporting every syntax error in words (rules-language §6).

Pure. Drives lark's LALR parser token by token: on an error it records a diagnostic built from the
tokens the parser would have accepted (translated by `dsl.messages`, never lark's names), skips to
the next statement keyword (`rule`, `let`, `tiers`), pops the parser back to a state that takes it,
and goes on, so that one pass reports all syntax errors of a file.

rules-language §8: the first keyword of the text decides its keyword language (`detect_language`);
the messages come in the caller's language, which is chosen separately.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, TypeGuard

from lark import Token
from lark.exceptions import UnexpectedToken
from lark.parsers.lalr_interactive_parser import InteractiveParser
from lark.parsers.lalr_parser_state import ParserState

from dsl.catalog import Phrase, Wording, phrase
from dsl.diagnostics import Diagnostic, Span
from dsl.grammar import parser_for
from dsl.keywords import ENGLISH, KEYWORD_SETS, STATEMENT_STARTS, KeywordSet
from dsl.limits import size_problem, token_problem, tree_problems
from dsl.messages import FULL_WIDTH, expected_words
from dsl.nodes import (
    AlertEffect,
    Expr,
    ExpressionSource,
    FormDecl,
    Header,
    Let,
    Rule,
    Ruleset,
    Table,
    TableRow,
    TierRow,
    Tiers,
)
from dsl.transform import token_span

_VALUE_TOKENS = frozenset(
    {"NAME", "NUMBER", "STRING", "TRUE", "FALSE", "RPAR", "RSQB", "IS_MISSING", "IS_PRESENT"}
)
_COMPARISONS = frozenset({"EQ", "NE", "LT", "LE", "GT", "GE"})
_OPENERS = {"RULE": "rule", "LET": "let", "RULESET": "ruleset", "FORM": "form", "TABLE": "table"}
_CLAUSES = frozenset({"WHEN", "EQUAL", "ADD", "SUBTRACT", "ON", "ARROW"})


def end_of_text(text: str) -> Span:
    """Where an end-of-input error points: just after the last character written."""
    body = text.rstrip()
    line = body.count("\n") + 1
    column = len(body) - (body.rfind("\n") + 1) + 1
    return Span.point("", line, column)


# Words, strings and comments, in the order written: enough to find the first keyword.
_WORDS = re.compile(r'"(?:[^"\\\n]|\\.)*"?|#[^\n]*|[^\W\d]\w*')


def detect_language(text: str, default: str = "en") -> str:
    """The keyword language of `text` (`"en"`, `"zh"`): that of its first keyword (§8).

    A word that is a keyword in one language is an ordinary name in the other, so only the first
    keyword counts. A text with no keyword at all reads as `default`.
    """
    for found in _WORDS.finditer(text):
        word = found.group()
        if word[0] in '"#':
            continue
        for language, keywords in KEYWORD_SETS.items():
            if word in keywords.words:
                return language
    return default


def parse_ruleset(text: str, language: str = "en") -> tuple[Ruleset | None, list[Diagnostic]]:
    """The syntax tree of a ruleset file, or None with every syntax error found.

    `language` is the language of the messages; the keywords' is detected from the text.
    """
    too_large = size_problem(text, language)
    if too_large is not None:
        return None, [too_large]
    keywords = KEYWORD_SETS[detect_language(text, language)]
    tree, problems = _Parse(text, "ruleset", keywords, language).run()
    if not isinstance(tree, Ruleset):
        return None, problems
    problems = tree_problems(tree, language)
    if problems:
        return None, problems
    return _canonical_severities(tree, keywords), problems


def parse_expression(
    text: str, language: str = "en"
) -> tuple[ExpressionSource | None, list[Diagnostic]]:
    """The syntax tree of one expression, or None with the syntax error found."""
    too_large = size_problem(text, language)
    if too_large is not None:
        return None, [too_large]
    keywords = KEYWORD_SETS[detect_language(text, language)]
    tree, problems = _Parse(text, "expression", keywords, language).run()
    return (tree if isinstance(tree, ExpressionSource) else None), problems


def _canonical_severities(tree: Ruleset, keywords: KeywordSet) -> Ruleset:
    """Alert severities as the English words (`严重` -> `critical`), so that a Chinese ruleset has
    the same tree and result as its English twin. A word that is not a severity stays as written
    for the checker to report."""
    if keywords is ENGLISH:
        return tree

    def canonical(effect: Any) -> Any:
        if not isinstance(effect, AlertEffect):
            return effect
        word = keywords.severities.get(effect.severity.name)
        if word is None:
            return effect
        return dataclasses.replace(effect, severity=dataclasses.replace(effect.severity, name=word))

    statements = tuple(
        dataclasses.replace(s, effects=tuple(canonical(e) for e in s.effects))
        if isinstance(s, Rule)
        else s
        for s in tree.statements
    )
    return dataclasses.replace(tree, statements=statements)


class _Parse:
    def __init__(self, text: str, start: str, keywords: KeywordSet, language: str = "en") -> None:
        self.text = text
        self.start = start
        self.keywords = keywords
        self.language = language  # of the messages; `keywords` is the text's own
        self.wording = Wording(language, keywords)
        self.interactive: InteractiveParser = parser_for(keywords.language).parse_interactive(
            text, start=start
        )
        self.state: ParserState[Any] = self.interactive.parser_state
        self.problems: list[Diagnostic] = []

    def run(self) -> tuple[Any, list[Diagnostic]]:
        recovering = False
        # lark's interactive parser is not annotated
        for token in self.interactive.lexer_thread.lex(self.state):  # type: ignore[no-untyped-call]
            over_limit = token_problem(token, self.language)
            if over_limit is not None:
                self.problems.append(over_limit)  # dsl.limits; the parse goes on
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
        accepted = self.interactive.accepts()  # type: ignore[no-untyped-call]
        stack = list(self.state.value_stack)
        span = end_of_text(self.text) if token.type == "$END" else token_span(token)
        if token.type == "BAD_CHAR":
            return self._bad_character(token, span)
        if token.type == "BAD_STRING":
            return self._bad_string(token)
        if token.type == "BAD_DATE":
            return self.wording.diagnostic(
                "bad-date", span, hint="subtract-with-spaces", text=token.value
            )
        key = "syntax/expected"
        if token.type == "$END" and self.start == "ruleset":
            key = "syntax/expected-file-ended"
        elif token.type == "$END":
            key = "syntax/expected-expression-ended"
        return self.wording.diagnostic(
            key,
            span,
            hint=self._hint(token, accepted, stack),
            what=expected_words(accepted, self.keywords, self.language),
            where=self._after(stack),
        )

    def _bad_character(self, token: Token, span: Span) -> Diagnostic:
        char = str(token.value)
        hint = None
        if char in FULL_WIDTH:
            hint = phrase("full-width", ascii=FULL_WIDTH[char], char=char)
        elif char == "'":
            hint = phrase("single-quote")
        elif char == "!":
            hint = phrase("bang", not_=self.keywords.spelling("NOT"))
        return self.wording.diagnostic("syntax/unexpected-character", span, hint=hint, char=char)

    def _bad_string(self, token: Token) -> Diagnostic:
        raw = str(token.value)
        line, column = token.line or 1, token.column or 1
        if len(raw) < 2 or not raw.endswith('"') or (raw.endswith('\\"') and _odd_backslashes(raw)):
            return self.wording.diagnostic(
                "syntax/unclosed-text", token_span(token), hint="unclosed-text-hint"
            )
        bad = re.search(r'\\[^"\\]', raw)
        offset = bad.start() if bad else 0
        escape = bad.group() if bad else "\\"
        return self.wording.diagnostic(
            "bad-escape",
            Span("", line, column + offset, line, column + offset + 2),
            hint="bad-escape-hint",
            escape=escape,
        )

    def _hint(self, token: Token, accepted: set[str], stack: list[Any]) -> Phrase | None:
        value = str(token.value)
        if token.type == "EQUAL" and "EQ" in accepted:
            return phrase("compare-with-equal")
        if token.type == "NAME":
            other = self._other_language_hint(token, accepted)
            if other is not None:
                return other
            lower = value.lower()
            if lower != value and self.keywords.terminal_of(lower) is not None:
                return phrase("lower-case", lower=lower)
            for word, terminal in sorted(self.keywords.words.items(), key=lambda w: -len(w[0])):
                if terminal in accepted and value.startswith(word) and len(value) > len(word):
                    return phrase("space-after", keyword=word, rest=value[len(word) :])
        if (
            "NAME" in accepted
            and token.type not in STATEMENT_STARTS
            and self.keywords.terminal_of(value) == token.type
        ):
            return phrase("keyword-as-name", keyword=value)
        if token.type in _COMPARISONS and any(
            isinstance(item, Token) and item.type in _COMPARISONS for item in stack[-3:]
        ):
            return phrase("chained-comparison", and_=self.keywords.spelling("AND"))
        return None

    def _other_language_hint(self, token: Token, accepted: set[str]) -> Phrase | None:
        """rules-language §8: a keyword of the other language (`then` in a Chinese file, `则` in an
        English one, in any case) is a name here; say which word the file's language writes."""
        value = str(token.value)
        rest = self.text[(token.end_pos or 0) :]
        wanted = {self.keywords.spelling(t) for t in accepted} - {None}
        for other in KEYWORD_SETS.values():
            if other is self.keywords:
                continue
            candidates = [
                (value, other.terminal_of(value)),
                (value, other.terminal_of(value.lower())),
            ]
            for phrase_terminal, words in other.phrases.items():
                following = " ".join(words[1:])
                if value.lower() == words[0] and rest.lower().split()[: len(words) - 1] == list(
                    words[1:]
                ):
                    candidates.insert(0, (f"{value} {following}", phrase_terminal))
            for written, terminal in candidates:
                spelling = self.keywords.spelling(terminal) if terminal else None
                if spelling is not None and spelling in wanted:
                    file_language = "chinese" if self.keywords.language == "zh" else "english"
                    return phrase(
                        "other-language",
                        file_language=phrase(file_language),
                        keyword=spelling,
                        other=written,
                    )
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
            if isinstance(item, (Rule, Let, Table, Tiers, Header, FormDecl)):
                break
        return "", None, -1

    def _after(self, stack: list[Any]) -> Phrase:
        """Where the error stands, a phrase of `dsl.catalog`: "after the condition of rule x"."""
        if not stack:
            return phrase("start-of-file" if self.start == "ruleset" else "start-of-expression")
        top = stack[-1]
        before = stack[-2] if len(stack) > 1 else None
        kind, name, opener = self._context(stack)
        where: Phrase | str = ""
        if kind in ("rule", "let") and name:
            where = phrase("in-statement", kind=kind, name=name)
        if kind == "tiers":
            where = phrase("in-tiers")
        if isinstance(top, Header):
            return phrase("after-header")
        if isinstance(top, FormDecl):
            return phrase("after-statement", kind="form", name=top.form.name)
        if isinstance(top, Rule):
            return phrase("after-statement", kind="rule", name=top.id.name)
        if isinstance(top, Let):
            return phrase("after-statement", kind="let", name=top.name.name)
        if isinstance(top, Table):
            return phrase("after-statement", kind="table", name=top.id.name)
        if isinstance(top, TableRow) and kind == "table" and name:
            return phrase("after-table-row", name=name)
        if kind == "table" and name and _is_token(top, "ARROW"):
            in_table = phrase("in-statement", kind="table", name=name)
            return phrase("after-token-in", token="=>", where=in_table)
        if isinstance(top, (Tiers, TierRow)):
            return phrase("in-tiers-block")
        if _is_token(top, "NAME") and _is_token(before, *_OPENERS):
            return phrase("after-statement", kind=_OPENERS[before.type], name=top.value)
        if _is_token(top, "STRING") and opener == len(stack) - 3:
            return phrase("after-label", kind=kind, name=name)
        if _is_token(top, "NAME") and _is_token(before, "ALERT"):
            return phrase("after-severity", where=where)
        if _is_token(top, "NAME") and (_is_token(before, "TIERS") or isinstance(before, TierRow)):
            return phrase("after-tier", name=top.value)
        if isinstance(top, Expr) or _is_token(top, *_VALUE_TOKENS):
            clause_index = self._clause(stack)
            clause = stack[clause_index] if clause_index >= 0 else None
            if _is_token(clause, "WHEN") and kind == "rule" and name:
                return phrase("after-rule-condition", name=name)
            if _is_token(clause, "WHEN") and kind == "tiers":
                tier = getattr(stack[clause_index - 1], "value", "")
                if not tier:
                    return phrase("after-a-tier-condition")
                return phrase("after-tier-condition", name=tier)
            if _is_token(clause, "EQUAL") and kind == "let" and name:
                return phrase("after-let-value", name=name)
            if _is_token(clause, "ADD", "SUBTRACT") and name:
                return phrase("after-rule-points", name=name)
            if _is_token(clause, "ON") and kind == "table" and name:
                if clause_index + 2 < len(stack):  # past the subject: a row's pattern
                    return phrase("after-row-pattern", name=name)
                return phrase("after-table-subject", name=name)
            if _is_token(clause, "ARROW") and kind == "table" and name:
                return phrase("after-row-points", name=name)
            if isinstance(top, Token):
                return self._after_token(str(top.value), where)
            return phrase("after-expression", where=where)
        if isinstance(top, Token):
            if top.type == "STRING":
                return phrase("after-text", where=where)
            return self._after_token(str(top.value), where)
        return phrase("here", where=where)

    def _after_token(self, token: str, where: Phrase | str) -> Phrase:
        if where:
            return phrase("after-token-in", token=token, where=where)
        return phrase("after-token", token=token)

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


def _is_token(item: Any, *types: str) -> TypeGuard[Token]:
    return isinstance(item, Token) and item.type in types


def _odd_backslashes(raw: str) -> bool:
    count = len(raw) - 1 - len(raw[:-1].rstrip("\\"))
    return count % 2 == 1
