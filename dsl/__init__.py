"""The riskdesk rules language: parse, check and compile rulesets and expressions. Pure, no I/O."""

from dsl.diagnostics import (
    Diagnostic,
    DiagnosticsError,
    Severity,
    Span,
    render,
    render_all,
)
from dsl.schema import FieldInfo, Schema, ValueType, is_reserved_word
from dsl.yaml_source import YamlList, YamlMap, expression_origin, load_yaml

__all__ = [
    "Diagnostic",
    "DiagnosticsError",
    "FieldInfo",
    "Schema",
    "Severity",
    "Span",
    "ValueType",
    "YamlList",
    "YamlMap",
    "expression_origin",
    "is_reserved_word",
    "load_yaml",
    "render",
    "render_all",
]
