"""YAML definitions with positions: plain dicts, lists and scalars that remember where they stood.

Pure: parses text, reads no files. YAML 1.2 booleans only (`true`/`false`), so `on:` stays the
string "on" (DESIGN.md, "Known traps"). Mappings and sequences come back as `YamlMap` / `YamlList`,
which are a dict and a list plus the span of the node and of each key and item, so that a form,
workflow or template checker can point its diagnostics at the offending text.

A definition is bounded before anything is built from it (docs/templates.md, "Limits"): the text
is at most `MAX_YAML_BYTES`, and the document is built from the parser's events one at a time,
without recursion, refusing at the event itself an anchor or an alias (one alias can stand for an
exponential amount of data), a merge key, a list or mapping nested deeper than `MAX_YAML_DEPTH`
and the value past `MAX_YAML_NODES`. So a refusal costs at most one pass over a bounded text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final, Protocol, cast

import yaml
from yaml.composer import ComposerError

from dsl.catalog import diagnostic
from dsl.diagnostics import Diagnostic, DiagnosticsError, Span

MAX_YAML_BYTES: Final = 1024 * 1024  # of one definition file, in UTF-8
MAX_YAML_DEPTH: Final = 64  # lists and mappings inside one another
MAX_YAML_NODES: Final = 100_000  # scalars, lists and mappings of one file
WORDING_CHARS: Final = 16 * 1024  # text that PyYAML's own parser reads again to word an error

try:  # libyaml's parser, about fifteen times faster than PyYAML's own, when it is installed
    from yaml import CSafeLoader as _SafeLoader

    _WORDS_ERRORS = False  # libyaml's messages do not say what it found
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

    _WORDS_ERRORS = True

_LIBYAML_TOO_DEEP: Final = "exceeded maximum nesting depth"
_TAG = "tag:yaml.org,2002:"
# scalar tags whose safe constructor is a plain function of one scalar node
_SCALAR_TAGS: Final = frozenset(
    _TAG + name for name in ("null", "bool", "int", "float", "binary", "timestamp")
)


class YamlMap(dict[Any, Any]):
    """A mapping that knows the span of itself, of each key and of each value."""

    span: Span
    key_spans: dict[Any, Span]
    value_spans: dict[Any, Span]
    quoted: dict[Any, bool]

    def key_span(self, key: Any) -> Span:
        return self.key_spans.get(key, self.span)

    def value_span(self, key: Any) -> Span:
        return self.value_spans.get(key, self.key_span(key))


class YamlList(list[Any]):
    """A sequence that knows the span of itself and of each item."""

    span: Span
    item_spans: list[Span]

    def item_span(self, index: int) -> Span:
        return self.item_spans[index] if 0 <= index < len(self.item_spans) else self.span


class _Loader(_SafeLoader):
    """A safe loader with YAML 1.2 booleans: only true/false (any case) are booleans."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != _TAG + "bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _TAG + "bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_yaml(text: str, *, filename: str, language: str = "en") -> Any:
    """Parse one YAML document within the limits above.

    Returns plain values, `YamlMap` and `YamlList` (None for an empty text). Raises
    `DiagnosticsError` with one positioned error: `yaml-syntax`, `yaml-key`, `yaml-duplicate-key`,
    `yaml-alias`, `yaml-merge-key`, `yaml-too-large`, `yaml-too-deep` or `yaml-too-many-nodes`.
    `language` (`"en"`, `"zh"`) is that of the messages.
    """
    problem = _size_problem(text, filename, language) or _character_problem(
        text, filename, language
    )
    if problem is not None:
        raise DiagnosticsError([problem])
    loader = _Loader(text)
    try:
        return _Builder(loader, filename, language).document()
    except yaml.MarkedYAMLError as found:
        exc = found if found.problem == _LIBYAML_TOO_DEEP else _worded(found, text)
        mark = exc.problem_mark or exc.context_mark
        span = Span.point(filename, mark.line + 1, mark.column + 1) if mark else None
        if exc.problem == _LIBYAML_TOO_DEEP:  # its own limit, met while it reads ahead on one line
            problem = diagnostic("yaml-too-deep", span, language=language, limit=MAX_YAML_DEPTH)
        else:
            message = exc.problem or exc.context or "invalid YAML"
            problem = diagnostic("yaml-syntax", span, language=language, problem=message)
        raise DiagnosticsError([problem]) from exc
    except yaml.YAMLError as exc:
        problem = diagnostic("yaml-syntax", None, language=language, problem=exc)
        raise DiagnosticsError([problem]) from exc
    finally:
        loader.dispose()


def expression_origin(mapping: YamlMap, key: Any) -> tuple[int, int]:
    """Line and column of the first character of a scalar value, skipping an opening quote.

    Used to position diagnostics of a rules-language expression written as a YAML string.
    """
    span = mapping.value_span(key)
    return span.line, span.column + (1 if mapping.quoted.get(key, False) else 0)


# --- before parsing ------------------------------------------------------------------------------


def _size_problem(text: str, filename: str, language: str) -> Diagnostic | None:
    """The error for a text over `MAX_YAML_BYTES`, at its first character past the limit."""
    if len(text) * 4 <= MAX_YAML_BYTES:
        return None  # no character takes more than 4 bytes in UTF-8
    encoded = text.encode("utf-8", "surrogatepass")
    if len(encoded) <= MAX_YAML_BYTES:
        return None
    cut = MAX_YAML_BYTES
    while cut > 0 and encoded[cut] & 0xC0 == 0x80:  # back to the first byte of a character
        cut -= 1
    span = _point(filename, encoded[:cut].decode("utf-8", "surrogatepass"))
    return diagnostic("yaml-too-large", span, language=language, limit=MAX_YAML_BYTES // 1024)


def _character_problem(text: str, filename: str, language: str) -> Diagnostic | None:
    """The error for the first character YAML does not allow (a control character, a lone
    surrogate), at that character."""
    found = yaml.reader.Reader.NON_PRINTABLE.search(text)
    if found is None:
        return None
    problem = (
        f"unacceptable character #x{ord(found.group()):04x}: control characters are not allowed"
    )
    span = _point(filename, text[: found.start()])
    return diagnostic("yaml-syntax", span, language=language, problem=problem)


def _point(filename: str, before: str) -> Span:
    """The position just after the text `before`."""
    line = before.count("\n") + 1
    return Span.point(filename, line, len(before) - (before.rfind("\n") + 1) + 1)


def _worded(exc: yaml.MarkedYAMLError, text: str) -> yaml.MarkedYAMLError:
    """The syntax error `exc` as PyYAML's own parser words it, saying what it found ("expected
    ',' or '}', but got ':'") where libyaml does not: found again in the text up to the error's
    line when that is at most `WORDING_CHARS` long, nests at most `MAX_YAML_DEPTH` deep and the
    error is on the same line; else `exc`."""
    mark = exc.problem_mark or exc.context_mark
    if _WORDS_ERRORS or mark is None:
        return exc
    lines = text.splitlines(keepends=True)[: mark.line + 1]
    if sum(map(len, lines)) > WORDING_CHARS:
        return exc
    loader = yaml.SafeLoader("".join(lines))
    next_event = cast(Callable[[], object], loader.get_event)
    depth = 0
    try:
        while loader.check_event() and depth <= MAX_YAML_DEPTH:
            kind = type(next_event())
            if kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                depth += 1
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                depth -= 1
    except yaml.MarkedYAMLError as worded:
        again = worded.problem_mark or worded.context_mark
        if again is not None and again.line == mark.line:
            return worded
    finally:
        loader.dispose()
    return exc


# --- building from events ------------------------------------------------------------------------


class _Mark(Protocol):
    line: int  # 0-based
    column: int  # 0-based, in characters


class _Event(Protocol):
    """The attributes of PyYAML's events read here; a node event has the last five."""

    start_mark: _Mark
    end_mark: _Mark
    anchor: str | None
    tag: str | None
    value: str
    implicit: tuple[bool, bool]
    style: str | None


def _span(file: str, start: _Mark, end: _Mark) -> Span:
    return Span(file, start.line + 1, start.column + 1, end.line + 1, end.column + 1)


class _Open:
    """A mapping or list being built: its value, where it started, and a key awaiting its value."""

    __slots__ = ("key", "key_span", "start", "value")

    def __init__(self, value: YamlMap | YamlList, start: _Mark) -> None:
        self.value = value
        self.start = start
        self.key: Any = None
        self.key_span: Span | None = None


def _opened(kind: type) -> YamlMap | YamlList:
    """An empty mapping or list; its span is set when it closes."""
    if kind is yaml.MappingStartEvent:
        mapping = YamlMap()
        mapping.key_spans, mapping.value_spans, mapping.quoted = {}, {}, {}
        return mapping
    items = YamlList()
    items.item_spans = []
    return items


class _Builder:
    """Builds one document from the parser's events, refusing what passes a limit as it comes."""

    def __init__(self, loader: _Loader, filename: str, language: str) -> None:
        self.loader = loader
        self.next_event = cast(Callable[[], _Event], loader.get_event)
        self.resolve = cast(Callable[[type, str, tuple[bool, bool]], str], loader.resolve)
        self.filename = filename
        self.language = language
        self.nodes = 0

    def refusal(self, code: str, span: Span, *, mark: str = "", key: Any = None) -> Exception:
        problem = diagnostic(code, span, language=self.language, mark=mark, key=key)
        return DiagnosticsError([problem])

    def document(self) -> Any:
        """The stream's one document (None for an empty stream)."""
        self.next_event()  # the start of the stream
        if self.loader.check_event(yaml.StreamEndEvent):
            return None
        start = self.next_event()  # the start of the document
        value = self.node()
        self.next_event()  # the end of the document
        if not self.loader.check_event(yaml.StreamEndEvent):
            found = self.next_event()
            raise ComposerError(
                "expected a single document in the stream",
                cast(yaml.Mark, start.start_mark),
                "expected a single document, but found another document",
                cast(yaml.Mark, found.start_mark),
            )
        return value

    def node(self) -> Any:
        """The next node and everything inside it."""
        stack: list[_Open] = []
        next_event, file = self.next_event, self.filename
        while True:
            event = next_event()
            kind: type = type(event)
            value: Any
            if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                done = stack.pop()
                value = done.value
                value.span = span = _span(file, done.start, event.end_mark)
            elif kind is yaml.ScalarEvent:
                self.count(event, is_collection=False, depth=len(stack))
                value, span = self.scalar(event), _span(file, event.start_mark, event.end_mark)
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                self.count(event, is_collection=True, depth=len(stack))
                stack.append(_Open(_opened(kind), event.start_mark))
                continue
            else:  # an alias: no other event comes inside a document
                span = _span(file, event.start_mark, event.end_mark)
                raise self.refusal("yaml-alias", span, mark=f"*{event.anchor}")
            if not stack:
                return value
            self.add(stack[-1], value, span, event)

    def count(self, event: _Event, *, is_collection: bool, depth: int) -> None:
        """Count a node; refuse an anchor, and the node past the node or the depth limit."""
        start = event.start_mark
        line, column = start.line + 1, start.column + 1
        if event.anchor is not None:
            span = Span(self.filename, line, column, line, column + 1 + len(event.anchor))
            raise self.refusal("yaml-alias", span, mark=f"&{event.anchor}")
        self.nodes += 1
        if self.nodes > MAX_YAML_NODES:
            problem = diagnostic(
                "yaml-too-many-nodes",
                Span.point(self.filename, line, column),
                language=self.language,
                limit=MAX_YAML_NODES,
            )
            raise DiagnosticsError([problem])
        if is_collection and depth >= MAX_YAML_DEPTH:
            problem = diagnostic(
                "yaml-too-deep",
                Span.point(self.filename, line, column),
                language=self.language,
                limit=MAX_YAML_DEPTH,
            )
            raise DiagnosticsError([problem])

    def scalar(self, event: _Event) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag == _TAG + "str":
            return event.value  # most scalars: no constructor needed
        if tag == _TAG + "merge":
            span = _span(self.filename, event.start_mark, event.end_mark)
            raise self.refusal("yaml-merge-key", span)
        node = yaml.ScalarNode(
            tag,
            event.value,
            cast(yaml.Mark, event.start_mark),
            cast(yaml.Mark, event.end_mark),
            event.style,
        )
        if tag in _SCALAR_TAGS:
            try:
                return self.loader.yaml_constructors[tag](self.loader, node)
            except ValueError:
                # a timestamp that is no date (2026-02-30): left as the text written, for the
                # checker that expects a date to report with its position
                if tag == _TAG + "timestamp":
                    return event.value
                raise
        return self.loader.construct_object(node, deep=True)  # another tag: refused there

    def add(self, parent: _Open, value: Any, span: Span, event: _Event) -> None:
        """Put a finished node into the mapping or list around it."""
        target = parent.value
        if isinstance(target, YamlList):
            target.append(value)
            target.item_spans.append(span)
            return
        if parent.key_span is None:  # a key
            if isinstance(value, list | dict):
                raise self.refusal("yaml-key", span)
            if value in target:
                raise self.refusal("yaml-duplicate-key", span, key=value)
            parent.key, parent.key_span = value, span
            return
        key = parent.key
        target[key] = value
        target.key_spans[key] = parent.key_span
        target.value_spans[key] = span
        target.quoted[key] = isinstance(event, yaml.ScalarEvent) and event.style in ('"', "'")
        parent.key, parent.key_span = None, None
