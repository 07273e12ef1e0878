"""The riskdesk rules language: parse, check and compile rulesets and expressions. Pure, no I/O."""

from dsl.api import (
    CompiledExpression,
    CompiledRuleset,
    RulesError,
    check_ruleset,
    compile_expression,
    compile_ruleset,
)
from dsl.catalog import in_language
from dsl.check import SEVERITIES as ALERT_SEVERITIES
from dsl.diagnostics import (
    Diagnostic,
    DiagnosticsError,
    Severity,
    Span,
    render,
    render_all,
)
from dsl.events import GroupedEvents, grouped_events
from dsl.explain import (
    Change,
    ChangeItem,
    Explanation,
    Line,
    explain,
    explain_change,
    tier_title,
)
from dsl.format import format_ruleset
from dsl.functions import FRESHNESS_KEY
from dsl.result import Alert, Fired, Result
from dsl.schema import FieldInfo, Schema, ValueType, is_reserved_word
from dsl.yaml_source import YamlList, YamlMap, expression_origin, load_yaml

__all__ = [
    "ALERT_SEVERITIES",
    "FRESHNESS_KEY",
    "Alert",
    "Change",
    "ChangeItem",
    "CompiledExpression",
    "CompiledRuleset",
    "Diagnostic",
    "DiagnosticsError",
    "Explanation",
    "FieldInfo",
    "Fired",
    "GroupedEvents",
    "Line",
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
    "explain",
    "explain_change",
    "expression_origin",
    "format_ruleset",
    "grouped_events",
    "in_language",
    "is_reserved_word",
    "load_yaml",
    "render",
    "render_all",
    "tier_title",
]
