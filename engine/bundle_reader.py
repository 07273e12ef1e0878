"""Reading one template bundle: template.yaml and every file it lists, checked and built into a
`Bundle`, with every problem collected as a positioned diagnostic instead of stopping at the first.

Pure apart from reading the bundle's own files (through engine.bundle_files). The test cases are
read and run by engine.bundle_cases.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Collection, Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

import dsl
import forms
import workflows
from dsl import CompiledRuleset, Diagnostic, DiagnosticsError, Schema, Span, YamlList, YamlMap
from dsl.diagnostics import error, has_errors
from dsl.texts import N_, did_you_mean
from dsl.texts import text as worded
from engine import ruleset_schema
from engine.access import ADMIN_ROLE
from engine.bundle_cases import CaseReader
from engine.bundle_files import (
    MAX_FILE_BYTES,
    TEMPLATE_FILE,
    Files,
    FileTooLargeError,
    decode,
    is_safe,
)
from engine.bundle_json_schema import (
    DEFAULT_CASES_FILE,
    LANGUAGES,
    TEMPLATE_JSON_SCHEMA,
    schema_diagnostics,
    start_span,
)
from engine.bundle_types import (
    IDENTITY_COLUMNS,
    Bundle,
    Case,
    Definition,
    Definitions,
    ScheduleDef,
)
from engine.credit_policy import read_credit_policy
from engine.cron import cron_problem, is_timezone
from engine.ruleset_schema import CUSTOMER_FORM
from engine.spec_changes import WORKFLOW_KEY as BUILT_IN_WORKFLOW

# the calendar a workspace has without any calendar file (engine.calendars): Monday to Friday
BUILT_IN_CALENDAR: Final = workflows.WEEKDAYS.name

if TYPE_CHECKING:
    from forms import Form
    from workflows import Calendar, Workflow


def _label(value: Any) -> Mapping[str, str]:
    if isinstance(value, str):
        return MappingProxyType(dict.fromkeys(LANGUAGES, value))
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): str(v) for k, v in value.items()})
    return MappingProxyType({})


class BundleReader:
    """Reads one bundle, collecting diagnostics instead of stopping at the first."""

    def __init__(self, files: Files) -> None:
        self.files = files
        self.diagnostics: list[Diagnostic] = []
        self.warnings: list[Diagnostic] = []
        self.sources: dict[str, str] = {}

    def report(self, diagnostics: Iterable[Diagnostic]) -> None:
        for diagnostic in diagnostics:
            self.diagnostics.append(diagnostic)
            if not diagnostic.is_error:
                self.warnings.append(diagnostic)

    def text(self, name: str, span: Span | None) -> str | None:
        """The text of a file of the bundle; reports why when it cannot be read."""
        if not is_safe(name):
            message = worded(N_("'%(name)s' is not a path inside the bundle"), name=name)
            hint = worded(N_("write paths relative to template.yaml, with '/' between folders"))
            self.report([error("bad-path", message, span, hint=hint)])
            return None
        try:
            data = self.files.read(name)
        except FileTooLargeError:
            message = worded(
                N_("'%(name)s' is larger than %(megabytes)d MB"),
                name=name,
                megabytes=MAX_FILE_BYTES // (1024 * 1024),
            )
            self.report([error("file-too-large", message, span)])
            return None
        if data is None:
            self.report(
                [
                    error(
                        "missing-file",
                        worded(N_("'%(name)s' is not in the bundle"), name=name),
                        span,
                    )
                ]
            )
            return None
        try:
            text = decode(data)
        except UnicodeDecodeError:
            self.report(
                [error("not-utf8", worded(N_("'%(name)s' is not UTF-8 text"), name=name), span)]
            )
            return None
        self.sources[name] = text
        return text

    def has_file(self, name: str) -> bool:
        try:
            return self.files.read(name) is not None
        except FileTooLargeError:
            return True  # reading it reports the size

    def read(self, *, base_currency: str | None) -> Bundle | None:
        source = self.text(TEMPLATE_FILE, None)
        if source is None:
            return None
        try:
            document = dsl.load_yaml(source, filename=TEMPLATE_FILE)
        except DiagnosticsError as exc:
            self.report(exc.diagnostics)
            return None
        if not isinstance(document, YamlMap):
            message = worded(
                N_("%(file)s must be a mapping of keys (template, version, ...) to values"),
                file=TEMPLATE_FILE,
            )
            self.report([error("wrong-type", message, start_span(document, TEMPLATE_FILE))])
            return None
        self.report(schema_diagnostics(document, TEMPLATE_JSON_SCHEMA, TEMPLATE_FILE))
        template = _Template(document)
        if base_currency is not None and template.base_currency not in (None, base_currency):
            self.report(
                [
                    error(
                        "base-currency",
                        worded(
                            N_(
                                "the template is written for base currency %(template)s, "
                                "but this workspace's base currency is %(workspace)s"
                            ),
                            template=template.base_currency,
                            workspace=base_currency,
                        ),
                        document.value_span("base_currency"),
                        hint=worded(N_("import a template made for this workspace's currency")),
                    )
                ]
            )

        self.check_permissions(template)
        schedules = self.read_schedules(template)
        calendar_defs = self.read_calendars(template)
        form_defs = self.read_forms(template)
        customer = form_defs.get(CUSTOMER_FORM)
        customer_schema: Schema | None = None
        if customer is not None:
            customer_schema = {**customer.value.dsl_schema(), **forms.TERMS_SCHEMA}
        elif form_defs.complete:
            message = worded(N_("no form of the bundle has the key '%(form)s'"), form=CUSTOMER_FORM)
            hint = worded(
                N_("the form '%(form)s' validates every customer's data"), form=CUSTOMER_FORM
            )
            span = document.key_span("forms") if "forms" in document else None
            self.report([error("no-customer-form", message, span, hint=hint)])
        ruleset_defs = self.read_rulesets(template, form_defs)
        event_forms = {d.key: d.value for d in form_defs.items if d.key != CUSTOMER_FORM}
        self.report(_sensitive_event_fields(event_forms.values()))
        workflow_defs = self.read_workflows(
            template,
            customer_schema,
            forms={key: form.dsl_schema() for key, form in event_forms.items()}
            if form_defs.complete
            else None,
            # the names a workflow's `calendar:` may give; not checked when a file was unreadable
            calendars=(BUILT_IN_CALENDAR, *(d.key for d in calendar_defs))
            if len(calendar_defs) == len(template.files("calendars"))
            else None,
        )
        credit_policy = None
        if customer_schema is not None:
            credit_policy, found = read_credit_policy(
                document,
                filename=TEMPLATE_FILE,
                source=source,
                customer_schema=customer_schema,
                roles=template.roles,
            )
            self.report(found)
        sample_data = self.read_sample_data(template, customer_schema)
        cases = self.read_cases(template, customer_schema, ruleset_defs, event_forms)

        if has_errors(self.diagnostics):
            return None
        assert template.key and template.version and template.base_currency
        return Bundle(
            key=template.key,
            version=template.version,
            name=_label(document.get("name")),
            description=_label(document.get("description")),
            base_currency=template.base_currency,
            roles=template.roles,
            permissions=MappingProxyType(template.permissions),
            forms=Definitions(form_defs.items),
            rulesets=Definitions(ruleset_defs),
            workflows=Definitions(workflow_defs),
            sample_data=MappingProxyType(sample_data),
            cases=cases,
            source=source,
            sources=MappingProxyType(dict(self.sources)),
            warnings=tuple(self.warnings),
            checksum=_checksum(self.sources),
            schedules=schedules,
            publish_requires_approval=template.publish_requires_approval,
            calendars=Definitions(calendar_defs),
            default_calendar=_text(document.get("default_calendar")),
            credit_policy=credit_policy,
        )

    def check_permissions(self, template: _Template) -> None:
        """Each role `permissions:` maps must be one of the template's roles, and not admin."""
        mapping = template.document.get("permissions")
        if not isinstance(mapping, YamlMap):
            return
        for role in mapping:
            if role == ADMIN_ROLE:
                message = worded(N_("the role admin holds every permission; it cannot be mapped"))
                self.report([error("admin-permissions", message, mapping.key_span(role))])
            elif isinstance(role, str) and role not in template.roles:
                message = worded(
                    N_("permissions names the role '%(role)s', which is not in roles"), role=role
                )
                hint = worded(
                    N_("add it to roles, or use one of %(roles)s"),
                    roles=", ".join(template.roles),
                )
                self.report([error("unknown-role", message, mapping.key_span(role), hint=hint)])

    # forms

    def read_forms(self, template: _Template) -> _Forms:
        result = _Forms()
        for name, span in template.files("forms"):
            text = self.text(name, span)
            if text is None:
                result.complete = False
                continue
            try:
                form = forms.load_form(text, filename=name)
            except DiagnosticsError as exc:
                self.report(exc.diagnostics)
                result.complete = False
                continue
            self.report(getattr(form, "warnings", ()))
            if form.key in result.by_key:
                other = result.by_key[form.key].filename
                message = worded(
                    N_("the form '%(form)s' is also defined by %(other)s"),
                    form=form.key,
                    other=other,
                )
                self.report([error("duplicate-form", message, span)])
                continue
            definition = Definition(form.key, form, text, name)
            result.by_key[form.key] = definition
            result.items.append(definition)
        return result

    # rulesets

    def read_rulesets(
        self, template: _Template, form_defs: _Forms
    ) -> list[Definition[CompiledRuleset]]:
        result: list[Definition[CompiledRuleset]] = []
        seen: dict[str, str] = {}
        for name, span in template.files("rulesets"):
            text = self.text(name, span)
            if text is None:
                continue
            form = self.ruleset_form(text, name, form_defs)
            try:
                # engine.ruleset_schema: the same inputs as a published ruleset is loaded with
                ruleset = ruleset_schema.compile_ruleset(
                    text,
                    filename=name,
                    form=form,
                    event_forms=[d.value for d in form_defs.items] if form_defs.complete else None,
                    base_currency=template.base_currency,
                )
            except DiagnosticsError as exc:
                self.report(exc.diagnostics)
                continue
            self.report(ruleset.warnings)
            if ruleset.id in seen:
                message = worded(
                    N_("the ruleset '%(ruleset)s' is also defined by %(other)s"),
                    ruleset=ruleset.id,
                    other=seen[ruleset.id],
                )
                self.report([error("duplicate-ruleset", message, span)])
                continue
            seen[ruleset.id] = name
            result.append(Definition(ruleset.id, ruleset, text, name))
        return result

    def ruleset_inputs(self, text: str, filename: str) -> tuple[Form | None, list[Form] | None]:
        """For checking one rules file of this template on its own (`engine.bundle.check_path`):
        the form it names and the template's forms (None when a form file could not be read),
        reporting problems with template.yaml, the forms or the `form` header."""
        source = self.text(TEMPLATE_FILE, None)
        if source is None:
            return None, None
        try:
            document = dsl.load_yaml(source, filename=TEMPLATE_FILE)
        except DiagnosticsError as exc:
            self.report(exc.diagnostics)
            return None, None
        if not isinstance(document, YamlMap):
            return None, None
        form_defs = self.read_forms(_Template(document))
        form = self.ruleset_form(text, filename, form_defs)
        return form, [d.value for d in form_defs.items] if form_defs.complete else None

    def ruleset_form(self, text: str, filename: str, form_defs: _Forms) -> Form | None:
        """The form a ruleset is written for; reports a missing or unknown `form` header."""
        header = _form_header(text, filename)
        if header is None:
            message = worded(N_("the ruleset names no form"))
            hint = worded(N_("add 'form %(form)s' after the ruleset header"), form=CUSTOMER_FORM)
            self.report(
                [error("ruleset-without-form", message, Span.point(filename, 1, 1), hint=hint)]
            )
            return None
        form_name, span = header
        definition = form_defs.by_key.get(form_name)
        if definition is None:
            if form_defs.complete:
                message = worded(
                    N_(
                        "the ruleset is written for the form '%(form)s', which the bundle does "
                        "not define%(did_you_mean)s"
                    ),
                    form=form_name,
                    did_you_mean=did_you_mean(form_name, form_defs.by_key),
                )
                self.report([error("unknown-form", message, span)])
            return None
        return definition.value

    # workflows

    def read_workflows(
        self,
        template: _Template,
        schema: Schema | None,
        *,
        forms: Mapping[str, Schema] | None = None,
        calendars: Collection[str] | None = None,
    ) -> list[Definition[Workflow]]:
        """The bundle's workflows, each checked against the customer `schema`, the template's
        roles, its other forms by key, the keys of its workflows (what a `start` may name) and
        its calendar names (None: not checked)."""
        result: list[Definition[Workflow]] = []
        seen: dict[str, str] = {}
        files = [(name, span, self.text(name, span)) for name, span in template.files("workflows")]
        keys = tuple(key for *_, text in files if (key := _workflow_key(text)) is not None)
        for name, span, text in files:
            if text is None:
                continue
            try:
                workflow = workflows.load_workflow(
                    text,
                    filename=name,
                    schema=schema,
                    roles=template.roles,
                    forms=forms,
                    workflows=keys,
                    calendars=calendars,
                )
            except DiagnosticsError as exc:
                self.report(exc.diagnostics)
                continue
            self.report(workflow.warnings)
            if workflow.key == BUILT_IN_WORKFLOW:
                message = worded(
                    N_("the workflow key '%(workflow)s' is the engine's own; choose another"),
                    workflow=workflow.key,
                )
                self.report([error("reserved-workflow", message, span)])
                continue
            if workflow.key in seen:
                message = worded(
                    N_("the workflow '%(workflow)s' is also defined by %(other)s"),
                    workflow=workflow.key,
                    other=seen[workflow.key],
                )
                self.report([error("duplicate-workflow", message, span)])
                continue
            seen[workflow.key] = name
            result.append(Definition(workflow.key, workflow, text, name))
        return result

    # calendars

    def read_calendars(self, template: _Template) -> list[Definition[Calendar]]:
        """The calendar files, each name once; `default_calendar` must name one of them."""
        result: list[Definition[Calendar]] = []
        seen: dict[str, str] = {}
        complete = True
        for name, span in template.files("calendars"):
            text = self.text(name, span)
            if text is None:
                complete = False
                continue
            calendar, diagnostics = workflows.read_calendar(text, filename=name)
            self.report(diagnostics)
            if calendar is None or has_errors(diagnostics):
                complete = False
                continue
            if calendar.name in seen:
                message = worded(
                    N_("the calendar '%(calendar)s' is also defined by %(other)s"),
                    calendar=calendar.name,
                    other=seen[calendar.name],
                )
                self.report([error("duplicate-calendar", message, span)])
                continue
            seen[calendar.name] = name
            result.append(Definition(calendar.name, calendar, text, name))
        default = template.document.get("default_calendar")
        if isinstance(default, str) and complete and default not in seen:
            message = worded(
                N_("default_calendar names '%(calendar)s', which no calendar file defines"),
                calendar=default,
            )
            hint = (
                worded(N_("the calendars are: %(names)s"), names=", ".join(seen))
                if seen
                else worded(N_("list its file under calendars"))
            )
            span = template.document.value_span("default_calendar")
            self.report([error("unknown-calendar", message, span, hint=hint)])
        return result

    # schedules

    def read_schedules(self, template: _Template) -> tuple[ScheduleDef, ...]:
        """The well-formed schedules (the JSON Schema has reported the others): ids unique,
        cron expressions and time zones usable (engine.cron)."""
        items = template.document.get("schedules")
        if not isinstance(items, YamlList):
            return ()
        result: list[ScheduleDef] = []
        seen: set[str] = set()
        for index, item in enumerate(items):
            if not isinstance(item, YamlMap):
                continue
            schedule_id, cron, action = item.get("id"), item.get("cron"), item.get("action")
            zone = item.get("timezone")
            if not all(isinstance(v, str) for v in (schedule_id, cron, action)) or not isinstance(
                zone, str | None
            ):
                continue
            assert isinstance(schedule_id, str) and isinstance(cron, str)
            assert isinstance(action, str)
            problems = len(self.diagnostics)
            if schedule_id in seen:
                message = worded(
                    N_("the schedule id '%(id)s' is used twice in schedules"), id=schedule_id
                )
                self.report([error("duplicate-schedule", message, item.value_span("id"))])
            seen.add(schedule_id)
            if zone is not None and not is_timezone(zone):
                message = worded(N_("'%(zone)s' is not a known time zone"), zone=zone)
                hint = worded(N_("use an IANA name such as Asia/Shanghai or UTC"))
                self.report(
                    [error("unknown-timezone", message, item.value_span("timezone"), hint=hint)]
                )
            else:
                problem = cron_problem(cron, zone or "UTC")
                if problem is not None:
                    message = worded(
                        N_("the cron expression '%(cron)s' cannot be used: %(problem)s"),
                        cron=cron,
                        problem=problem,
                    )
                    hint = worded(
                        N_(
                            "write five fields: minute hour day month weekday, "
                            'such as "0 2 * * *" for 02:00 every day'
                        )
                    )
                    self.report([error("bad-cron", message, item.value_span("cron"), hint=hint)])
            if len(self.diagnostics) == problems:
                result.append(ScheduleDef(schedule_id, cron, action, zone, items.item_span(index)))
        return tuple(result)

    # sample data

    def read_sample_data(self, template: _Template, schema: Schema | None) -> dict[str, str]:
        result: dict[str, str] = {}
        for name, span in template.files("sample_data"):
            text = self.text(name, span)
            if text is None:
                continue
            result[name] = text
            self.report(_check_csv(text, name, schema))
        return result

    # cases

    def read_cases(
        self,
        template: _Template,
        schema: Schema | None,
        rulesets: list[Definition[CompiledRuleset]],
        event_forms: Mapping[str, Form] | None,
    ) -> tuple[Case, ...]:
        files = template.files("tests")
        if "tests" not in template.document and self.has_file(DEFAULT_CASES_FILE):
            files = [(DEFAULT_CASES_FILE, None)]
        reader = CaseReader(
            report=self.report,
            schema=schema,
            rulesets=rulesets,
            all_compiled=len(rulesets) == len(template.files("rulesets")),
            event_forms=event_forms,
        )
        cases: list[Case] = []
        for name, span in files:
            text = self.text(name, span)
            if text is None:
                continue
            cases.extend(reader.read_file(text, name))
        return tuple(cases)


class _Forms:
    """The forms read so far; `complete` is False when a form file could not be read."""

    def __init__(self) -> None:
        self.items: list[Definition[Form]] = []
        self.by_key: dict[str, Definition[Form]] = {}
        self.complete = True

    def get(self, key: str) -> Definition[Form] | None:
        return self.by_key.get(key)


class _Template:
    """The values of template.yaml, read leniently: whatever has the wrong shape is None or empty
    (the schema check has reported it)."""

    def __init__(self, document: YamlMap) -> None:
        self.document = document
        self.key = _text(document.get("template"))
        self.version = _text(document.get("version"))
        self.base_currency = _text(document.get("base_currency"))
        roles = document.get("roles")
        self.roles: tuple[str, ...] = tuple(
            dict.fromkeys(r for r in roles if isinstance(r, str)) if isinstance(roles, list) else ()
        )
        mapped = document.get("permissions")
        self.permissions: dict[str, tuple[str, ...]] = (
            {
                str(role): tuple(p for p in names if isinstance(p, str))
                for role, names in mapped.items()
                if isinstance(names, list)
            }
            if isinstance(mapped, dict)
            else {}
        )

        governance = document.get("governance")
        self.publish_requires_approval = isinstance(governance, dict) and (
            governance.get("publish_requires_approval") is True
        )

    def files(self, key: str) -> list[tuple[str, Span | None]]:
        """The file names listed under `key`, each with its position, once each."""
        items = self.document.get(key)
        if not isinstance(items, YamlList):
            return []
        seen: set[str] = set()
        result: list[tuple[str, Span | None]] = []
        for index, item in enumerate(items):
            if isinstance(item, str) and item not in seen:
                seen.add(item)
                result.append((item, items.item_span(index)))
        return result


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _workflow_key(text: str | None) -> str | None:
    """The key a workflow file declares, read leniently (its own check reports the rest)."""
    if text is None:
        return None
    try:
        document = dsl.load_yaml(text, filename="")
    except DiagnosticsError:
        return None
    key = document.get("workflow") if isinstance(document, YamlMap) else None
    return key if isinstance(key, str) else None


_FORM_HEADER: Final = re.compile(r"^[ \t\u3000]*(?:form|表单)[ \t\u3000]+([^\s#\"]+)", re.M)


def _form_header(text: str, filename: str) -> tuple[str, Span] | None:
    """The form a ruleset names (`form customer`) and the position of the name."""
    match = _FORM_HEADER.search(text)
    if match is None:
        return None
    start = match.start(1)
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    name = match.group(1)
    return name, Span(filename, line, column, line, column + len(name))


def _sensitive_event_fields(event_forms: Iterable[forms.Form]) -> list[Diagnostic]:
    """`sensitive` is sealed and masked on customers only: an event's payload is stored as sent,
    so a sensitive field in an event form is refused rather than left in clear."""
    return [
        error(
            "sensitive-event-field",
            worded(
                N_(
                    "'sensitive' applies only to the fields of the '%(customer)s' form: the "
                    "payload of a '%(form)s' event is stored as sent"
                ),
                customer=CUSTOMER_FORM,
                form=form.key,
            ),
            field.span,
            hint=worded(
                N_("keep the value on the customer, or remove 'sensitive' from this field")
            ),
        )
        for form in event_forms
        for field in form.fields
        if field.sensitive
    ]


def _check_csv(text: str, filename: str, schema: Schema | None) -> list[Diagnostic]:
    """Sample data: a header of known columns with external_ref, and rows as wide as it."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return [
            error(
                "empty-file",
                worded(N_("'%(file)s' is empty"), file=filename),
                Span.point(filename, 1, 1),
            )
        ]
    header = rows[0]
    diagnostics: list[Diagnostic] = []
    first_line = text.splitlines()[0] if text else ""
    if schema is not None:
        known = [*IDENTITY_COLUMNS, *schema]
        for column in header:
            if column not in known:
                start = first_line.find(column) + 1 or 1
                span = Span(filename, 1, start, 1, start + max(len(column), 1))
                message = worded(
                    N_("unknown column '%(column)s'%(did_you_mean)s"),
                    column=column,
                    did_you_mean=did_you_mean(column, known),
                )
                diagnostics.append(error("unknown-column", message, span))
    if "external_ref" not in header:
        message = worded(N_("the header has no 'external_ref' column (each customer's reference)"))
        diagnostics.append(error("missing-column", message, Span.point(filename, 1, 1)))
    for number, row in enumerate(rows[1:], 2):
        if row and len(row) != len(header):
            message = worded(
                N_("row %(number)d has %(values)d values, but the header names %(names)d"),
                number=number,
                values=len(row),
                names=len(header),
            )
            diagnostics.append(error("bad-row", message, Span.point(filename, number, 1)))
    return diagnostics


def _checksum(sources: Mapping[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(sources):
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(sources[name].encode())
        digest.update(b"\0")
    return digest.hexdigest()
