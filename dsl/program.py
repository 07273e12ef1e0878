"""The evaluation function of a whole checked ruleset, and the static facts its result needs.

Pure. One flat Python function per ruleset (rules-language appendix), which is
`CompiledRuleset.evaluate` itself: the lets, then every rule and table in source order, then the
tiers; a fast path of plain operators in one `try`, and a missing-aware copy that the record is
re-run through when the fast one raises. It collects what hand-written code would (the score and
the ids of what fired) and returns the `Result` made in one call (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dsl.codegen import Expressions, literal
from dsl.diagnostics import Span
from dsl.lookup import Row, TableLookup
from dsl.names import children
from dsl.nodes import (
    AlertEffect,
    Boolean,
    Date,
    Expr,
    FlagEffect,
    Group,
    Money,
    Negative,
    Number,
    Pattern,
    Placeholder,
    Points,
    Rule,
    Table,
    Text,
    TierFloor,
    Tiers,
)
from dsl.schema import ValueType


@dataclass(frozen=True, slots=True)
class InputRef:
    """A field or let a condition (or table subject) reads, shown in the explanation."""

    name: str  # "utilisation", "address.country"
    let_index: int | None  # the let's position, or None for a field
    path: tuple[str, ...]
    conversion: str | None  # "money" | "date" | None


@dataclass(frozen=True, slots=True)
class ItemInfo:
    """What the result needs to know of a rule or table without running it."""

    id: str
    label: str | None
    kind: str  # "rule" | "table"
    points: int | float | None  # a rule's constant points; None when computed or a table
    flags: tuple[str, ...]
    rows: tuple[str, ...]  # a table's row patterns as written ("else" for the last)
    inputs: tuple[InputRef, ...]


@dataclass(frozen=True, slots=True)
class AlertInfo:
    severity: str
    rule: str


@dataclass(frozen=True, slots=True)
class Program:
    """Generated source plus the static facts the result is built from."""

    source: str
    items: tuple[ItemInfo, ...]
    alerts: tuple[AlertInfo, ...]
    tiers: tuple[str, ...]
    tier_conditions: tuple[str, ...]  # each tier row's condition as written, or "otherwise"
    lets: tuple[str, ...]
    fields_read: tuple[tuple[str, ...], ...]  # every field the ruleset reads (for `missing`)
    # Top-level fields whose values the result copies deeply (read nested, or of no certain
    # scalar type): see `dsl.result.snapshot`.
    deep_fields: tuple[str, ...] = ()
    deep_lets: frozenset[int] = frozenset()  # lets whose values may be records or lists
    # large tables: each one's lookup and its rows' constant points (None: computed)
    lookups: tuple[tuple[TableLookup, tuple[int | float | None, ...]], ...] = ()


def text_at(source: str, span: Span, lines: list[str] | None = None) -> str:
    """The text a span covers (spans relative to `source`, 1-based, end exclusive); `lines` is
    `source.split("\\n")` when the caller has it (splitting once per span is quadratic)."""
    if lines is None:
        lines = source.split("\n")
    if span.line == span.end_line:
        return lines[span.line - 1][span.column - 1 : span.end_column - 1]
    parts = [lines[span.line - 1][span.column - 1 :]]
    parts += lines[span.line : span.end_line - 1]
    parts.append(lines[span.end_line - 1][: span.end_column - 1])
    return " ".join(p.strip() for p in parts)


def _constant(node: Expr) -> int | float | None:
    while isinstance(node, Group):
        node = node.inner
    return node.value if isinstance(node, Number) else None


def _inputs(root: Expr, analysis: Any, lets: Mapping[str, int]) -> tuple[InputRef, ...]:
    """The fields and lets `root` reads, in source order, each once."""
    found: dict[str, InputRef] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        path = analysis.reads.get(id(node))
        if path is None:
            stack.extend(reversed(children(node)))
            continue
        name = ".".join(path)
        if len(path) == 1 and path[0] in lets and type(node).__name__ == "Name":
            found.setdefault(name, InputRef(name, lets[path[0]], path, None))
        else:
            found.setdefault(name, InputRef(name, None, path, analysis.conversions.get(id(node))))
    return tuple(found.values())


# Up to this many rules and tables, the ids of those that fire are collected in a tuple grown by
# `F += (id,)`, cheaper than appending to a list and making a tuple of it at the end when few
# fire; beyond, the copying would grow with the square of the number that fire.
_TUPLE_OF_FIRED = 50


_TERMS_PER_LINE = 100

# CPython's compiler nests an `elif` chain and overflows its recursion past about 3,000 rows.
_BRANCHES_PER_CHAIN = 100


def first_match(
    guard: str, branches: list[tuple[str, list[str]]], otherwise: list[str] | None
) -> list[str]:
    """`if TEST: BODY` / `elif ...` / `else: OTHERWISE` (`if True:` when there are no tests).

    Longer than `_BRANCHES_PER_CHAIN`, the chain is cut into chains of that length, each after
    the first under `if GUARD < 0:`; every body sets GUARD (a row index) to 0 or more, so the first
    test that holds still decides, and compiling stays flat whatever the number of rows.
    """
    if len(branches) <= _BRANCHES_PER_CHAIN:
        lines: list[str] = []
        for number, (test, body) in enumerate(branches):
            lines.append(f"{'if' if number == 0 else 'elif'} {test}:")
            lines += ["    " + line for line in body]
        if otherwise is not None:
            lines.append("else:" if branches else "if True:")
            lines += ["    " + line for line in otherwise]
        return lines
    lines = [f"{guard} = -1"]
    for start in range(0, len(branches), _BRANCHES_PER_CHAIN):
        chain = first_match(guard, branches[start : start + _BRANCHES_PER_CHAIN], None)
        lines += chain if start == 0 else [f"if {guard} < 0:", *("    " + line for line in chain)]
    if otherwise is not None:
        lines += [f"if {guard} < 0:", *("    " + line for line in otherwise)]
    return lines


class _Body:
    """Writes the statements of `_ruleset` for one path (fast or missing-aware)."""

    def __init__(
        self,
        gen: Expressions,
        fast: bool,
        tier_names: tuple[str, ...],
        *,
        few: bool,
        lookups: Mapping[str, int],
    ) -> None:
        self.gen = gen
        self.lookups = lookups  # table id -> its index in `Program.lookups`
        self.few = few  # whether `F` is a tuple (`_TUPLE_OF_FIRED`)
        self.fast = fast
        self.expr = gen.fast if fast else gen.slow
        self.truth = gen.fast_truth if fast else gen.slow_truth
        self.tier_names = tier_names
        self.lines: list[str] = []
        self.alert_index = 0

    def points(self, node: Expr) -> str:
        value = _constant(node)
        if value is not None:
            return repr(value) if value >= 0 else f"({value!r})"
        return self.gen.fast_number(node) if self.fast else f"_points({self.gen.slow(node)})"

    def points_check(self, indent: str) -> list[str]:
        """Fast path, after computing `P`: points beyond ±`_MAX_POINTS` (an overflow, NaN) raise
        KeyError, and the missing-aware path adds 0 for them (`dsl.runtime.points`)."""
        return [f"{indent}_IN_RANGE[-_MAX_POINTS <= P <= _MAX_POINTS]"] if self.fast else []

    def rule(self, index: int, rule: Rule) -> None:
        lines = self.lines
        if self.fast:
            condition, deferred = self.gen.defer_checks(rule.condition)
            lines.append(f"if {condition}:")
            lines += self.gen.number_checks(deferred - self.gen.checked, indent="    ")
        else:
            lines.append(f"if {self.truth(rule.condition)}:")
        constant: int | float = 0
        dynamic: list[str] = []
        for effect in rule.effects:
            if isinstance(effect, Points):
                value = _constant(effect.value)
                if value is not None:
                    constant += effect.sign * value
                else:
                    dynamic.append(("+ " if effect.sign > 0 else "- ") + self.points(effect.value))
        # The fired list holds ids, as hand-written code would; a rule whose points are computed
        # also appends them to `E`. `Result.fired` builds the `Fired` objects when read.
        if dynamic:
            # statements of at most `_TERMS_PER_LINE` terms: a longer `+` chain nests as deep
            # as it is long in CPython's compiler, which overflows at a few thousand
            lines.append(f"    P = {constant!r} " + " ".join(dynamic[:_TERMS_PER_LINE]))
            for start in range(_TERMS_PER_LINE, len(dynamic), _TERMS_PER_LINE):
                lines.append("    P = P " + " ".join(dynamic[start : start + _TERMS_PER_LINE]))
            lines += self.points_check("    ")
            lines += ["    S += P", "    " + self.fired(rule.id.name), "    E.append(P)"]
        else:
            if constant:
                lines.append(f"    S += {constant!r}")
            lines.append("    " + self.fired(rule.id.name))
        for effect in rule.effects:
            if isinstance(effect, AlertEffect):
                lines.append(f"    A.append(({self.alert_index}, {self.message(effect)}))")
                self.alert_index += 1
            elif isinstance(effect, TierFloor):
                floor = self.tier_names.index(effect.tier.name)
                lines += [f"    if M > {floor}:", f"        M = {floor}", f"        G = {index}"]

    def fired(self, id: str) -> str:
        """The statement adding the id of a rule or table that fired to `F`."""
        return f"F += ({id!r},)" if self.few else f"F.append({id!r})"

    def message(self, alert: AlertEffect) -> str:
        pieces: list[str] = []
        for part in alert.message.parts:
            if isinstance(part, Placeholder):
                head, *rest = part.path
                code = f"L{self.gen.lets[head]}" if head in self.gen.lets else f"_get(R, {head!r})"
                for field in rest:
                    code = f"_member({code}, {field!r})"
                if self.gen.conversions.get(id(part)) == "date":
                    code = f"_date({code})"
                pieces.append(f"_fmt({code})")
            else:
                pieces.append(repr(part))
        if len(pieces) <= 1:
            return pieces[0] if pieces else "''"
        # one flat call, however many placeholders (a `+` chain nests in the compiler)
        return "_join((" + ", ".join(pieces) + ",))"

    def match(self, pattern: Pattern) -> str:
        """The test of one row's pattern on the subject `V` (rules-language §2)."""
        values = [self.expr(v) for v in pattern.values]
        if pattern.kind == "missing":
            return "(V is None)"
        if pattern.kind == "range":
            if self.fast:
                return f"({values[0]} <= V <= {values[1]})"
            return f"_between(V, {values[0]}, {values[1]})"
        if pattern.kind == "compare" and pattern.operator not in ("==", None):
            operator = pattern.operator
            if self.fast and operator != "!=":
                return f"(V {operator} {values[0]})"
            helper = {"!=": "_ne", "<": "_lt", "<=": "_le", ">": "_gt", ">=": "_ge"}[operator]
            return f"{helper}(V, {values[0]})"
        items = "".join(v + ", " for v in values)
        if self.fast and all(literal(v) for v in pattern.values):
            return f"(V in ({items}))"
        return f"_in(V, ({items}))"

    def table(self, table: Table) -> None:
        lines = self.lines
        lines.append(f"V = {self.expr(table.subject)}")
        if table.id.name in self.lookups:
            self.looked_up(table, self.lookups[table.id.name])
            return
        branches: list[tuple[str, list[str]]] = []
        otherwise: list[str] | None = None
        for number, row in enumerate(table.rows):
            body = [f"P = {self.points(row.points)}", f"W = {number}"]
            if _constant(row.points) is None:
                body += self.points_check("")
            if row.pattern.kind == "else":
                otherwise = body
                break
            branches.append((self.match(row.pattern), body))
        lines += first_match("W", branches, otherwise)
        lines += ["S += P", self.fired(table.id.name), "E.append((P, W))"]

    def looked_up(self, table: Table, number: int) -> None:
        """A large table: the row from its `TableLookup` (`I0`), the points from the row's
        constant (`O0`) or, for computed points, the row's own expression."""
        lines = self.lines
        lines += [f"W = I{number}(V)", f"P = O{number}[W]"]
        computed = [
            (f"W == {index}", [f"P = {self.points(row.points)}", *self.points_check(""), "H = 0"])
            for index, row in enumerate(table.rows)
            if _constant(row.points) is None
        ]
        if computed:
            lines.append("if P is None:")
            lines += ["    " + line for line in first_match("H", computed, None)]
        lines += ["S += P", self.fired(table.id.name), "E.append((P, W))"]


# Tables of more rows than this (and only literals in their patterns) are looked up rather than
# tested row by row (rules-language §2; docs/performance.md).
_LOOKUP_ROWS = 16


def _static(node: Expr, base_currency: str | None) -> tuple[bool, Any]:
    """(True, the value) for a literal pattern value known before evaluation."""
    while isinstance(node, Group):
        node = node.inner
    sign = 1
    if isinstance(node, Negative) and isinstance(node.operand, Number):
        node, sign = node.operand, -1
    if isinstance(node, Number):
        return True, sign * node.value
    if sign == 1 and isinstance(node, (Text, Boolean)):
        return True, node.value
    if sign == 1 and isinstance(node, Date) and node.value is not None:
        return True, node.value
    if sign == 1 and isinstance(node, Money) and node.currency == base_currency:
        return True, node.amount
    return False, None


def _lookup(
    table: Table, base_currency: str | None
) -> tuple[TableLookup, tuple[int | float | None, ...]] | None:
    """The lookup of a table of more than `_LOOKUP_ROWS` rows of literals, else None."""
    if len(table.rows) <= _LOOKUP_ROWS:
        return None
    rows: list[Row] = []
    for row in table.rows:
        values = []
        for node in row.pattern.values:
            known, value = _static(node, base_currency)
            if not known:
                return None
            values.append(value)
        rows.append(Row(row.pattern.kind, row.pattern.operator, tuple(values)))
        if row.pattern.kind == "else":
            break
    points = tuple(_constant(row.points) for row in table.rows[: len(rows)])
    return TableLookup(tuple(rows)), points


def ruleset_program(
    source: str,
    lets: list[tuple[str, Expr]],
    items: list[Rule | Table],
    tiers: Tiers,
    analysis: Any,
    base_currency: str | None,
) -> Program:
    """The evaluation function of a checked ruleset, and its static facts.

    `_ruleset(record, *, events=(), as_of, fx=None)` (`CompiledRuleset.evaluate`) returns
    a `dsl.result.Result` (`Y`) holding the ids of what fired and, for tables and computed
    points, their points and rows (`E`); `dsl.result.Result.fired` makes the `Fired` objects
    from those when read. Besides `dsl.runtime.HELPERS` it needs `Y`, `N` (the tier names),
    `X` (the ruleset's `dsl.result.Facts`), `B` (the base currency), `J`
    (`dsl.result.snapshot`) and `Q` (`Program.lookups`), which `dsl.api` supplies.
    """
    let_index = {name: index for index, (name, _) in enumerate(lets)}
    gen = Expressions(analysis, let_index, base_currency)
    tier_names = tuple(row.name.name for row in tiers.rows)
    has_floors = any(
        isinstance(effect, TierFloor)
        for item in items
        if isinstance(item, Rule)
        for effect in item.effects
    )
    has_alerts = any(
        isinstance(effect, AlertEffect)
        for item in items
        if isinstance(item, Rule)
        for effect in item.effects
    )
    few = len(items) <= _TUPLE_OF_FIRED
    # Tables and rules with computed points record their points (and row) in `E` as they fire.
    has_extras = any(
        isinstance(item, Table)
        or any(_constant(e.value) is None for e in item.effects if isinstance(e, Points))
        for item in items
    )
    # The score is an int when every point is a whole constant: no need to normalise it.
    whole = all(
        isinstance(item, Rule)
        and all(isinstance(_constant(e.value), int) for e in item.effects if isinstance(e, Points))
        for item in items
    )

    deep_fields, deep_lets = _deep(analysis, let_index, [value for _, value in lets])
    lookups: dict[str, int] = {}
    looked: list[tuple[TableLookup, tuple[int | float | None, ...]]] = []
    for item in items:
        found = _lookup(item, base_currency) if isinstance(item, Table) else None
        if found is not None:
            lookups[item.id.name] = len(looked)
            looked.append(found)

    def body(fast: bool) -> list[str]:
        writer = _Body(gen, fast, tier_names, few=few, lookups=lookups)
        lines = writer.lines
        if fast:
            lines += [f"{local} = R[{name!r}]" for name, local in gen.hoisted.items()]
            lines += gen.number_checks(gen.checked)
        lines += [f"L{index} = {writer.expr(value)}" for index, (_, value) in enumerate(lets)]
        values = "".join(
            f"_freeze(L{index}), " if index in deep_lets else f"L{index}, "
            for index in range(len(lets))
        )
        if lets:
            lines.append(f"Z = ({values})")
        lines += ["S = 0", "F = ()" if few else "F = []"]
        if has_extras:
            lines.append("E = []")
        if has_alerts:
            lines.append("A = []")
        if has_floors:
            lines += [f"M = {len(tier_names) - 1}", "G = -1"]
        for index, item in enumerate(items):
            if isinstance(item, Rule):
                writer.rule(index, item)
            else:
                writer.table(item)
        tier_branches: list[tuple[str, list[str]]] = []
        last: list[str] | None = None
        for index, row in enumerate(tiers.rows):
            if row.condition is None:
                last = [f"T = {index}"]
                break
            tier_branches.append((writer.truth(row.condition), [f"T = {index}"]))
        lines += first_match("T", tier_branches, last)
        held = "T"  # the tier row that held: before a `tier at least` raised T
        if has_floors:
            held = "U"
            lines += ["U = T", "if T > M:", "    T = M", "else:", "    G = -1"]
        score = "S" if whole else "_norm(S)"
        alerts = "A" if has_alerts else "()"
        floor = "G" if has_floors else "-1"
        extras = "E" if has_extras else "()"
        fired = "F" if few else "_tuple(F)"
        values = "Z" if lets else "()"
        # rules-language §7: a Result is a value; it keeps a copy of the record, not the record.
        record = "J(R, X)" if deep_fields else "_dict(R)"
        result = (
            f"{score}, N[T], {fired}, {extras}, {alerts}, {values}, {floor}, {held}, {record}, C, X"
        )
        lines.append(f"return Y(({result}))")
        return lines

    # The fast path reads a field it reads more than once, or uses in arithmetic, into a local:
    # count, then write.
    gen.counting = True
    body(fast=True)
    gen.counting = False
    twice = [name for name, count in gen.reads.items() if count > 1 or name in gen.numeric]
    gen.hoisted = {name: f"V{n}" for n, name in enumerate(twice)}
    fast_lines, slow_lines = body(fast=True), body(fast=False)
    # A ruleset that reads no events, money or rates builds no Context.
    # The signature is `CompiledRuleset.evaluate`'s: it is that method, with no wrapper.
    start = "C = _Context(D, events, fx, B)" if gen.uses_context else "C = None"
    code = "\n".join(
        [
            *gen.constant_lines(),
            *(f"I{n} = Q[{n}][0]\nO{n} = Q[{n}][1]" for n in range(len(looked))),
            "def _ruleset(record, *, events=(), as_of, fx=None):",
            "    R, D = record, as_of",
            "    " + start,
            "    try:",
        ]
        + ["        " + line for line in fast_lines]
        + ["    except _FALLBACK:", "        pass"]
        + ["    " + line for line in slow_lines]
        + [""]
    )
    source_lines = source.split("\n")
    infos = [_item_info(item, analysis, let_index, source, source_lines) for item in items]
    alerts = [
        AlertInfo(effect.severity.name, item.id.name)
        for item in items
        if isinstance(item, Rule)
        for effect in item.effects
        if isinstance(effect, AlertEffect)
    ]
    conditions = tuple(
        text_at(source, row.condition.span, source_lines)
        if row.condition is not None
        else "otherwise"
        for row in tiers.rows
    )
    return Program(
        code,
        tuple(infos),
        tuple(alerts),
        tier_names,
        conditions,
        tuple(n for n, _ in lets),
        tuple(analysis.fields_read),
        deep_fields,
        deep_lets,
        tuple(looked),
    )


_SCALAR_TYPES = frozenset(
    {ValueType.NUMBER, ValueType.TEXT, ValueType.BOOLEAN, ValueType.DATE, ValueType.DURATION}
)


def _deep(
    analysis: Any, lets: Mapping[str, int], values: list[Expr]
) -> tuple[tuple[str, ...], frozenset[int]]:
    """The record fields and lets whose values may be records or lists, which the result must
    copy deeply to stay a value: fields read nested or whose type is not a certain scalar (no
    form, a record field), and lets of such a type. The others are copied by a shallow copy of
    the record, which costs about as much as reading one field."""
    fields = {path[0] for path in analysis.fields_read if len(path) > 1}
    for node_id, path in analysis.reads.items():
        if path[0] not in lets and analysis.types.get(node_id, ValueType.ANY) not in _SCALAR_TYPES:
            fields.add(path[0])
    deep_lets = frozenset(
        index
        for index, value in enumerate(values)
        if analysis.types.get(id(value), ValueType.ANY) not in (*_SCALAR_TYPES, ValueType.MONEY)
    )
    return tuple(sorted(fields)), deep_lets


def _item_info(
    item: Rule | Table,
    analysis: Any,
    lets: Mapping[str, int],
    source: str,
    source_lines: list[str],
) -> ItemInfo:
    if isinstance(item, Table):
        rows = tuple(text_at(source, row.pattern.span, source_lines) for row in item.rows)
        inputs = _inputs(item.subject, analysis, lets)
        return ItemInfo(item.id.name, item.label, "table", None, (), rows, inputs)
    points: int | float | None = 0
    for effect in item.effects:
        if isinstance(effect, Points):
            value = _constant(effect.value)
            points = None if value is None or points is None else points + effect.sign * value
    flags = tuple(e.name.name for e in item.effects if isinstance(e, FlagEffect))
    inputs = _inputs(item.condition, analysis, lets)
    return ItemInfo(item.id.name, item.label, "rule", points, flags, (), inputs)
