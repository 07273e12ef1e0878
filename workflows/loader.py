"""Load and check a workflow definition written in YAML (docs/workflows.md). Pure: no I/O.

Every problem of a file is collected as a positioned diagnostic; `load_workflow` raises them all
together as a `WorkflowError`, `check_workflow` returns them. Expressions (trigger guards, terms
values) are compiled by `dsl.compile_expression`, positioned inside the YAML file. The steps are
read by `workflows.step_reader`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from types import MappingProxyType
from typing import Any

import dsl
from dsl import Diagnostic, DiagnosticsError, Schema, Span, ValueType, YamlMap
from dsl.diagnostics import error, has_errors
from dsl.texts import N_, Text, did_you_mean, text
from workflows.errors import WorkflowError
from workflows.expressions import compile_at, guard_schema, terms_schema
from workflows.graph import check_graph
from workflows.model import Trigger, TriggerKind, Workflow
from workflows.reading import (
    check_keys,
    expect_identifier,
    expect_map,
    expect_text,
    require,
)
from workflows.step_reader import StepReader

TOP_KEYS = ("workflow", "label", "trigger", "start", "steps")
TRIGGER_KEYS = ("on", "when")
LANGUAGES = ("en", "zh")


def load_workflow(
    text: str, *, filename: str, schema: Schema | None = None, roles: Collection[str] = ()
) -> Workflow:
    """Load a workflow definition and check it completely.

    `schema` is the customer's fields plus the terms (None: names are not checked); the loader adds
    `assessment.{tier, previous_tier, score}` and, for terms values, `case.step`. `roles` are the
    roles the template declares (`admin` is always allowed). Returns the `Workflow` with its
    warnings; raises `WorkflowError` listing every error and warning when there is an error.
    """
    workflow, diagnostics = _read(text, filename=filename, schema=schema, roles=roles)
    if workflow is None or has_errors(diagnostics):
        raise WorkflowError(diagnostics)
    return workflow


def check_workflow(
    text: str, *, filename: str, schema: Schema | None = None, roles: Collection[str] = ()
) -> tuple[Diagnostic, ...]:
    """Every error and warning of a workflow definition (as `load_workflow` finds them); never
    raises."""
    return _read(text, filename=filename, schema=schema, roles=roles)[1]


def _read(
    text: str, *, filename: str, schema: Schema | None, roles: Collection[str]
) -> tuple[Workflow | None, tuple[Diagnostic, ...]]:
    try:
        document = dsl.load_yaml(text, filename=filename)
    except DiagnosticsError as exc:
        return None, exc.diagnostics
    reader = _Reader(text=text, filename=filename, schema=schema, roles=roles)
    workflow = reader.workflow(document, checksum=hashlib.sha256(text.encode()).hexdigest())
    return workflow, tuple(reader.diagnostics)


class _Reader:
    """Reads one workflow document, collecting diagnostics instead of stopping at the first."""

    def __init__(
        self, *, text: str, filename: str, schema: Schema | None, roles: Collection[str]
    ) -> None:
        self.filename = filename
        self.lines = text.splitlines()
        self.guard_schema = guard_schema(schema)
        self.diagnostics: list[Diagnostic] = []
        self.steps = StepReader(
            filename=filename,
            lines=self.lines,
            roles=roles,
            schema=terms_schema(schema),
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
        trigger = self.trigger(top) if "trigger" in top else None
        steps = self.steps.steps(top) if "steps" in top else {}
        start = None
        if "start" in top and self.steps.steps_readable:
            start = self.steps.target(top, "start", allow_closed=False)
        self.diagnostics.extend(check_graph(self.steps.shapes, start=start))
        self.diagnostics.sort(key=_position)
        if key is None or trigger is None or start is None or has_errors(self.diagnostics):
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
        )

    def label(self, mapping: YamlMap, key: str, *, default: str | None) -> dict[str, str]:
        value = mapping[key]
        if isinstance(value, str) and value.strip():
            return dict.fromkeys(LANGUAGES, value)  # one text for every language
        texts = expect_map(
            value,
            mapping.value_span(key),
            what=text(N_("a label: text, or a mapping of language (en, zh) to text")),
            diagnostics=self.diagnostics,
        )
        if texts is None:
            return dict.fromkeys(LANGUAGES, default or "")
        result: dict[str, str] = {}
        for language, written in texts.items():
            if language not in LANGUAGES:
                self.error(
                    "unknown-language",
                    text(
                        N_("unknown language '%(language)s' in a label%(did_you_mean)s"),
                        language=language,
                        did_you_mean=did_you_mean(str(language), LANGUAGES),
                    ),
                    texts.key_span(language),
                    hint=text(
                        N_("labels are written in: %(languages)s"), languages=", ".join(LANGUAGES)
                    ),
                )
            elif expect_text(
                texts, language, what=text(N_("the label's text")), diagnostics=self.diagnostics
            ):
                result[language] = written
        if not texts:
            self.error("wrong-type", text(N_("a label needs at least one language")), texts.span)
        return result or dict.fromkeys(LANGUAGES, default or "")

    # --- trigger -----------------------------------------------------------------------------

    def trigger(self, top: YamlMap) -> Trigger | None:
        trigger = expect_map(
            top["trigger"],
            top.value_span("trigger"),
            what=text(N_('a trigger like {on: tier_changed, when: "..."}')),
            diagnostics=self.diagnostics,
        )
        if trigger is None:
            return None
        check_keys(
            trigger,
            allowed=TRIGGER_KEYS,
            where=text(N_("in the trigger")),
            diagnostics=self.diagnostics,
        )
        if not require(
            trigger,
            ("on",),
            where=text(N_("in the trigger")),
            span=top.key_span("trigger"),
            diagnostics=self.diagnostics,
        ):
            return None
        on = trigger["on"]
        kinds = [str(TriggerKind.TIER_CHANGED)]  # the others arrive with workflows.triggers
        if on not in kinds:
            self.error(
                "unknown-trigger",
                text(
                    N_("unknown trigger '%(on)s'%(did_you_mean)s"),
                    on=on,
                    did_you_mean=did_you_mean(str(on), kinds),
                ),
                trigger.value_span("on"),
                hint=text(
                    N_("this version starts workflows on: %(kinds)s"), kinds=", ".join(kinds)
                ),
            )
            return None
        when = None
        if "when" in trigger:
            when = compile_at(
                trigger,
                "when",
                filename=self.filename,
                expect=ValueType.BOOLEAN,
                schema=self.guard_schema,
                what=text(N_("a condition")),
                lines=self.lines,
                diagnostics=self.diagnostics,
            )
            if when is None:
                return None
        return Trigger(on=TriggerKind(on), when=when, span=top.key_span("trigger"))


def _position(diagnostic: Diagnostic) -> tuple[int, int]:
    span = diagnostic.span
    return (span.line, span.column) if span is not None else (0, 0)
