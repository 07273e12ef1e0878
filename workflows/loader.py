"""Load and check a workflow definition written in YAML (docs/workflows.md). Pure: no I/O.

Every problem of a file is collected as a positioned diagnostic; `load_workflow` raises them all
together as a `WorkflowError`, `check_workflow` returns them. Expressions (guards, terms and field
values) are compiled by `dsl.compile_expression`, positioned inside the YAML file. The trigger is
read by `workflows.trigger_reader`, the steps by `workflows.step_reader`; the checks across steps
are `workflows.graph` and `workflows.checks`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import dsl
from dsl import Diagnostic, DiagnosticsError, FieldInfo, Schema, Span, ValueType, YamlMap
from dsl.diagnostics import error, has_errors
from dsl.texts import N_, Text, described, did_you_mean, text
from workflows.assignee_reader import AssigneeReader
from workflows.checks import check_steps
from workflows.errors import WorkflowError
from workflows.expressions import case_schema, compile_at
from workflows.graph import check_graph
from workflows.model import Dedupe, Trigger, Workflow
from workflows.operation_reader import OperationReader
from workflows.reading import (
    LANGUAGES,
    check_keys,
    expect_identifier,
    expect_map,
    read_label,
    require,
)
from workflows.step_reader import StepReader, action_forms
from workflows.trigger_reader import TriggerReader
from workflows.triggers import customer_fields

TOP_KEYS = ("workflow", "label", "trigger", "start", "dedupe", "cancel_when", "calendar", "steps")


def load_workflow(
    text: str,
    *,
    filename: str,
    schema: Schema | None = None,
    roles: Collection[str] = (),
    forms: Mapping[str, Schema] | None = None,
    workflows: Collection[str] | None = None,
    calendars: Collection[str] | None = None,
) -> Workflow:
    """Load a workflow definition and check it completely.

    `schema` is the customer's fields plus the terms (None: names are not checked); the loader
    adds what the trigger kind reads (`workflows.triggers.TRIGGERS`) and, for the other
    expressions, `case.step` and `case.data`. `roles` are the roles the template declares
    (`admin` is always allowed). `forms` are the template's other forms by key (action forms,
    event kinds), `workflows` the workflow keys a `start` may name, `calendars` the calendar
    names a `calendar` may name; None: not checked. Returns the `Workflow` with its warnings;
    raises `WorkflowError` listing every error and warning when there is an error.
    """
    workflow, diagnostics = _read(
        text,
        _Inputs(filename, schema, roles, forms, workflows, calendars),
    )
    if workflow is None or has_errors(diagnostics):
        raise WorkflowError(diagnostics)
    return workflow


def check_workflow(
    text: str,
    *,
    filename: str,
    schema: Schema | None = None,
    roles: Collection[str] = (),
    forms: Mapping[str, Schema] | None = None,
    workflows: Collection[str] | None = None,
    calendars: Collection[str] | None = None,
) -> tuple[Diagnostic, ...]:
    """Every error and warning of a workflow definition (as `load_workflow` finds them); never
    raises."""
    return _read(text, _Inputs(filename, schema, roles, forms, workflows, calendars))[1]


@dataclass(frozen=True, slots=True)
class _Inputs:
    filename: str
    schema: Schema | None
    roles: Collection[str]
    forms: Mapping[str, Schema] | None
    workflows: Collection[str] | None
    calendars: Collection[str] | None


def _read(text: str, inputs: _Inputs) -> tuple[Workflow | None, tuple[Diagnostic, ...]]:
    try:
        document = dsl.load_yaml(text, filename=inputs.filename)
    except DiagnosticsError as exc:
        return None, exc.diagnostics
    reader = _Reader(text=text, inputs=inputs)
    workflow = reader.workflow(document, checksum=hashlib.sha256(text.encode()).hexdigest())
    return workflow, tuple(reader.diagnostics)


class _Reader:
    """Reads one workflow document, collecting diagnostics instead of stopping at the first."""

    def __init__(self, *, text: str, inputs: _Inputs) -> None:
        self.inputs = inputs
        self.filename = inputs.filename
        self.lines = text.splitlines()
        self.diagnostics: list[Diagnostic] = []
        self.triggers = TriggerReader(
            filename=inputs.filename,
            lines=self.lines,
            schema=inputs.schema,
            forms=inputs.forms,
            diagnostics=self.diagnostics,
        )

    def error(self, code: str, message: Text, span: Span, hint: Text | None = None) -> None:
        self.diagnostics.append(error(code, message, span, hint))

    # --- the document ------------------------------------------------------------------------

    def workflow(self, document: Any, *, checksum: str) -> Workflow | None:
        file_start = Span.point(self.filename, 1, 1)
        top = expect_map(
            document,
            getattr(document, "span", file_start),
            what=text(
                N_("a workflow definition (a mapping with workflow, trigger, start and steps)")
            ),
            diagnostics=self.diagnostics,
        )
        if top is None:
            return None
        check_keys(
            top, allowed=TOP_KEYS, where=text(N_("in a workflow")), diagnostics=self.diagnostics
        )
        top_line = Span(
            self.filename, top.span.line, top.span.column, top.span.line, top.span.column + 1
        )
        require(
            top,
            ("workflow", "trigger", "start", "steps"),
            where=text(N_("in the workflow")),
            span=top_line,
            diagnostics=self.diagnostics,
        )

        key = (
            expect_identifier(
                top, "workflow", what=text(N_("the workflow's key")), diagnostics=self.diagnostics
            )
            if "workflow" in top
            else None
        )
        label = (
            self.label(top, "label", default=key)
            if "label" in top
            else dict.fromkeys(LANGUAGES, key or "")
        )
        trigger = self.triggers.trigger(top) if "trigger" in top else None
        expressions = case_schema(self.inputs.schema, self.triggers.reads, self.case_data(top))
        dedupe = self.dedupe(top) if "dedupe" in top else Dedupe.IGNORE
        cancel_when = None
        if "cancel_when" in top:
            cancel_when = compile_at(
                top,
                "cancel_when",
                filename=self.filename,
                expect=ValueType.BOOLEAN,
                schema=expressions,
                what=text(N_("a condition")),
                lines=self.lines,
                diagnostics=self.diagnostics,
            )
        calendar = self.calendar(top) if "calendar" in top else None
        steps_reader = self.step_reader(expressions, trigger)
        steps = steps_reader.steps(top) if "steps" in top else {}
        start = None
        if "start" in top and steps_reader.steps_readable:
            start = steps_reader.target(top, "start", allow_closed=False)
        self.diagnostics.extend(check_graph(steps_reader.shapes, start=start))
        self.diagnostics.extend(check_steps(steps))
        self.diagnostics.sort(key=_position)
        if (
            key is None
            or trigger is None
            or start is None
            or dedupe is None
            or ("cancel_when" in top and cancel_when is None)
            or ("calendar" in top and calendar is None)
            or has_errors(self.diagnostics)
        ):
            return None
        return Workflow(
            key=key,
            label=MappingProxyType(label),
            trigger=trigger,
            start=start,
            steps=MappingProxyType(steps),
            checksum=checksum,
            filename=self.filename,
            warnings=tuple(d for d in self.diagnostics if not d.is_error),
            dedupe=dedupe,
            cancel_when=cancel_when,
            calendar=calendar,
        )

    def step_reader(self, expressions: Schema | None, trigger: Trigger | None) -> StepReader:
        schema = self.inputs.schema
        assignees = AssigneeReader(roles=self.inputs.roles, diagnostics=self.diagnostics)
        operations = OperationReader(
            filename=self.filename,
            lines=self.lines,
            schema=expressions,
            fields=None
            if schema is None
            else {name: schema[name] for name in customer_fields(schema)},
            workflows=self.inputs.workflows,
            trigger=None if trigger is None else trigger.on,
            assignees=assignees,
            diagnostics=self.diagnostics,
        )
        forms = self.inputs.forms
        return StepReader(
            assignees=assignees,
            operations=operations,
            forms=None if forms is None else tuple(forms),
            diagnostics=self.diagnostics,
        )

    def case_data(self, top: YamlMap) -> dict[str, FieldInfo] | None:
        """The fields of the forms the workflow's actions name (read leniently: the steps
        report what is wrong with them), typed from those forms; None without forms."""
        forms = self.inputs.forms
        if forms is None:
            return None
        fields: dict[str, FieldInfo] = {}
        for key in action_forms(top.get("steps")):
            if key not in forms:
                return None  # reported as unknown-form: its fields are not known
            for name, info in forms[key].items():
                fields.setdefault(name, info)
        return fields

    def dedupe(self, top: YamlMap) -> Dedupe | None:
        value = top["dedupe"]
        if isinstance(value, str) and value in tuple(Dedupe):
            return Dedupe(value)
        self.error(
            "bad-dedupe",
            text(
                N_("'dedupe' must be ignore or add_reason, found %(found)s"), found=described(value)
            ),
            top.value_span("dedupe"),
            hint=text(
                N_(
                    "ignore: a new reason leaves the open case as it is; add_reason: it is "
                    "added to its history"
                )
            ),
        )
        return None

    def calendar(self, top: YamlMap) -> str | None:
        name = expect_identifier(
            top, "calendar", what=text(N_("the calendar's name")), diagnostics=self.diagnostics
        )
        calendars = self.inputs.calendars
        if name is None or calendars is None or name in calendars:
            return name
        close = did_you_mean(name, calendars)
        self.error(
            "unknown-calendar",
            text(
                N_("unknown calendar '%(calendar)s'%(did_you_mean)s"),
                calendar=name,
                did_you_mean=close,
            ),
            top.value_span("calendar"),
            hint=None
            if str(close)
            else text(
                N_("the template's calendars are: %(calendars)s"),
                calendars=", ".join(calendars) or "-",
            ),
        )
        return None

    def label(self, mapping: YamlMap, key: str, *, default: str | None) -> dict[str, str]:
        return read_label(mapping, key, default=default, diagnostics=self.diagnostics)


def _position(diagnostic: Diagnostic) -> tuple[int, int]:
    span = diagnostic.span
    return (span.line, span.column) if span is not None else (0, 0)
