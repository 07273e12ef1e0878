"""The JSON Schemas of a bundle's template.yaml and test case files, and their errors as
diagnostics positioned at the offending key or value, in the author's words. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Final

from jsonschema import Draft202012Validator, ValidationError

from dsl import Diagnostic, Span, YamlList, YamlMap
from dsl.diagnostics import error
from dsl.texts import N_, Text, described, did_you_mean, text
from engine.access import PERMISSION_NAMES
from engine.schedule_actions import ACTION_NAMES

DEFAULT_CASES_FILE: Final = "tests/cases.yaml"
LANGUAGES: Final = ("en", "zh")
# A case without `as_of` is evaluated as of this date, so that it gives the same result every day.
DEFAULT_CASE_AS_OF: Final = date(2026, 1, 1)
# Keys of the design that a later version reads.
FUTURE_KEYS: Final[frozenset[str]] = frozenset()

_ID: Final = "^[a-z][a-z0-9_]*$"
_LABEL: Final[dict[str, Any]] = {
    "type": ["string", "object"],
    "minLength": 1,
    "propertyNames": {"enum": list(LANGUAGES)},
    "additionalProperties": {"type": "string", "minLength": 1},
    "minProperties": 1,
}


def _file_list(pattern: str, description: str) -> dict[str, Any]:
    return {
        "type": "array",
        "items": {"type": "string", "pattern": pattern},
        "uniqueItems": True,
        "description": description,
    }


_CREDIT_RULE: Final[dict[str, Any]] = {
    "type": "object",
    "required": ["code", "when", "reason"],
    "additionalProperties": False,
    "properties": {
        "code": {"type": "string", "pattern": _ID, "description": "unique in the section"},
        "when": {"type": "string", "minLength": 1, "description": "a condition (rules language)"},
        "reason": {**_LABEL, "description": "what the order is told: text, or en/zh to text"},
    },
}
_CREDIT_CHECK: Final[dict[str, Any]] = {
    "type": "object",
    "required": ["outstanding"],
    "additionalProperties": False,
    "description": "order credit checks (docs/credit-checks.md): exposure, warn and hold "
    "rules, and the roles that may release a held order",
    "properties": {
        "outstanding": {
            "type": "string",
            "minLength": 1,
            "description": "what the customer owes now, in the rules language",
        },
        "warn": {"type": "array", "items": _CREDIT_RULE, "description": "rules that warn"},
        "hold": {"type": "array", "items": _CREDIT_RULE, "description": "rules that hold"},
        "releasers": {
            "type": "object",
            "propertyNames": {"pattern": _ID},
            "additionalProperties": {"type": "number", "minimum": 0},
            "description": "role → the most (base currency) it may release above the limit",
        },
    },
}


TEMPLATE_JSON_SCHEMA: Final[Mapping[str, Any]] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "urn:riskdesk:schema:template",
    "title": "riskdesk template bundle (template.yaml)",
    "description": "The root file of a template bundle; paths are relative to it, with '/'.",
    "type": "object",
    "required": ["template", "version", "name", "base_currency", "roles", "forms", "rulesets"],
    "additionalProperties": False,
    "properties": {
        "template": {"type": "string", "pattern": _ID, "description": "the template's key"},
        "version": {
            "type": "string",
            "pattern": r"^\d+\.\d+\.\d+$",
            "description": "the template's own version, such as 1.0.0",
        },
        "name": {**_LABEL, "description": "text, or language (en, zh) to text"},
        "description": {**_LABEL, "description": "text, or language (en, zh) to text"},
        "base_currency": {
            "type": "string",
            "pattern": "^[A-Z]{3}$",
            "description": "the currency its money amounts are in; a workspace in another "
            "base currency refuses the template",
        },
        "roles": {
            "type": "array",
            "items": {"type": "string", "pattern": _ID},
            "minItems": 1,
            "uniqueItems": True,
            "description": "the roles its workflows use (admin is built in)",
        },
        "permissions": {
            "type": "object",
            "propertyNames": {"pattern": _ID},
            "additionalProperties": {
                "type": "array",
                "items": {"enum": sorted(PERMISSION_NAMES)},
                "uniqueItems": True,
            },
            "description": "role → the permissions it carries (docs/security.md); roles not "
            "named here take the documented defaults, admin always holds them all",
        },
        "governance": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "publish_requires_approval": {
                    "type": "boolean",
                    "description": "true: publishing a draft opens a ruleset_change case that "
                    "someone other than its author approves (docs/policy-changes.md)",
                },
            },
            "description": "how changes to the definitions are governed",
        },
        "forms": {
            **_file_list(r"\.ya?ml$", "form files; one of them defines the form 'customer'"),
            "minItems": 1,
        },
        "rulesets": _file_list(r"\.rules$", "rules files, each naming its form"),
        "workflows": _file_list(r"\.ya?ml$", "workflow files"),
        "calendars": _file_list(
            r"\.ya?ml$", "working calendar files (holidays, make-up working days), by name"
        ),
        "default_calendar": {
            "type": "string",
            "pattern": _ID,
            "description": "the calendar business days count on when a workflow names none "
            "(default: Monday to Friday)",
        },
        "schedules": {
            "type": "array",
            "description": "cron schedules the background sweep fires (engine.schedules)",
            "items": {
                "type": "object",
                "required": ["id", "cron", "action"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "pattern": _ID, "description": "unique in the file"},
                    "cron": {
                        "type": "string",
                        "description": "five crontab fields: minute hour day month weekday",
                    },
                    "action": {"enum": list(ACTION_NAMES), "description": "what it does"},
                    "timezone": {
                        "type": "string",
                        "minLength": 1,
                        "description": "IANA time zone of the cron fields "
                        "(default: the workspace's, RISKDESK_TIMEZONE)",
                    },
                },
            },
        },
        "credit_check": _CREDIT_CHECK,
        "sample_data": _file_list(r"\.csv$", "sample customers, one CSV file each"),
        "tests": _file_list(r"\.ya?ml$", f"test case files (default: {DEFAULT_CASES_FILE})"),
    },
}

CASES_JSON_SCHEMA: Final[Mapping[str, Any]] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "urn:riskdesk:schema:template-cases",
    "title": "riskdesk template test cases",
    "type": "array",
    "items": {
        "type": "object",
        "required": ["name", "record", "expected"],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "minLength": 1},
            "ruleset": {"type": "string", "description": "default: the customer form's ruleset"},
            "as_of": {"description": f"evaluation date (default {DEFAULT_CASE_AS_OF})"},
            "record": {"type": "object", "description": "customer fields and credit terms"},
            "events": {
                "type": "array",
                "description": "the customer's events, each checked against its event form",
                "items": {
                    "type": "object",
                    "required": ["kind", "occurred_at"],
                    "additionalProperties": False,
                    "properties": {
                        "kind": {"type": "string", "pattern": "^[^\\s]+$"},
                        "occurred_at": {"description": "a date (2026-01-31) or an ISO 8601 time"},
                        "payload": {"type": "object"},
                    },
                },
            },
            "expected": {
                "type": "object",
                "required": ["score", "tier", "fired"],
                "additionalProperties": False,
                "properties": {
                    "score": {"type": "number"},
                    "tier": {"type": "string", "minLength": 1},
                    "fired": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
                    "flags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
                },
            },
        },
    },
}

# What a value must be, by path in the document ("*" stands for any list index or mapping key).
_EXPECTED: Final[Mapping[tuple[str, ...], Text]] = {
    ("template",): text(N_("a key in lower case: letters, digits and _, starting with a letter")),
    ("version",): text(N_("a version of three numbers such as 1.0.0")),
    ("name",): text(N_("a text, or a mapping of language (en, zh) to text")),
    ("name", "*"): text(N_("a text")),
    ("description",): text(N_("a text, or a mapping of language (en, zh) to text")),
    ("description", "*"): text(N_("a text")),
    ("base_currency",): text(N_("a three-letter currency code in capitals, such as CNY")),
    ("roles",): text(N_("a list of role names")),
    ("roles", "*"): text(
        N_("a role name: lower-case letters, digits and _, starting with a letter")
    ),
    ("permissions",): text(N_("a mapping of role to a list of permissions")),
    ("permissions", "*"): text(N_("a list of permissions, each once")),
    ("permissions", "*", "*"): text(
        N_("a permission: %(names)s"), names=", ".join(sorted(PERMISSION_NAMES))
    ),
    ("governance",): text(N_("a mapping such as {publish_requires_approval: true}")),
    ("governance", "publish_requires_approval"): text(N_("true or false")),
    ("forms",): text(N_("a list of form files")),
    ("forms", "*"): text(N_("the path of a .yaml file in the bundle")),
    ("rulesets",): text(N_("a list of rules files")),
    ("rulesets", "*"): text(N_("the path of a .rules file in the bundle")),
    ("workflows",): text(N_("a list of workflow files")),
    ("workflows", "*"): text(N_("the path of a .yaml file in the bundle")),
    ("calendars",): text(N_("a list of calendar files")),
    ("calendars", "*"): text(N_("the path of a .yaml file in the bundle")),
    ("default_calendar",): text(
        N_("a calendar name: lower-case letters, digits and _, starting with a letter")
    ),
    ("schedules",): text(N_("a list of schedules")),
    ("schedules", "*"): text(N_("a schedule: a mapping with id, cron and action")),
    ("schedules", "*", "id"): text(
        N_("a schedule id: lower-case letters, digits and _, starting with a letter")
    ),
    ("schedules", "*", "cron"): text(N_('five crontab fields such as "0 2 * * *"')),
    ("schedules", "*", "action"): text(
        N_("one of the schedule actions: %(names)s"), names=", ".join(ACTION_NAMES)
    ),
    ("schedules", "*", "timezone"): text(N_("a time zone such as Asia/Shanghai")),
    ("credit_check",): text(N_("a mapping with outstanding, warn, hold and releasers")),
    ("credit_check", "outstanding"): text(N_("an amount in the rules language, written as text")),
    ("credit_check", "warn"): text(N_("a list of rules, each with code, when and reason")),
    ("credit_check", "hold"): text(N_("a list of rules, each with code, when and reason")),
    ("credit_check", "warn", "*"): text(N_("a rule: a mapping with code, when and reason")),
    ("credit_check", "warn", "*", "code"): text(
        N_("a rule code: lower-case letters, digits and _, starting with a letter")
    ),
    ("credit_check", "warn", "*", "when"): text(N_("a condition in the rules language, as text")),
    ("credit_check", "warn", "*", "reason"): text(
        N_("a text, or a mapping of language (en, zh) to text")
    ),
    ("credit_check", "warn", "*", "reason", "*"): text(N_("a text")),
    ("credit_check", "hold", "*"): text(N_("a rule: a mapping with code, when and reason")),
    ("credit_check", "hold", "*", "code"): text(
        N_("a rule code: lower-case letters, digits and _, starting with a letter")
    ),
    ("credit_check", "hold", "*", "when"): text(N_("a condition in the rules language, as text")),
    ("credit_check", "hold", "*", "reason"): text(
        N_("a text, or a mapping of language (en, zh) to text")
    ),
    ("credit_check", "hold", "*", "reason", "*"): text(N_("a text")),
    ("credit_check", "releasers"): text(N_("a mapping of role to an amount")),
    ("credit_check", "releasers", "*"): text(N_("an amount of 0 or more")),
    ("sample_data",): text(N_("a list of sample data files")),
    ("sample_data", "*"): text(N_("the path of a .csv file in the bundle")),
    ("tests",): text(N_("a list of test case files")),
    ("tests", "*"): text(N_("the path of a .yaml file in the bundle")),
    (): text(N_("a list of cases")),
    ("*",): text(N_("a case: a mapping with name, record and expected")),
    ("*", "name"): text(N_("a text")),
    ("*", "ruleset"): text(N_("the id of a ruleset of the bundle")),
    ("*", "record"): text(N_("a mapping of field name to value")),
    ("*", "events"): text(N_("a list of events")),
    ("*", "events", "*"): text(N_("an event: a mapping with kind, occurred_at and payload")),
    ("*", "events", "*", "kind"): text(N_("an event kind, such as lawsuit")),
    ("*", "events", "*", "occurred_at"): text(N_("a date such as 2026-01-31, or an ISO 8601 time")),
    ("*", "events", "*", "payload"): text(N_("a mapping of field name to value")),
    ("*", "expected"): text(N_("a mapping with score, tier and fired")),
    ("*", "expected", "score"): text(N_("a number")),
    ("*", "expected", "tier"): text(N_("a tier name")),
    ("*", "expected", "fired"): text(N_("a list of rule ids, each once")),
    ("*", "expected", "fired", "*"): text(N_("a rule id")),
    ("*", "expected", "flags"): text(N_("a list of flag names, each once")),
    ("*", "expected", "flags", "*"): text(N_("a flag name")),
}


def _node(document: Any, path: Iterable[Any]) -> tuple[Any, Any, Any]:
    """The container holding the value at `path`, the last key or index, and the value."""
    parent: Any = None
    last: Any = None
    node = document
    for step in path:
        parent, last = node, step
        node = node[step]
    return parent, last, node


def _value_span(document: Any, path: list[Any], filename: str) -> Span:
    parent, last, node = _node(document, path)
    if isinstance(parent, YamlMap):
        return parent.value_span(last)
    if isinstance(parent, YamlList):
        return parent.item_span(last)
    return start_span(node, filename)


def start_span(node: Any, filename: str) -> Span:
    """A one-character span at the start of a mapping or list (or of the file)."""
    span = getattr(node, "span", None)
    if span is None:
        return Span.point(filename, 1, 1)
    return Span.point(filename, span.line, span.column)


def _where(path: list[Any]) -> Text:
    """A document path in words: 'version', item 2 of 'forms', 'expected.score' of case 3."""
    if path and isinstance(path[0], int):
        case = text(N_("case %(number)d"), number=path[0] + 1)
        rest = path[1:]
        return (
            case if not rest else text(N_("%(where)s of %(case)s"), where=_where(rest), case=case)
        )
    if len(path) > 2 and isinstance(path[1], int):  # 'cron' of item 2 of 'schedules'
        return text(
            N_("'%(key)s' of item %(number)d of '%(list)s'"),
            key=".".join(map(str, path[2:])),
            number=path[1] + 1,
            list=path[0],
        )
    if len(path) > 3 and isinstance(path[2], int):  # 'when' of item 1 of 'credit_check.hold'
        return text(
            N_("'%(key)s' of item %(number)d of '%(list)s'"),
            key=".".join(map(str, path[3:])),
            number=path[2] + 1,
            list=".".join(map(str, path[:2])),
        )
    if path and isinstance(path[-1], int):
        return text(
            N_("item %(number)d of '%(key)s'"),
            number=path[-1] + 1,
            key=".".join(map(str, path[:-1])),
        )
    return text("'%(key)s'", key=".".join(map(str, path))) if path else text(N_("the file"))


# Mappings whose keys are the author's (languages, roles): any key matches "*" in _EXPECTED.
_FREE_KEYS: Final = ("name", "description", "reason", "releasers")


def _pattern(path: list[Any], document: Any) -> tuple[str, ...]:
    keys: list[str] = []
    node = document
    for step in path:
        is_label_key = isinstance(node, Mapping) and keys and keys[-1] in _FREE_KEYS
        keys.append("*" if isinstance(step, int) or is_label_key else str(step))
        node = node[step]
    return tuple(keys)


def schema_diagnostics(document: Any, schema: Mapping[str, Any], filename: str) -> list[Diagnostic]:
    """The JSON Schema errors of `document`, each positioned at the offending key or value."""
    found: dict[tuple[Any, ...], Diagnostic] = {}
    for problem in Draft202012Validator(schema).iter_errors(document):
        for key, diagnostic in _from_schema_error(problem, document, filename):
            found.setdefault(key, diagnostic)
    spans = sorted(found.values(), key=lambda d: (d.span.line, d.span.column) if d.span else (0, 0))
    return spans


def _from_schema_error(
    problem: ValidationError, document: Any, filename: str
) -> list[tuple[tuple[Any, ...], Diagnostic]]:
    path = list(problem.absolute_path)
    instance = problem.instance
    kind = problem.validator
    if (
        kind == "required"
        and isinstance(problem.validator_value, list)
        and isinstance(instance, Mapping)
    ):
        return [
            (
                ("required", *path, name),
                error(
                    "missing-key",
                    text(
                        N_("%(where)s lacks the required key '%(name)s'"),
                        where=_where(path),
                        name=name,
                    )
                    if path
                    else text(N_("the required key '%(name)s' is missing"), name=name),
                    start_span(instance, filename),
                ),
            )
            for name in problem.validator_value
            if name not in instance
        ]
    if kind == "additionalProperties" and isinstance(instance, YamlMap):
        known = problem.schema.get("properties", {}) if isinstance(problem.schema, Mapping) else {}
        result = []
        for name in instance:
            if name in known:
                continue
            if name in FUTURE_KEYS and not path:
                diagnostic = error(
                    "not-supported-yet",
                    text(N_("'%(name)s' is read by a later version of riskdesk"), name=name),
                    instance.key_span(name),
                    hint=text(N_("remove '%(name)s' from %(file)s"), name=name, file=filename),
                )
            else:
                where = text(N_(" in %(where)s"), where=_where(path)) if path else text("")
                diagnostic = error(
                    "unknown-key",
                    text(
                        N_("unknown key '%(name)s'%(where)s%(did_you_mean)s"),
                        name=name,
                        where=where,
                        did_you_mean=did_you_mean(str(name), known),
                    ),
                    instance.key_span(name),
                )
            result.append((("key", *path, name), diagnostic))
        return result
    if kind == "enum" and "propertyNames" in problem.schema_path:
        parent = _node(document, path)[2]
        span = parent.key_span(instance) if isinstance(parent, YamlMap) else None
        message = text(
            N_("unknown language '%(language)s' in %(where)s; use en or zh"),
            language=instance,
            where=_where(path),
        )
        return [(("language", *path, instance), error("unknown-language", message, span))]
    if kind == "uniqueItems" and isinstance(instance, YamlList):
        result = []
        for index, item in enumerate(instance):
            if item in instance[:index]:
                message = text(
                    N_("%(item)s is listed twice in %(where)s"),
                    item=described(item),
                    where=_where(path),
                )
                result.append(
                    (
                        ("unique", *path, index),
                        error("duplicate", message, instance.item_span(index)),
                    )
                )
        return result
    expected = _EXPECTED.get(_pattern(path, document))
    if kind in ("minItems", "minProperties", "minLength") and not instance:
        message = text(N_("%(where)s must not be empty"), where=_where(path))
    elif expected is None:  # the validator's own words, in English but for those said here
        said = _validator_words(problem)
        message = text(N_("%(where)s: %(problem)s"), where=_where(path), problem=said)
    else:
        message = text(
            N_("%(where)s must be %(expected)s; found %(found)s"),
            where=_where(path),
            expected=expected,
            found=described(instance),
        )
    code = "wrong-type" if kind in ("type", "minItems", "minProperties") else "bad-value"
    return [(("value", *path), error(code, message, _value_span(document, path, filename)))]


def _validator_words(problem: ValidationError) -> Text:
    """jsonschema's message for `problem` as a `Text`: "'x' is not one of [...]" (an enum) said
    in any language, the values as jsonschema shows them; any other message as it is."""
    if problem.validator == "enum" and isinstance(problem.validator_value, list):
        said = text(
            N_("%(value)s is not one of %(options)s"),
            value=repr(problem.instance),
            options=repr(problem.validator_value),
        )
        if str(said) == problem.message:
            return said
    return text("%(message)s", message=problem.message)
