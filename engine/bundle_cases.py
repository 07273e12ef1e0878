"""The test cases of a template bundle: read from its case files, their events checked by the
bundle's event forms, and each case run against its ruleset.

Pure: the files are read by engine.bundle_reader, which hands each case file's text over here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import dsl
import forms
from dsl import CompiledRuleset, Diagnostic, DiagnosticsError, Schema, Span, YamlList, YamlMap
from dsl.diagnostics import error
from dsl.texts import N_, Text, did_you_mean, joined
from dsl.texts import text as worded
from engine.bundle_json_schema import CASES_JSON_SCHEMA, DEFAULT_CASE_AS_OF, schema_diagnostics
from engine.bundle_types import IDENTITY_COLUMNS, Case, Definition
from engine.ruleset_schema import CUSTOMER_FORM

if TYPE_CHECKING:
    from forms import Form


class CaseReader:
    """Reads the case files of one bundle, reporting every problem through `report`.

    `schema` None: the customer form could not be read, so record fields are not checked.
    `event_forms` None: some form could not be read, so event kinds and payloads are not checked.
    `all_compiled` False: some ruleset did not compile, so unknown ruleset ids are not reported.
    """

    def __init__(
        self,
        *,
        report: Callable[[Iterable[Diagnostic]], None],
        schema: Schema | None,
        rulesets: list[Definition[CompiledRuleset]],
        all_compiled: bool,
        event_forms: Mapping[str, Form] | None,
    ) -> None:
        self.report = report
        self.schema = schema
        self.by_id = {d.key: d.value for d in rulesets}
        self.default = next((d.value for d in rulesets if d.value.form == CUSTOMER_FORM), None)
        self.all_compiled = all_compiled
        self.event_forms = event_forms

    def read_file(self, text: str, filename: str) -> list[Case]:
        """The cases of one case file, each run against its ruleset."""
        try:
            document = dsl.load_yaml(text, filename=filename)
        except DiagnosticsError as exc:
            self.report(exc.diagnostics)
            return []
        problems = schema_diagnostics(document, CASES_JSON_SCHEMA, filename)
        self.report(problems)
        if problems:
            return []
        cases: list[Case] = []
        for item in document:
            case = self.read_case(item, filename)
            if case is None:
                continue
            cases.append(case)
            ruleset = self.by_id.get(case.ruleset) if case.ruleset else self.default
            if case.ruleset and case.ruleset not in self.by_id and self.all_compiled:
                message = worded(
                    N_(
                        "case '%(case)s' names the ruleset '%(ruleset)s', which the "
                        "bundle does not define%(did_you_mean)s"
                    ),
                    case=case.name,
                    ruleset=case.ruleset,
                    did_you_mean=did_you_mean(case.ruleset, self.by_id),
                )
                self.report([error("unknown-ruleset", message, item.value_span("ruleset"))])
            if ruleset is not None:
                self.report(_run_case(case, ruleset))
        return cases

    def read_case(self, item: YamlMap, filename: str) -> Case | None:
        name = str(item["name"])
        as_of = item.get("as_of", DEFAULT_CASE_AS_OF)
        if isinstance(as_of, str):
            try:
                as_of = date.fromisoformat(as_of)
            except ValueError:
                as_of = None
        if not isinstance(as_of, date):
            message = worded(
                N_("'as_of' of case '%(case)s' must be a date such as 2026-01-31"), case=name
            )
            self.report([error("bad-value", message, item.value_span("as_of"))])
            return None
        record: YamlMap = item["record"]
        if self.schema is not None:
            for field in record:
                if field not in self.schema and field not in IDENTITY_COLUMNS:
                    message = worded(
                        N_("case '%(case)s' sets the unknown field '%(field)s'%(did_you_mean)s"),
                        case=name,
                        field=field,
                        did_you_mean=did_you_mean(str(field), self.schema),
                    )
                    self.report([error("unknown-field", message, record.key_span(field))])
        events = self.read_case_events(name, item.get("events"))
        if events is None:
            return None
        expected: YamlMap = item["expected"]
        flags = expected.get("flags")
        return Case(
            name=name,
            record=MappingProxyType(dict(record)),
            events=events,
            score=expected["score"],
            tier=str(expected["tier"]),
            fired=tuple(expected["fired"]),
            flags=None if flags is None else tuple(flags),
            as_of=as_of,
            ruleset=item.get("ruleset"),
            filename=filename,
            span=item.value_span("name"),
        )

    def read_case_events(
        self, name: str, items: YamlList | None
    ) -> tuple[Mapping[str, Any], ...] | None:
        """A case's events with their payloads checked and normalised by their event forms, as
        the engine stores them (engine.events); None (reported) when one is wrong."""
        if items is None:
            return ()
        events: list[Mapping[str, Any]] = []
        problems: list[Diagnostic] = []
        for index, event in enumerate(items):
            kind = str(event["kind"])
            payload = dict(event.get("payload") or {})
            where = worded(N_("event %(number)d of case '%(case)s'"), number=index + 1, case=name)
            occurred_at = _event_time(event["occurred_at"])
            if occurred_at is None:
                message = worded(
                    N_("'occurred_at' of %(where)s must be a date such as 2026-01-31, or a time"),
                    where=where,
                )
                problems.append(error("bad-value", message, event.value_span("occurred_at")))
                continue
            form = self.event_forms.get(kind) if self.event_forms is not None else None
            if self.event_forms is not None and form is None:
                message = worded(
                    N_(
                        "%(where)s is of the kind '%(kind)s', which no event form of the bundle "
                        "defines%(did_you_mean)s"
                    ),
                    where=where,
                    kind=kind,
                    did_you_mean=did_you_mean(kind, self.event_forms),
                )
                problems.append(error("unknown-event-kind", message, event.value_span("kind")))
                continue
            if form is not None:
                errors = forms.validate(form, payload)
                problems.extend(
                    error(
                        e.code,
                        worded(
                            N_("%(where)s: %(problem)s"),
                            where=where,
                            problem=e.wording or worded(e.message),
                        ),
                        _payload_span(event, index, items, e),
                    )
                    for e in errors
                )
                if errors:
                    continue
                payload = forms.normalise(form, payload)
            events.append(
                MappingProxyType({"kind": kind, "occurred_at": occurred_at, "payload": payload})
            )
        self.report(problems)
        return None if problems else tuple(events)


def _payload_span(event: YamlMap, index: int, items: YamlList, problem: forms.DataError) -> Span:
    """Where a case event's payload error is: at the field it names, else at the payload."""
    payload = event.get("payload")
    if not isinstance(payload, YamlMap):
        return items.item_span(index)
    field = problem.path[0] if problem.path else None
    if field in payload:
        return (
            payload.key_span(field)
            if problem.code == "unknown-field"
            else (payload.value_span(field))
        )
    return event.value_span("payload")


def _event_time(value: Any) -> str | None:
    """A case event's date or time as ISO text, or None when it is neither."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return (
                datetime.fromisoformat(value).isoformat()
                if "T" in value
                else (date.fromisoformat(value).isoformat())
            )
        except ValueError:
            return None
    return None


def _run_case(case: Case, ruleset: CompiledRuleset) -> list[Diagnostic]:
    """An error naming the case when the ruleset does not give what it expects."""
    result = ruleset.evaluate(case.record, events=case.events, as_of=case.as_of)
    problems: list[Text] = []
    if result.score != case.score:
        problems.append(
            worded(
                N_("score %(score)s, expected %(expected)s"),
                score=result.score,
                expected=case.score,
            )
        )
    if result.tier != case.tier:
        problems.append(
            worded(N_("tier %(tier)s, expected %(expected)s"), tier=result.tier, expected=case.tier)
        )
    fired = [f.id for f in result.fired]
    missing = [rule for rule in case.fired if rule not in fired]
    extra = [rule for rule in fired if rule not in case.fired]
    if missing:
        problems.append(worded(N_("%(rules)s did not fire"), rules=", ".join(missing)))
    if extra:
        problems.append(worded(N_("%(rules)s fired unexpectedly"), rules=", ".join(extra)))
    if case.flags is not None and set(case.flags) != set(result.flags):
        problems.append(
            worded(
                N_("flags %(got)s, expected %(expected)s"),
                got=_flags(result.flags),
                expected=_flags(case.flags),
            )
        )
    if not problems:
        return []
    message = worded(
        N_("case '%(case)s' fails: %(problems)s"), case=case.name, problems=joined(problems, "; ")
    )
    return [error("case-failed", message, case.span)]


def _flags(flags: Iterable[str]) -> Text:
    """Flag names in order, or `none`."""
    names = ", ".join(sorted(flags))
    return worded("%(names)s", names=names) if names else worded(N_("none"))
