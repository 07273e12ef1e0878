"""The public entry points of the rules language: check, compile, evaluate (docs/architecture.md).

Pure: no I/O, no clock. parse (`dsl.parse`) → check (`dsl.check`) → generate Python source
(`dsl.codegen`) → `compile()` once, executed with no builtins and only `dsl.runtime.HELPERS` in
scope.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from dsl.catalog import Wording
from dsl.check import Analysis, check_expression_tree, check_ruleset_tree
from dsl.codegen import expression_source
from dsl.context import Context, RateLookup
from dsl.diagnostics import Diagnostic, DiagnosticsError, Span
from dsl.keywords import KEYWORD_SETS
from dsl.nodes import Let, Rule, Ruleset, Table, Tiers
from dsl.parse import detect_language, end_of_text, parse_expression, parse_ruleset
from dsl.program import Program, ruleset_program
from dsl.result import Facts, Result, snapshot
from dsl.runtime import HELPERS, format_value_zh, normalise
from dsl.schema import Schema, ValueType


class RulesError(DiagnosticsError):
    """A ruleset or expression that cannot compile; `diagnostics` lists every problem.

    `str()` is `FILE:LINE:COLUMN: message` of the first error, and how many more there are.
    """

    def __str__(self) -> str:
        text = super().__str__()
        first = next((d for d in self.diagnostics if d.is_error), None)
        if first is None or first.span is None:
            return text
        span = first.span
        return f"{span.file}:{span.line}:{span.column}: {text}"


@dataclass(frozen=True, slots=True)
class _Origin:
    """Where the parsed text sits in its file (an expression inside YAML starts mid-line)."""

    file: str
    line: int = 1
    column: int = 1

    def place(self, span: Span | None) -> Span | None:
        if span is None:
            return None
        shift = self.column - 1

        def col(line: int, column: int) -> int:
            return column + shift if line == 1 else column

        return Span(
            self.file,
            span.line + self.line - 1,
            col(span.line, span.column),
            span.end_line + self.line - 1,
            col(span.end_line, span.end_column),
        )

    def all(self, diagnostics: Iterable[Diagnostic]) -> tuple[Diagnostic, ...]:
        return tuple(dataclasses.replace(d, span=self.place(d.span)) for d in diagnostics)


# Helpers that differ in a ruleset written in Chinese (rules-language §2: booleans as 是/否).
_LANGUAGE_HELPERS: dict[str, dict[str, Any]] = {"en": {}, "zh": {"_fmt": format_value_zh}}


def _sandbox(
    source: str,
    name: str,
    keyword_language: str = "en",
    names: Mapping[str, Any] | None = None,
) -> Callable[..., Any]:
    # The generated code sees no builtins: only the helpers of dsl.runtime (and `names`).
    namespace: dict[str, Any] = {
        "__builtins__": {},
        **HELPERS,
        **_LANGUAGE_HELPERS[keyword_language],
        **(names or {}),
    }
    exec(compile(source, f"<riskdesk {name}>", "exec"), namespace)
    function: Callable[..., Any] = namespace[f"_{name}"]
    return function


class Evaluate(Protocol):
    """`CompiledRuleset.evaluate`: the ruleset's generated function itself."""

    def __call__(
        self,
        record: Mapping[str, Any],
        *,
        events: Iterable[Any] = (),
        as_of: date,
        fx: RateLookup | None = None,
    ) -> Result: ...


_EVALUATE_DOC = """Score `record` (field name → JSON-native value; absent or None is missing).

`events` are mappings `{kind, occurred_at, payload}` (`occurred_at` an ISO date or date-time
text, or a date/datetime; events after `as_of` are ignored). `fx(currency, as_of)` gives the rate
to the base currency, or None when unknown (the money value is then missing and
`Result.missing_rates` names the currency). Returns a `Result`. Never raises for data
(rules-language §4).
"""


@dataclass(frozen=True, slots=True)
class CompiledRuleset:
    """A checked, compiled ruleset; `evaluate(record, *, events=(), as_of, fx=None)` scores one
    record.

    `evaluate` is the generated function itself, not a method wrapping it: scoring a record is
    one Python call (docs/performance.md). It builds the `Context` (only when the ruleset reads
    events, money or rates) and the `Result` (`dsl.program`).
    """

    id: str
    label: str | None
    form: str | None
    tiers: tuple[str, ...]
    warnings: tuple[Diagnostic, ...]
    checksum: str
    base_currency: str | None  # what money is converted to (rules-language §5)
    source: str = field(repr=False)
    _program: Program = field(repr=False, compare=False)
    evaluate: Evaluate = field(repr=False, compare=False)
    _fields_read: tuple[tuple[str, ...], ...] = field(repr=False, compare=False)
    _event_kinds: frozenset[str] = field(default=frozenset(), repr=False, compare=False)
    _freshness_read: frozenset[str] = field(default=frozenset(), repr=False, compare=False)

    @property
    def python_source(self) -> str:
        """The generated evaluation function, for debugging and review."""
        return self._program.source

    @property
    def rules(self) -> tuple[tuple[str, str | None], ...]:
        """(id, label) of each rule, in source order (tables, which always count, excluded)."""
        return tuple((i.id, i.label) for i in self._program.items if i.kind == "rule")

    @property
    def flags(self) -> tuple[str, ...]:
        """Every flag a rule of the ruleset may set (`flag NAME`), sorted."""
        return tuple(sorted({f for i in self._program.items for f in i.flags}))

    @property
    def names_read(self) -> frozenset[str]:
        """The top-level names of the record (fields, terms) the ruleset reads anywhere."""
        return frozenset(path[0] for path in self._fields_read)

    @property
    def freshness_read(self) -> frozenset[str]:
        """The fields whose freshness `updated()` and `source()` read: a caller whose ruleset
        reads none need not give the record any (`FRESHNESS_KEY`)."""
        return self._freshness_read

    @property
    def event_kinds_read(self) -> frozenset[str]:
        """The kinds of event the ruleset's `count`, `sum`, `min`, `max` and `last` read: events
        of other kinds never change its result."""
        return self._event_kinds


@dataclass(frozen=True, slots=True)
class CompiledExpression:
    """One compiled expression (a workflow guard, an action parameter, a computed field)."""

    source: str
    names: frozenset[str]  # the top-level names it reads
    value_type: ValueType
    base_currency: str | None
    _function: Callable[..., Any] = field(repr=False, compare=False)

    def evaluate(
        self,
        record: Mapping[str, Any],
        *,
        as_of: date | None = None,
        events: Iterable[Any] = (),
        fx: RateLookup | None = None,
    ) -> Any:
        """The value for `record`; None when missing. Never raises for data.

        `as_of` is the date `today()` and the event windows read (without it they are missing);
        `events` and `fx` as for `CompiledRuleset.evaluate`.
        """
        context = Context(as_of=as_of, events=events, fx=fx, base_currency=self.base_currency)
        return normalise(self._function(record, context))


def _analyse(
    source: str,
    schema: Schema | None,
    language: str,
    events: Mapping[str, Schema] | None = None,
) -> tuple[Ruleset | None, Analysis | None, list[Diagnostic]]:
    tree, problems = parse_ruleset(source, language)
    if tree is None:
        return None, None, problems
    wording = Wording(language, KEYWORD_SETS[detect_language(source, language)])
    analysis = check_ruleset_tree(tree, schema, end_of_text(source), events, wording=wording)
    return tree, analysis, list(analysis.diagnostics)


def check_ruleset(
    source: str,
    *,
    filename: str,
    schema: Schema | None = None,
    language: str = "en",
    events: Mapping[str, Schema] | None = None,
) -> tuple[Diagnostic, ...]:
    """Every error and warning of a ruleset, in source order, in `language` (`"en"`, `"zh"`).

    Never raises. The keywords' language is the text's own (rules-language §8). `events` maps
    each event kind to its fields (None: event kinds and fields are not checked).
    """
    _, _, diagnostics = _analyse(source, schema, language, events)
    return _Origin(filename).all(diagnostics)


def compile_ruleset(
    source: str,
    *,
    filename: str,
    schema: Schema | None = None,
    language: str = "en",
    events: Mapping[str, Schema] | None = None,
    base_currency: str | None = None,
) -> CompiledRuleset:
    """Parse, check and compile a ruleset.

    Returns a `CompiledRuleset` whose `warnings` holds the checker's warnings. Raises `RulesError`
    listing every error (and warning) when there is any error, in `language` (`"en"`, `"zh"`; the
    keywords' language is detected from the text, §8). Without a `schema`, names are read from
    the record as they come and only structural errors are reported. `events` maps each event
    kind to its fields (None: not checked). `base_currency` (`"CNY"`) is what money is compared
    in: a number in a money field is already in it, other currencies need `fx` at evaluation.
    """
    origin = _Origin(filename)
    tree, analysis, diagnostics = _analyse(source, schema, language, events)
    located = origin.all(diagnostics)
    if tree is None or analysis is None or analysis.has_errors:
        raise RulesError(located)
    lets = [(s.name.name, s.value) for s in tree.statements if isinstance(s, Let)]
    items = [s for s in tree.statements if isinstance(s, (Rule, Table))]
    tiers = next(s for s in tree.statements if isinstance(s, Tiers))
    program = ruleset_program(source, lets, items, tiers, analysis, base_currency)
    return CompiledRuleset(
        id=tree.header.id.name,
        label=tree.header.label,
        form=tree.form.form.name if tree.form else None,
        tiers=program.tiers,
        warnings=tuple(d for d in located if not d.is_error),
        checksum=hashlib.sha256(source.encode("utf-8")).hexdigest(),
        base_currency=base_currency,
        source=source,
        _program=program,
        evaluate=_evaluate_function(program, base_currency, detect_language(source, language)),
        _fields_read=analysis.fields_read,
        _event_kinds=frozenset(call.kind for call in analysis.event_calls.values()),
        _freshness_read=analysis.freshness_read,
    )


def _evaluate_function(program: Program, base_currency: str | None, language: str) -> Evaluate:
    """The generated function of a ruleset, named and documented as `CompiledRuleset.evaluate`."""
    # Besides the helpers it needs these (dsl.program).
    names = {
        "Y": Result,
        "N": program.tiers,
        "X": Facts(program),
        "B": base_currency,
        "J": snapshot,
        "Q": program.lookups,
    }
    function = _sandbox(program.source, "ruleset", language, names)
    function.__name__ = "evaluate"
    function.__qualname__ = "CompiledRuleset.evaluate"
    function.__doc__ = _EVALUATE_DOC
    return function


def compile_expression(
    source: str,
    *,
    filename: str,
    schema: Schema | None = None,
    line: int = 1,
    column: int = 1,
    expect: ValueType | None = None,
    language: str = "en",
    events: Mapping[str, Schema] | None = None,
    base_currency: str | None = None,
) -> CompiledExpression:
    """Parse, check and compile one expression of the language (rules-language §3, §9).

    `line`/`column` give where `source` starts in `filename`, so diagnostics point into that file.
    `expect` is the kind of value required (`ValueType.BOOLEAN` for a guard, `NUMBER` for a
    parameter). `language` (`"en"`, `"zh"`) is that of the messages; the keywords' is the text's
    own (§8). Returns a `CompiledExpression`; raises `RulesError` listing every error.
    """
    origin = _Origin(filename, line, column)
    tree, problems = parse_expression(source, language)
    if tree is None:
        raise RulesError(origin.all(problems))
    wording = Wording(language, KEYWORD_SETS[detect_language(source, language)])
    analysis = check_expression_tree(tree, schema, expect, events, wording=wording)
    if analysis.has_errors:
        raise RulesError(origin.all(analysis.diagnostics))
    return CompiledExpression(
        source=source,
        names=frozenset(path[0] for path in analysis.fields_read),
        value_type=analysis.types.get(id(tree.expr), ValueType.ANY),
        base_currency=base_currency,
        _function=_sandbox(expression_source(tree.expr, analysis, base_currency), "expression"),
    )
