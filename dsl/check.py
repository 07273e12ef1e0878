"""Checking a parsed ruleset or expression before it may compile (rules-language §2, §5).

Pure: no I/O, no clock. Collects every problem (errors and warnings) and returns them with what the
code generator needs: the type of every expression node and the fields read. Structural rules
(duplicate ids, let order and cycles, the tiers block, nesting depth) are checked with or without
a schema; names and types of fields only with one.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dsl.catalog import ENGLISH_WORDING, Phrase, Wording, phrase
from dsl.diagnostics import Diagnostic, Span
from dsl.names import children as sub_expressions
from dsl.names import deepest, is_valid_name, walk
from dsl.nodes import (
    AlertEffect,
    Compare,
    Expr,
    ExpressionSource,
    FlagEffect,
    Group,
    Ident,
    Let,
    Name,
    Number,
    Placeholder,
    Points,
    Rule,
    Ruleset,
    Table,
    TierFloor,
    TierRow,
    Tiers,
)
from dsl.ranges import EVERYTHING, Interval, conjuncts, constraint, declared
from dsl.schema import Schema, ValueType
from dsl.spelling import closest
from dsl.tables import check_table, range_phrase
from dsl.typecheck import ExpressionChecker, Scope

MAX_NESTING = 64  # CPython's parser refuses ~200 nested parentheses in the generated code
SEVERITIES = ("info", "warning", "critical")
_CURRENCY_LIKE = re.compile(r"[A-Z]{3}\Z")


@dataclass(frozen=True, slots=True)
class Analysis:
    """What checking found: the diagnostics, and for the code generator the node types."""

    diagnostics: tuple[Diagnostic, ...]
    types: Mapping[int, ValueType]
    fields_read: tuple[tuple[str, ...], ...]
    tiers: tuple[str, ...]
    # for the code generator and explanations (see `ExpressionChecker`)
    conversions: Mapping[int, str] = field(default_factory=dict)
    event_refs: Mapping[int, tuple[str, str]] = field(default_factory=dict)
    event_calls: Mapping[int, Any] = field(default_factory=dict)
    reads: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    # the fields whose freshness `updated()` or `source()` reads
    freshness_read: frozenset[str] = frozenset()

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)


def _analysis(
    checker: ExpressionChecker, diagnostics: tuple[Diagnostic, ...], tiers: tuple[str, ...]
) -> Analysis:
    return Analysis(
        diagnostics,
        checker.types,
        tuple(checker.fields_read),
        tiers,
        checker.conversions,
        checker.event_refs,
        checker.event_calls,
        checker.reads,
        frozenset(checker.freshness_read),
    )


def check_expression_tree(
    tree: ExpressionSource,
    schema: Schema | None,
    expect: ValueType | None,
    events: Mapping[str, Schema] | None = None,
    *,
    wording: Wording = ENGLISH_WORDING,
) -> Analysis:
    """Check one stand-alone expression (a guard or a parameter): names, types, depth.

    `wording` is the language of the messages and the keywords of the text (`dsl.catalog`)."""
    checker = ExpressionChecker(schema, events=events, wording=wording)
    if _depth_ok(tree.expr, checker):
        scope = Scope(lets={})
        if expect is ValueType.BOOLEAN:
            checker.expect_condition(tree.expr, scope, phrase("this-condition"))
        elif expect in (ValueType.NUMBER, ValueType.MONEY):
            checker.expect_number(tree.expr, scope, phrase("this-value"))
        else:
            found = checker.check(tree.expr, scope)
            if expect is not None and found not in (expect, ValueType.ANY):
                checker.report("type-mismatch/expected", tree.expr.span, type=expect, type2=found)
    return _analysis(checker, tuple(checker.diagnostics), ())


def check_ruleset_tree(
    tree: Ruleset,
    schema: Schema | None,
    end: Span,
    events: Mapping[str, Schema] | None = None,
    *,
    wording: Wording = ENGLISH_WORDING,
) -> Analysis:
    """Check a whole ruleset; `end` is where a missing tiers block is reported.

    `wording` is the language of the messages and the keywords of the text (`dsl.catalog`)."""
    return _RulesetCheck(tree, schema, end, events, wording).run()


def _depth_ok(expr: Expr, checker: ExpressionChecker) -> bool:
    if expr.depth - 1 <= MAX_NESTING:
        return True
    checker.report("too-deep", deepest(expr, MAX_NESTING).span, count=MAX_NESTING)
    return False


class _RulesetCheck:
    def __init__(
        self,
        tree: Ruleset,
        schema: Schema | None,
        end: Span,
        events: Mapping[str, Schema] | None,
        wording: Wording = ENGLISH_WORDING,
    ) -> None:
        self.tree = tree
        self.schema = schema
        self.end = end
        self.wording = wording
        self.checker = ExpressionChecker(schema, cycles=self._uses, events=events, wording=wording)
        self.extra: list[Diagnostic] = []
        self.lets = [s for s in tree.statements if isinstance(s, Let)]
        self.rules = [s for s in tree.statements if isinstance(s, Rule)]
        self.tables = [s for s in tree.statements if isinstance(s, Table)]
        self.item_ids = frozenset(
            s.id.name for s in tree.statements if isinstance(s, (Rule, Table))
        )
        self.let_types: dict[str, ValueType] = {}
        self.let_refs = {
            let.name.name: {n.name for n in walk(let.value) if isinstance(n, Name)}
            for let in self.lets
        }

    def add(
        self,
        key: str,
        span: Span,
        /,
        *,
        hint: str | Phrase | None = None,
        suggestion: str | None = None,
        **fields: object,
    ) -> None:
        """Record the diagnostic `key` of `dsl.catalog.DIAGNOSTICS` (an error or a warning)."""
        self.extra.append(
            self.wording.diagnostic(key, span, hint=hint, suggestion=suggestion, **fields)
        )

    def run(self) -> Analysis:
        self._check_names()
        self._check_lets()
        tiers = self._check_tiers_block()
        for statement in self.tree.statements:
            if isinstance(statement, Rule):
                self._check_rule(statement, tiers)
            elif isinstance(statement, Table):
                check_table(
                    statement,
                    self.checker,
                    self._rule_scope(),
                    lambda e: _depth_ok(e, self.checker),  # type: ignore[arg-type]
                    self.extra,
                )
        for let in self.lets:
            if let.name.name not in self.checker.lets_used and is_valid_name(let.name.name):
                self.add("unused-let", let.name.span, name=let.name.name)
        diagnostics = sorted(
            [*self.checker.diagnostics, *self.extra],
            key=lambda d: (d.span.line, d.span.column) if d.span else (0, 0),
        )
        return _analysis(self.checker, tuple(diagnostics), tiers)

    # ---- ids ----

    def _check_name(self, ident: Ident) -> bool:
        if not is_valid_name(ident.name):
            self.add("bad-name", ident.span, name=ident.name)
            return False
        return True

    def _check_names(self) -> None:
        self._check_name(self.tree.header.id)
        if self.tree.form is not None:
            self._check_name(self.tree.form.form)
        seen: dict[str, Ident] = {}
        for statement in self.tree.statements:
            if isinstance(statement, Tiers):
                continue
            ident = statement.name if isinstance(statement, Let) else statement.id
            if not self._check_name(ident):
                continue
            name = ident.name
            if name == "score":
                self.add("reserved-id", ident.span)
            elif name in seen:
                self.add("duplicate-id", ident.span, name=name, line=seen[name].span.line)
            elif self.schema is not None and name in self.schema:
                self.add("id-is-field", ident.span, name=name)
            seen.setdefault(name, ident)

    # ---- lets ----

    def _uses(self, current: str, other: str) -> bool:
        """True when let `other` uses `current`, directly or through other lets."""
        stack, seen = [other], set()
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            refs = self.let_refs.get(name, set())
            if current in refs:
                return True
            stack.extend(r for r in refs if r in self.let_refs)
        return False

    def _check_lets(self) -> None:
        names = [let.name.name for let in self.lets]
        rule_ids = self.item_ids
        for index, let in enumerate(self.lets):
            scope = Scope(
                lets=dict(self.let_types),
                later_lets=frozenset(names[index + 1 :]),
                current_let=let.name.name,
                rule_ids=rule_ids,
            )
            found = ValueType.ANY
            if _depth_ok(let.value, self.checker):
                found = self.checker.check(let.value, scope)
            self.let_types.setdefault(let.name.name, found)

    # ---- rules ----

    def _rule_scope(self) -> Scope:
        return Scope(lets=self.let_types, rule_ids=self.item_ids)

    def _check_rule(self, rule: Rule, tiers: tuple[str, ...]) -> None:
        scope = self._rule_scope()
        if _depth_ok(rule.condition, self.checker):
            self.checker.expect_condition(
                rule.condition, scope, phrase("condition-of-rule", name=rule.id.name)
            )
            self._check_can_fire(rule)
        for effect in rule.effects:
            if isinstance(effect, Points):
                if _depth_ok(effect.value, self.checker):
                    word = "add" if effect.sign > 0 else "subtract"
                    self.checker.expect_number(effect.value, scope, phrase("keyword", word=word))
            elif isinstance(effect, AlertEffect):
                self._check_alert(effect, scope)
            elif isinstance(effect, FlagEffect):
                self._check_name(effect.name)
            elif isinstance(effect, TierFloor) and tiers and effect.tier.name not in tiers:
                self.add(
                    "unknown-tier",
                    effect.tier.span,
                    name=effect.tier.name,
                    suggestion=closest(effect.tier.name, tiers),
                )

    def _check_can_fire(self, rule: Rule) -> None:
        """Warn when the conditions on one field exclude each other or its declared range."""
        ranges: dict[tuple[str, ...], Interval] = {}
        for part in conjuncts(rule.condition):
            found = constraint(part)
            if found is None:
                continue
            subject = _unwrap(found[0])
            path = self.checker.reads.get(id(subject))
            info = self.checker.field_info(subject)
            if path is None:
                continue
            start = declared(info.minimum, info.maximum) if info is not None else EVERYTHING
            current = ranges.get(path, start)
            narrowed = current.intersect(found[1])
            if narrowed.is_empty:
                if current == start and info is not None:
                    why = range_phrase(subject, info.minimum, info.maximum)
                else:
                    why = phrase("conditions-exclude", name=".".join(path))
                self.add("never-fires", part.span, name=rule.id.name, why=why)
                return
            ranges[path] = narrowed

    def _check_alert(self, alert: AlertEffect, scope: Scope) -> None:
        severity = alert.severity.name
        if severity not in SEVERITIES:
            suggestion = closest(severity, SEVERITIES)
            self.add(
                "unknown-severity",
                alert.severity.span,
                hint=None if suggestion else "severities",
                suggestion=suggestion,
                name=severity,
            )
        for key, text, span in alert.message.problems:  # found by dsl.transform
            self.add(key, span, name=text)
        for part in alert.message.parts:
            if isinstance(part, Placeholder):
                self._check_placeholder(part, scope)

    def _check_placeholder(self, placeholder: Placeholder, scope: Scope) -> None:
        path = placeholder.path
        shown = ".".join(path)
        if not all(is_valid_name(p) for p in path):
            self.add("bad-name/placeholder", placeholder.span, name=shown)
            return
        if path[0] in scope.lets:
            self.checker.lets_used.add(path[0])
            return
        if path[0] == "score" or path[0] in scope.rule_ids:
            self.add("unknown-placeholder/not-a-value", placeholder.span, name=shown)
            return
        if self.schema is None:
            self.checker.fields_read.setdefault(path, None)
            return
        fields: Mapping[str, object] | None = self.schema
        candidates = [*self.schema, *scope.lets]
        for depth, part in enumerate(path):
            info = fields.get(part) if fields is not None else None
            if info is None and fields is not None:
                suggestion = closest(part, candidates)
                prefix = "".join(f"{p}." for p in path[:depth])
                self.add(
                    "unknown-placeholder",
                    placeholder.span,
                    name=shown,
                    suggestion=f"{{{prefix}{suggestion}}}" if suggestion else None,
                )
                return
            fields = getattr(info, "fields", None)
            candidates = list(fields or ())
        self.checker.fields_read.setdefault(path, None)
        if getattr(info, "type", None) is ValueType.DATE:
            # rules-language §2: a date in a message is written YYYY-MM-DD, whether the record
            # holds it as a date, a datetime or ISO text
            self.checker.conversions[id(placeholder)] = "date"

    # ---- tiers ----

    def _check_tiers_block(self) -> tuple[str, ...]:
        statements = self.tree.statements
        blocks = [(i, s) for i, s in enumerate(statements) if isinstance(s, Tiers)]
        if not blocks:
            self.add("missing-tiers", self.end)
            return ()
        for _, extra in blocks[1:]:
            self.add("duplicate-tiers", extra.keyword_span)
        index, block = blocks[0]
        if index != len(statements) - 1 and len(blocks) == 1:
            self.add("tiers-not-last", block.keyword_span)
        names: dict[str, TierRow] = {}
        scope = Scope(lets=self.let_types, rule_ids=self.item_ids, in_tiers=True)
        otherwise: TierRow | None = None
        for row in block.rows:
            if _CURRENCY_LIKE.match(row.name.name):
                self.add("tier-like-unit", row.name.span, name=row.name.name)
            if self._check_name(row.name):
                if row.name.name in names:
                    line = names[row.name.name].span.line
                    self.add("duplicate-tier", row.name.span, name=row.name.name, line=line)
                names.setdefault(row.name.name, row)
            if otherwise is not None:
                self.add(
                    "unreachable-tier",
                    row.name.span,
                    name=row.name.name,
                    other=otherwise.name.name,
                )
            if row.condition is None:
                otherwise = otherwise or row
            elif _depth_ok(row.condition, self.checker):
                self.checker.expect_condition(
                    row.condition, scope, phrase("condition-of-tier", name=row.name.name)
                )
        if otherwise is None:
            self.add("missing-otherwise", block.keyword_span)
        self._check_shadowing(block)
        return tuple(names)

    def _check_shadowing(self, block: Tiers) -> None:
        """Warn about a row that an earlier row always takes first (§5), naming the first such
        row. Near-linear in the number of rows: identical conditions are found by hashing and a
        `score` bound implied by an earlier one by bisecting the earlier rows' weakest bounds."""
        seen: dict[tuple[object, ...], TierRow] = {}
        # the rows whose bound is weaker than every bound before them, in order, and their
        # bounds' keys negated (so ascending)
        weakest: list[TierRow] = []
        negated: list[tuple[float, int]] = []
        for row in block.rows:
            if row.condition is None or row.condition.depth - 1 > MAX_NESTING:
                continue
            signature = _signature(row.condition)
            bound = _score_bound(row.condition)
            found = [seen[signature]] if signature in seen else []
            if bound is not None:
                key = _bound_key(bound)
                at = bisect.bisect_left(negated, (-key[0], -key[1]))
                if at < len(weakest):
                    found.append(weakest[at])
                if not negated or (-key[0], -key[1]) > negated[-1]:
                    weakest.append(row)
                    negated.append((-key[0], -key[1]))
            if found:
                previous = min(found, key=lambda r: r.name.span.line * 10**6 + r.name.span.column)
                self.add(
                    "shadowed-tier", row.name.span, name=row.name.name, other=previous.name.name
                )
            seen.setdefault(signature, row)


def _signature(expr: Expr) -> tuple[object, ...]:
    """The structure of an expression without positions, to find identical conditions."""
    parts: list[object] = []
    for node in walk(expr):
        if isinstance(node, Group):
            continue
        scalars = tuple(
            getattr(node, name)
            for name in ("value", "name", "operator", "field", "negated", "missing")
            if hasattr(node, name)
        )
        parts.append((type(node).__name__, scalars, len(sub_expressions(node))))
    return tuple(parts)


def _unwrap(expr: Expr) -> Expr:
    while isinstance(expr, Group):
        expr = expr.inner
    return expr


def _score_bound(expr: Expr) -> tuple[str, float] | None:
    """`score >= 60` -> (">=", 60); None when the condition is not a lower bound on score."""
    expr = _unwrap(expr)
    if not isinstance(expr, Compare):
        return None
    left, right = _unwrap(expr.left), _unwrap(expr.right)
    flipped = {"<=": ">=", "<": ">"}
    if _is_score(left) and isinstance(right, Number) and expr.operator in (">=", ">"):
        return expr.operator, right.value
    if _is_score(right) and isinstance(left, Number) and expr.operator in flipped:
        return flipped[expr.operator], left.value
    return None


def _is_score(expr: Expr) -> bool:
    return isinstance(expr, Name) and expr.name == "score"


def _bound_key(bound: tuple[str, float]) -> tuple[float, int]:
    """A `score` lower bound as a key that grows with its strength: a row whose key is at least
    an earlier row's is implied by it (`score > 60` by `score >= 60`, `score >= 70` by both)."""
    operator, value = bound
    return value, 1 if operator == ">" else 0
