"""The riskdesk rules language: parse, check and compile rulesets and expressions. Pure, no I/O."""

from dsl.api import (
    CompiledExpression,
    CompiledRuleset,
    RulesError,
    check_ruleset,
    compile_expression,
    compile_ruleset,
)
from dsl.diagnostics import (
    Diagnostic,
    DiagnosticsError,
    Severity,
    Span,
    render,
    render_all,
)
from dsl.result import Alert, Fired, Result
from dsl.schema import FieldInfo, Schema, ValueType, is_reserved_word
from dsl.yaml_source import YamlList, YamlMap, expression_origin, load_yaml

__all__ = [
    "Alert",
    "CompiledExpression",
    "CompiledRuleset",
    "Diagnostic",
    "DiagnosticsError",
    "FieldInfo",
    "Fired",
    "Result",
    "RulesError",
    "Schema",
    "Severity",
    "Span",
    "ValueType",
    "YamlList",
    "YamlMap",
    "check_ruleset",
    "compile_expression",
    "compile_ruleset",
    "expression_origin",
    "is_reserved_word",
    "load_yaml",
    "render",
    "render_all",
]
