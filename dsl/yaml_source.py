"""YAML definitions with positions: plain dicts, lists and scalars that remember where they stood.

Pure: parses text, reads no files. YAML 1.2 booleans only (`true`/`false`), so `on:` stays the
string "on" (DESIGN.md, "Known traps"). Mappings and sequences come back as `YamlMap` / `YamlList`,
which are a dict and a list plus the span of the node and of each key and item, so that a form,
workflow or template checker can point its diagnostics at the offending text.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from dsl.catalog import diagnostic
from dsl.diagnostics import DiagnosticsError, Span


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


def _span(file: str, node: yaml.Node) -> Span:
    start, end = node.start_mark, node.end_mark
    return Span(file, start.line + 1, start.column + 1, end.line + 1, end.column + 1)


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans: only true/false (any case) are booleans."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _build(loader: _Loader, node: yaml.Node, file: str, language: str = "en") -> Any:
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result = YamlMap()
        result.span = _span(file, node)
        result.key_spans = {}
        result.value_spans = {}
        result.quoted = {}
        for key_node, value_node in node.value:
            key = _build(loader, key_node, file, language)
            if isinstance(key, list | dict):
                span = _span(file, key_node)
                raise DiagnosticsError([diagnostic("yaml-key", span, language=language)])
            if key in result:
                span = _span(file, key_node)
                problem = diagnostic("yaml-duplicate-key", span, language=language, key=key)
                raise DiagnosticsError([problem])
            result[key] = _build(loader, value_node, file, language)
            result.key_spans[key] = _span(file, key_node)
            result.value_spans[key] = _span(file, value_node)
            result.quoted[key] = isinstance(value_node, yaml.ScalarNode) and value_node.style in (
                '"',
                "'",
            )
        return result
    if isinstance(node, yaml.SequenceNode):
        items = YamlList(_build(loader, item, file, language) for item in node.value)
        items.span = _span(file, node)
        items.item_spans = [_span(file, item) for item in node.value]
        return items
    return loader.construct_object(node, deep=True)


def load_yaml(text: str, *, filename: str, language: str = "en") -> Any:
    """Parse one YAML document; raises `DiagnosticsError` with a positioned `yaml-syntax` error.

    `language` (`"en"`, `"zh"`) is that of the messages."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        return _build(loader, node, filename, language)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        span = Span.point(filename, mark.line + 1, mark.column + 1) if mark else None
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
