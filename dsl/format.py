"""The canonical layout of a rules file (`riskdesk fmt`). Pure: text in, text out.

The layout: the header and `form` on the first lines, then every statement in source order, each
after one blank line; a rule's `when` and `then` on their own indented lines, table rows and tier
rows indented. Expressions are printed from the syntax tree with one space around operators and
exactly the parentheses written (the tree keeps them as `Group`), so the tree of the result equals
the tree of the input. Literals that may be spelled several ways (`1_000_000`, `90%`, `5000 万 CNY`,
dates) are kept as written; strings are re-escaped. Keywords are written in the file's own keyword
language (rules-language §8).

Comments are not in the tree, so they are recovered from the text by position: a comment after code
on its line stays at the end of the output line holding that code; a comment on a line of its own
goes above the output line it was written inside of, or else above the next one.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from dsl.api import RulesError, check_ruleset
from dsl.diagnostics import Span
from dsl.grammar import parser_for
from dsl.keywords import KEYWORD_SETS, KeywordSet
from dsl.nodes import (
    AlertEffect,
    Arithmetic,
    Attribute,
    Between,
    Boolean,
    Call,
    Compare,
    Conditional,
    Date,
    Duration,
    Effect,
    EventQuery,
    Expr,
    FlagEffect,
    Group,
    Let,
    Logic,
    Membership,
    Money,
    Name,
    Negative,
    Not,
    Number,
    Pattern,
    Points,
    Presence,
    Rule,
    Ruleset,
    Table,
    Text,
    TierFloor,
    Tiers,
)
from dsl.parse import detect_language, parse_ruleset

INDENT = "  "
_COMMENT = re.compile(r"#[^\n]*")
_SPACES = re.compile(r"\s+")
_SIGN_SPACE = re.compile(r"-\s+")


def format_ruleset(source: str, *, filename: str, language: str = "en") -> str:
    """`source` in the canonical layout (see the module docstring), ending with one newline.

    Returns the formatted text; formatting it again gives the same text. Raises `RulesError`
    with every error (in `language`, `"en"` or `"zh"`) when the file has any error that the
    checker finds without a form: a file with errors is never rewritten.
    """
    diagnostics = check_ruleset(source, filename=filename, language=language)
    if any(d.is_error for d in diagnostics):
        raise RulesError(diagnostics)
    tree, _ = parse_ruleset(source, language)
    if tree is None:  # pragma: no cover - check_ruleset reported the syntax errors above
        raise RulesError(diagnostics)
    keywords = KEYWORD_SETS[detect_language(source, language)]
    return _Formatter(source, tree, keywords).run()


# ---- where things are in the source ----------------------------------------------------------


class _Source:
    """The text, its tokens' offsets and its comments, for finding things by position."""

    def __init__(self, text: str, keywords: KeywordSet) -> None:
        self.text = text
        self.line_starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]
        tokens = [
            (t.start_pos or 0, t.end_pos or 0) for t in parser_for(keywords.language).lex(text)
        ]
        self.token_starts = [start for start, _ in tokens]
        self.token_ends = [end for _, end in tokens]
        self.comments: list[_Comment] = []
        previous_end = 0
        for start, end in [*tokens, (len(text), len(text))]:
            gap = text[previous_end:start]
            for found in _COMMENT.finditer(gap):
                at = previous_end + found.start()
                trailing = previous_end > 0 and "\n" not in text[previous_end:at]
                self.comments.append(_Comment(at, found.group().rstrip(), trailing))
            previous_end = end

    def offset(self, line: int, column: int) -> int:
        return self.line_starts[line - 1] + column - 1

    def start(self, span: Span) -> int:
        return self.offset(span.line, span.column)

    def end(self, span: Span) -> int:
        return self.offset(span.end_line, span.end_column)

    def token_before(self, position: int) -> int:
        """The start of the last token that starts before `position`."""
        return self.token_starts[bisect_left(self.token_starts, position) - 1]

    def code_end_before(self, position: int) -> int:
        """The end of the last token that starts before `position`."""
        index = bisect_left(self.token_starts, position) - 1
        return self.token_ends[index] if index >= 0 else 0

    def literal(self, span: Span) -> str:
        """A literal as written (`1_000_000`, `- 2.5 million USD`), with single spaces."""
        written = _COMMENT.sub(" ", self.text[self.start(span) : self.end(span)])
        return _SIGN_SPACE.sub("-", _SPACES.sub(" ", written).strip())


@dataclass(slots=True)
class _Comment:
    position: int
    text: str
    trailing: bool  # written after code on its line


@dataclass(slots=True)
class _Line:
    """One output line: where its code starts in the source, its indent, text and comments."""

    start: int
    indent: str
    text: str
    end: int = 0  # where its code ends in the source (set once all lines are known)
    leading: list[str] = field(default_factory=list)
    trailing: list[str] = field(default_factory=list)
    blank_before: bool = False


# ---- the layout --------------------------------------------------------------------------------


class _Formatter:
    def __init__(self, text: str, tree: Ruleset, keywords: KeywordSet) -> None:
        self.source = _Source(text, keywords)
        self.tree = tree
        self.keywords = keywords
        self.expr = _ExpressionPrinter(self.source, keywords)
        self.lines: list[_Line] = []

    def word(self, *terminals: str) -> str:
        """How the file's language spells the first of `terminals` it has a word for."""
        for terminal in terminals:
            spelled = self.keywords.spelling(terminal)
            if spelled is not None:
                return spelled
        raise KeyError(terminals)  # pragma: no cover - every terminal has an English word

    def label(self, label: str | None) -> str:
        return "" if label is None else " " + quote(label)

    def add(self, start: int, text: str, *, indent: str = "", blank_before: bool = False) -> None:
        self.lines.append(_Line(start, indent, text, blank_before=blank_before))

    def run(self) -> str:
        tree, source = self.tree, self.source
        header = tree.header
        self.add(
            source.start(header.span),
            f"{self.word('RULESET')} {header.id.name}{self.label(header.label)}",
        )
        if tree.form is not None:
            self.add(source.start(tree.form.span), f"{self.word('FORM')} {tree.form.form.name}")
        for statement in tree.statements:
            if isinstance(statement, Let):
                self.let(statement)
            elif isinstance(statement, Rule):
                self.rule(statement)
            elif isinstance(statement, Table):
                self.table(statement)
            else:
                self.tiers(statement)
        self.place_comments()
        return self.render()

    # ---- statements ----

    def let(self, let: Let) -> None:
        text = f"{self.word('LET')} {let.name.name} = {self.expr.show(let.value)}"
        self.add(self.source.start(let.span), text, blank_before=True)

    def rule(self, rule: Rule) -> None:
        source = self.source
        head = f"{self.word('RULE')} {rule.id.name}{self.label(rule.label)}"
        self.add(source.start(rule.span), head, blank_before=True)
        condition_start = source.start(rule.condition.span)
        self.add(
            source.token_before(condition_start),
            f"{self.word('WHEN')} {self.expr.show(rule.condition)}",
            indent=INDENT,
        )
        effects = ", ".join(self.effect(e) for e in rule.effects)
        self.add(
            source.token_before(source.start(rule.effects[0].span)),
            f"{self.word('THEN')} {effects}",
            indent=INDENT,
        )

    def effect(self, effect: Effect) -> str:
        if isinstance(effect, Points):
            verb = self.word("ADD") if effect.sign > 0 else self.word("SUBTRACT")
            return f"{verb} {self.expr.show(effect.value)}"
        if isinstance(effect, AlertEffect):
            severity = self.keywords.severity_word(effect.severity.name)
            message = self.source.text[
                self.source.start(effect.message.span) : self.source.end(effect.message.span)
            ]
            return f"{self.word('ALERT')} {severity} {message}"
        if isinstance(effect, FlagEffect):
            return f"{self.word('FLAG')} {effect.name.name}"
        assert isinstance(effect, TierFloor)
        return f"{self.word('TIER_AT_LEAST')} {effect.tier.name}"

    def table(self, table: Table) -> None:
        head = (
            f"{self.word('TABLE')} {table.id.name}{self.label(table.label)} "
            f"{self.word('ON')} {self.expr.show(table.subject)}"
        )
        self.add(self.source.start(table.span), head, blank_before=True)
        for row in table.rows:
            text = f"{self.pattern(row.pattern)} => {self.expr.show(row.points)}"
            self.add(self.source.start(row.span), text, indent=INDENT)

    def pattern(self, pattern: Pattern) -> str:
        values = [self.expr.show(v) for v in pattern.values]
        if pattern.kind == "values":
            return ", ".join(values)
        if pattern.kind == "compare":
            return f"{pattern.operator} {values[0]}"
        if pattern.kind == "range":
            return f"{values[0]} {self.word('TO')} {values[1]}"
        if pattern.kind == "missing":
            return self.word("MISSING")
        return self.word("ELSE")

    def tiers(self, tiers: Tiers) -> None:
        self.add(self.source.start(tiers.keyword_span), self.word("TIERS"), blank_before=True)
        for row in tiers.rows:
            if row.condition is None:
                text = f"{row.name.name} {self.word('OTHERWISE')}"
            else:
                text = f"{row.name.name} {self.word('WHEN')} {self.expr.show(row.condition)}"
            self.add(self.source.start(row.span), text, indent=INDENT)

    # ---- comments ----

    def place_comments(self) -> None:
        """Give each comment of the source to an output line (see the module docstring)."""
        lines, source = self.lines, self.source
        starts = [line.start for line in lines]
        for index, line in enumerate(lines):
            following = starts[index + 1] if index + 1 < len(lines) else len(source.text) + 1
            line.end = source.code_end_before(following)
        self.after: list[str] = []
        for comment in source.comments:
            index = bisect_right(starts, comment.position) - 1
            if comment.trailing and index >= 0:
                lines[index].trailing.append(comment.text)
            elif index >= 0 and comment.position < lines[index].end:
                lines[index].leading.append(comment.text)
            elif index + 1 < len(lines):
                lines[index + 1].leading.append(comment.text)
            else:
                self.after.append(comment.text)

    def render(self) -> str:
        out: list[str] = []
        for line in self.lines:
            if line.blank_before:
                out.append("")
            out.extend(line.indent + comment for comment in line.leading)
            text = line.indent + line.text
            if line.trailing:
                text += "  " + " ".join(line.trailing)
            out.append(text)
        if self.after:
            out.append("")
            out.extend(self.after)
        return "\n".join(out) + "\n"


def quote(value: str) -> str:
    """A string literal for `value`: `\\` and `"` escaped, the only escapes of §1."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ---- expressions -------------------------------------------------------------------------------


class _ExpressionPrinter:
    """Prints an expression tree. Recursion follows nesting, never chain length: nesting is
    limited to 64 levels by the checker, which has passed before anything is printed."""

    def __init__(self, source: _Source, keywords: KeywordSet) -> None:
        self.source = source
        self.keywords = keywords
        self.visitors: dict[type, Callable[[Expr], Iterator[str]]] = {
            Number: self.visit_literal,
            Duration: self.visit_literal,
            Money: self.visit_literal,
            Date: self.visit_literal,
            Text: self.visit_Text,
            Boolean: self.visit_Boolean,
            Name: self.visit_Name,
            Attribute: self.visit_Attribute,
            Call: self.visit_Call,
            EventQuery: self.visit_EventQuery,
            Negative: self.visit_Negative,
            Arithmetic: self.visit_Arithmetic,
            Compare: self.visit_Compare,
            Between: self.visit_Between,
            Membership: self.visit_Membership,
            Presence: self.visit_Presence,
            Not: self.visit_Not,
            Logic: self.visit_Logic,
            Conditional: self.visit_Conditional,
            Group: self.visit_Group,
        }

    def word(self, *terminals: str) -> str:
        for terminal in terminals:
            spelled = self.keywords.spelling(terminal)
            if spelled is not None:
                return spelled
        raise KeyError(terminals)  # pragma: no cover

    def show(self, node: Expr) -> str:
        return "".join(self.parts(node))

    def parts(self, node: Expr) -> Iterator[str]:
        return self.visitors[type(node)](node)

    def visit_literal(self, node: Expr) -> Iterator[str]:
        yield self.source.literal(node.span)

    def visit_Text(self, node: Expr) -> Iterator[str]:
        assert isinstance(node, Text)
        yield quote(node.value)

    def visit_Boolean(self, node: Expr) -> Iterator[str]:
        assert isinstance(node, Boolean)
        yield self.word("TRUE" if node.value else "FALSE")

    def visit_Name(self, node: Expr) -> Iterator[str]:
        assert isinstance(node, Name)
        yield node.name

    def visit_Attribute(self, node: Expr) -> Iterator[str]:
        assert isinstance(node, Attribute)
        yield from self.parts(node.base)
        yield "." + node.field

    def visit_Call(self, node: Expr) -> Iterator[str]:
        assert isinstance(node, Call)
        yield node.function + "("
        yield from self.joined(node.args, ", ")
        yield ")"

    def visit_EventQuery(self, node: Expr) -> Iterator[str]:
        assert isinstance(node, EventQuery)
        yield from self.parts(node.target)
        yield f" {self.word('WITHIN')} "
        yield from self.parts(node.within)
        if node.where is not None:
            yield f" {self.word('WHERE')} "
            yield from self.parts(node.where)

    def visit_Negative(self, node: Expr) -> Iterator[str]:
        assert isinstance(node, Negative)
        yield "-"
        yield from self.parts(node.operand)

    def visit_Arithmetic(self, node: Expr) -> Iterator[str]:
        assert isinstance(node, Arithmetic)
        yield from self.parts(node.operands[0])
        for operator, operand in zip(node.operators, node.operands[1:], strict=True):
            yield f" {operator} "
            yield from self.parts(operand)

    def visit_Compare(self, node: Expr) -> Iterator[str]:
        assert isinstance(node, Compare)
        yield from self.parts(node.left)
        yield f" {node.operator} "
        yield from self.parts(node.right)

    def visit_Between(self, node: Expr) -> Iterator[str]:
        assert isinstance(node, Between)
        yield from self.parts(node.subject)
        yield f" {self.word('BETWEEN')} "
        yield from self.parts(node.low)
        yield f" {self.word('BETWEEN_AND', 'AND')} "
        yield from self.parts(node.high)

    def visit_Membership(self, node: Expr) -> Iterator[str]:
        assert isinstance(node, Membership)
        yield from self.parts(node.subject)
        yield f" {self.word('NOT_IN' if node.negated else 'IN')} ["
        yield from self.joined(node.items, ", ")
        yield "]"

    def visit_Presence(self, node: Expr) -> Iterator[str]:
        assert isinstance(node, Presence)
        yield from self.parts(node.subject)
        yield " " + self.word("IS_MISSING" if node.missing else "IS_PRESENT")

    def visit_Not(self, node: Expr) -> Iterator[str]:
        assert isinstance(node, Not)
        yield self.word("NOT") + " "
        yield from self.parts(node.operand)

    def visit_Logic(self, node: Expr) -> Iterator[str]:
        assert isinstance(node, Logic)
        yield from self.joined(node.operands, f" {self.word(node.operator.upper())} ")

    def visit_Conditional(self, node: Expr) -> Iterator[str]:
        assert isinstance(node, Conditional)
        yield self.word("IF") + " "
        yield from self.parts(node.condition)
        yield f" {self.word('THEN')} "
        yield from self.parts(node.then)
        yield f" {self.word('ELSE_OR_OTHERWISE', 'ELSE')} "
        yield from self.parts(node.otherwise)

    def visit_Group(self, node: Expr) -> Iterator[str]:
        assert isinstance(node, Group)
        yield "("
        yield from self.parts(node.inner)
        yield ")"

    def joined(self, items: tuple[Expr, ...], separator: str) -> Iterator[str]:
        for index, item in enumerate(items):
            if index:
                yield separator
            yield from self.parts(item)
