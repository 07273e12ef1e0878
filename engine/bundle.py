"""Template bundles: read a folder or .zip, check every file in it, return a frozen `Bundle`.

Pure apart from reading the bundle's own files: no database, no clock, no settings. Every problem
of every file is collected as a positioned diagnostic (file names relative to the bundle root, such
as `rules/credit.rules`) and raised together as one `TemplateError`. The format is described in
docs/templates.md; the files are read by engine.bundle_files, and template.yaml and the case
files are checked against the JSON Schemas of engine.bundle_json_schema.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Iterator, KeysView, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Generic, NamedTuple, TypeVar

import dsl
import forms
import workflows
from dsl import CompiledRuleset, Diagnostic, DiagnosticsError, Schema, Span, YamlList, YamlMap
from dsl.diagnostics import error, has_errors
from dsl.spelling import did_you_mean
from engine import ruleset_schema
from engine.bundle_files import (
    MAX_FILE_BYTES,
    TEMPLATE_FILE,
    Files,
    FileTooLargeError,
    Folder,
    decode,
    is_safe,
    open_zip,
)
from engine.bundle_json_schema import (
    CASES_JSON_SCHEMA,
    DEFAULT_CASE_AS_OF,
    DEFAULT_CASES_FILE,
    LANGUAGES,
    TEMPLATE_JSON_SCHEMA,
    schema_diagnostics,
    start_span,
)

if TYPE_CHECKING:
    from forms import Form
    from workflows import Workflow

CUSTOMER_FORM: Final = "customer"
# Columns of sample data besides the customer form's fields and the credit terms.
IDENTITY_COLUMNS: Final = ("external_ref", "name", "department")


class TemplateError(DiagnosticsError):
    """A bundle that cannot be imported; `diagnostics` lists every problem of every file, and
    `sources` holds the text of each file read (file name → text) for rendering snippets."""

    def __init__(
        self, diagnostics: Iterable[Diagnostic], sources: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(diagnostics)
        self.sources: Mapping[str, str] = MappingProxyType(dict(sources or {}))


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Definition(Generic[T]):
    """One definition of a bundle: its key, the loaded value, its source text and file name."""

    key: str
    value: T
    source: str
    filename: str


class Definitions(Generic[T]):
    """The definitions of one kind, in the order template.yaml lists them.

    Iterating gives the `Definition`s; indexing, `get`, `in` and `keys()` go by key.
    """

    __slots__ = ("_by_key",)

    def __init__(self, items: Iterable[Definition[T]] = ()) -> None:
        self._by_key: Mapping[str, Definition[T]] = MappingProxyType({d.key: d for d in items})

    def __iter__(self) -> Iterator[Definition[T]]:
        return iter(self._by_key.values())

    def __len__(self) -> int:
        return len(self._by_key)

    def __getitem__(self, key: str) -> Definition[T]:
        return self._by_key[key]

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def get(self, key: str) -> Definition[T] | None:
        return self._by_key.get(key)

    def keys(self) -> KeysView[str]:
        return self._by_key.keys()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Definitions) and list(self) == list(other)

    def __hash__(self) -> int:
        return hash(tuple(self._by_key))

    def __repr__(self) -> str:
        return f"Definitions({list(self._by_key)})"


@dataclass(frozen=True, slots=True)
class Case:
    """A test case of the bundle: a record in, the expected score, tier and fired rules out."""

    name: str
    record: Mapping[str, Any]
    events: tuple[Mapping[str, Any], ...]  # {kind, occurred_at (ISO text), payload}, as given
    score: int | float
    tier: str
    fired: tuple[str, ...]
    flags: tuple[str, ...] | None  # None: not checked
    as_of: date
    ruleset: str | None  # None: the customer form's ruleset
    filename: str
    span: Span


@dataclass(frozen=True, slots=True)
class Bundle:
    """A checked template bundle. Everything in it was valid when it was loaded."""

    key: str
    version: str  # the template's own version, "1.0.0"
    name: Mapping[str, str]  # language → text
    description: Mapping[str, str]
    base_currency: str
    roles: tuple[str, ...]
    forms: Definitions[Form]
    rulesets: Definitions[CompiledRuleset]  # by ruleset id
    workflows: Definitions[Workflow]
    sample_data: Mapping[str, str]  # file name → text
    cases: tuple[Case, ...]
    source: str  # the text of template.yaml
    sources: Mapping[str, str]  # file name → text, for every file read
    warnings: tuple[Diagnostic, ...]
    checksum: str  # sha256 over every file read
    filename: str = TEMPLATE_FILE

    @property
    def customer_form(self) -> Form:
        return self.forms[CUSTOMER_FORM].value

    def ruleset_for(self, form: str = CUSTOMER_FORM) -> CompiledRuleset | None:
        """The first ruleset written for `form`, in template.yaml's order."""
        return next((d.value for d in self.rulesets if d.value.form == form), None)


class CheckResult(NamedTuple):
    """What `check_path` found: every error and warning, and the text of each file read."""

    diagnostics: tuple[Diagnostic, ...]
    sources: Mapping[str, str]


def load_bundle(path: str | Path, *, base_currency: str | None = None) -> Bundle:
    """Read and check the bundle at `path` (a folder or a .zip).

    Returns the `Bundle`, warnings kept on `Bundle.warnings`. Raises `TemplateError` with every
    error and warning of every file when there is an error, including a `base_currency` other
    than the one given (when given).
    """
    bundle, diagnostics, sources = _read_bundle(Path(path), base_currency=base_currency)
    if bundle is None or has_errors(diagnostics):
        raise TemplateError(diagnostics, sources)
    return bundle


def check_path(path: str | Path, *, base_currency: str | None = None) -> CheckResult:
    """Every diagnostic of a bundle folder, a .zip bundle or a single .rules file; never raises.

    A single rules file is compiled without a form (only structural errors are found); its
    diagnostics name it as `path` was given.
    """
    path = Path(path)
    if path.is_file() and path.suffix == ".rules":
        try:
            source = decode(path.read_bytes())
        except (OSError, UnicodeDecodeError) as exc:
            return CheckResult((error("unreadable", f"cannot read {path}: {exc}", None),), {})
        filename = str(path)
        return CheckResult(
            dsl.check_ruleset(source, filename=filename), MappingProxyType({filename: source})
        )
    if path.is_file() and path.name == TEMPLATE_FILE:
        path = path.parent
    if not path.exists():
        return CheckResult((error("not-found", f"{path} does not exist", None),), {})
    if path.is_file() and path.suffix.lower() != ".zip":
        message = f"{path} is neither a template folder, a .zip bundle nor a .rules file"
        return CheckResult((error("not-a-bundle", message, None),), {})
    _, diagnostics, sources = _read_bundle(path, base_currency=base_currency)
    return CheckResult(diagnostics, sources)


# --- reading and checking ----------------------------------------------------------------------


def _read_bundle(
    path: Path, *, base_currency: str | None
) -> tuple[Bundle | None, tuple[Diagnostic, ...], Mapping[str, str]]:
    if path.is_dir():
        files: Files = Folder(path)
    else:
        try:
            archive, problems = open_zip(path)
        except OSError as exc:
            return None, (error("unreadable", f"cannot read {path}: {exc}", None),), {}
        if archive is None:
            return None, tuple(problems), {}
        files = archive
    reader = _BundleReader(files)
    bundle = reader.read(base_currency=base_currency)
    return bundle, tuple(reader.diagnostics), MappingProxyType(dict(reader.sources))


def _label(value: Any) -> Mapping[str, str]:
    if isinstance(value, str):
        return MappingProxyType(dict.fromkeys(LANGUAGES, value))
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): str(v) for k, v in value.items()})
    return MappingProxyType({})


class _BundleReader:
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
            message = f"'{name}' is not a path inside the bundle"
            hint = "write paths relative to template.yaml, with '/' between folders"
            self.report([error("bad-path", message, span, hint=hint)])
            return None
        try:
            data = self.files.read(name)
        except FileTooLargeError:
            message = f"'{name}' is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB"
            self.report([error("file-too-large", message, span)])
            return None
        if data is None:
            self.report([error("missing-file", f"'{name}' is not in the bundle", span)])
            return None
        try:
            text = decode(data)
        except UnicodeDecodeError:
            self.report([error("not-utf8", f"'{name}' is not UTF-8 text", span)])
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
            message = (
                f"{TEMPLATE_FILE} must be a mapping of keys (template, version, ...) to values"
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
                        f"the template is written for base currency {template.base_currency}, "
                        f"but this workspace's base currency is {base_currency}",
                        document.value_span("base_currency"),
                        hint="import a template made for this workspace's currency",
                    )
                ]
            )

        form_defs = self.read_forms(template)
        customer = form_defs.get(CUSTOMER_FORM)
        customer_schema: Schema | None = None
        if customer is not None:
            customer_schema = {**customer.value.dsl_schema(), **forms.TERMS_SCHEMA}
        elif form_defs.complete:
            message = f"no form of the bundle has the key '{CUSTOMER_FORM}'"
            hint = f"the form '{CUSTOMER_FORM}' validates every customer's data"
            span = document.key_span("forms") if "forms" in document else None
            self.report([error("no-customer-form", message, span, hint=hint)])
        ruleset_defs = self.read_rulesets(template, form_defs)
        event_forms = {d.key: d.value for d in form_defs.items if d.key != CUSTOMER_FORM}
        workflow_defs = self.read_workflows(template, customer_schema)
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
            forms=Definitions(form_defs.items),
            rulesets=Definitions(ruleset_defs),
            workflows=Definitions(workflow_defs),
            sample_data=MappingProxyType(sample_data),
            cases=cases,
            source=source,
            sources=MappingProxyType(dict(self.sources)),
            warnings=tuple(self.warnings),
            checksum=_checksum(self.sources),
        )

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
                message = f"the form '{form.key}' is also defined by {other}"
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
                message = f"the ruleset '{ruleset.id}' is also defined by {seen[ruleset.id]}"
                self.report([error("duplicate-ruleset", message, span)])
                continue
            seen[ruleset.id] = name
            result.append(Definition(ruleset.id, ruleset, text, name))
        return result

    def ruleset_form(self, text: str, filename: str, form_defs: _Forms) -> Form | None:
        """The form a ruleset is written for; reports a missing or unknown `form` header."""
        header = _form_header(text, filename)
        if header is None:
            message = "the ruleset names no form"
            hint = f"add 'form {CUSTOMER_FORM}' after the ruleset header"
            self.report(
                [error("ruleset-without-form", message, Span.point(filename, 1, 1), hint=hint)]
            )
            return None
        form_name, span = header
        definition = form_defs.by_key.get(form_name)
        if definition is None:
            if form_defs.complete:
                message = (
                    f"the ruleset is written for the form '{form_name}', which the bundle does "
                    f"not define{did_you_mean(form_name, form_defs.by_key)}"
                )
                self.report([error("unknown-form", message, span)])
            return None
        return definition.value

    # workflows

    def read_workflows(
        self, template: _Template, schema: Schema | None
    ) -> list[Definition[Workflow]]:
        result: list[Definition[Workflow]] = []
        seen: dict[str, str] = {}
        for name, span in template.files("workflows"):
            text = self.text(name, span)
            if text is None:
                continue
            try:
                workflow = workflows.load_workflow(
                    text, filename=name, schema=schema, roles=template.roles
                )
            except DiagnosticsError as exc:
                self.report(exc.diagnostics)
                continue
            self.report(workflow.warnings)
            if workflow.key in seen:
                message = f"the workflow '{workflow.key}' is also defined by {seen[workflow.key]}"
                self.report([error("duplicate-workflow", message, span)])
                continue
            seen[workflow.key] = name
            result.append(Definition(workflow.key, workflow, text, name))
        return result

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
        by_id = {d.key: d.value for d in rulesets}
        default = next((d.value for d in rulesets if d.value.form == CUSTOMER_FORM), None)
        cases: list[Case] = []
        for name, span in files:
            text = self.text(name, span)
            if text is None:
                continue
            try:
                document = dsl.load_yaml(text, filename=name)
            except DiagnosticsError as exc:
                self.report(exc.diagnostics)
                continue
            problems = schema_diagnostics(document, CASES_JSON_SCHEMA, name)
            self.report(problems)
            if problems:
                continue
            for item in document:
                case = self.read_case(item, name, schema, event_forms)
                if case is None:
                    continue
                cases.append(case)
                ruleset = by_id.get(case.ruleset) if case.ruleset else default
                all_compiled = len(rulesets) == len(template.files("rulesets"))
                if case.ruleset and case.ruleset not in by_id and all_compiled:
                    message = (
                        f"case '{case.name}' names the ruleset '{case.ruleset}', which the "
                        f"bundle does not define{did_you_mean(case.ruleset, by_id)}"
                    )
                    self.report([error("unknown-ruleset", message, item.value_span("ruleset"))])
                if ruleset is not None:
                    self.report(_run_case(case, ruleset))
        return tuple(cases)

    def read_case(
        self,
        item: YamlMap,
        filename: str,
        schema: Schema | None,
        event_forms: Mapping[str, Form] | None,
    ) -> Case | None:
        name = str(item["name"])
        as_of = item.get("as_of", DEFAULT_CASE_AS_OF)
        if isinstance(as_of, str):
            try:
                as_of = date.fromisoformat(as_of)
            except ValueError:
                as_of = None
        if not isinstance(as_of, date):
            message = f"'as_of' of case '{name}' must be a date such as 2026-01-31"
            self.report([error("bad-value", message, item.value_span("as_of"))])
            return None
        record: YamlMap = item["record"]
        if schema is not None:
            for field in record:
                if field not in schema and field not in IDENTITY_COLUMNS:
                    message = (
                        f"case '{name}' sets the unknown field '{field}'"
                        f"{did_you_mean(str(field), schema)}"
                    )
                    self.report([error("unknown-field", message, record.key_span(field))])
        events = self.read_case_events(name, item.get("events"), event_forms)
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
        self, name: str, items: YamlList | None, event_forms: Mapping[str, Form] | None
    ) -> tuple[Mapping[str, Any], ...] | None:
        """A case's events with their payloads checked and normalised by their event forms, as
        the engine stores them (engine.events); None (reported) when one is wrong.

        `event_forms` None: some form could not be read, so kinds and payloads are not checked.
        """
        if items is None:
            return ()
        events: list[Mapping[str, Any]] = []
        problems: list[Diagnostic] = []
        for index, event in enumerate(items):
            kind = str(event["kind"])
            payload = dict(event.get("payload") or {})
            where = f"event {index + 1} of case '{name}'"
            occurred_at = _event_time(event["occurred_at"])
            if occurred_at is None:
                message = f"'occurred_at' of {where} must be a date such as 2026-01-31, or a time"
                problems.append(error("bad-value", message, event.value_span("occurred_at")))
                continue
            form = event_forms.get(kind) if event_forms is not None else None
            if event_forms is not None and form is None:
                message = (
                    f"{where} is of the kind '{kind}', which no event form of the bundle "
                    f"defines{did_you_mean(kind, event_forms)}"
                )
                problems.append(error("unknown-event-kind", message, event.value_span("kind")))
                continue
            if form is not None:
                errors = forms.validate(form, payload)
                problems.extend(
                    error(e.code, f"{where}: {e.message}", _payload_span(event, index, items, e))
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


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


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


def _check_csv(text: str, filename: str, schema: Schema | None) -> list[Diagnostic]:
    """Sample data: a header of known columns with external_ref, and rows as wide as it."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return [error("empty-file", f"'{filename}' is empty", Span.point(filename, 1, 1))]
    header = rows[0]
    diagnostics: list[Diagnostic] = []
    first_line = text.splitlines()[0] if text else ""
    if schema is not None:
        known = [*IDENTITY_COLUMNS, *schema]
        for column in header:
            if column not in known:
                start = first_line.find(column) + 1 or 1
                span = Span(filename, 1, start, 1, start + max(len(column), 1))
                message = f"unknown column '{column}'{did_you_mean(column, known)}"
                diagnostics.append(error("unknown-column", message, span))
    if "external_ref" not in header:
        message = "the header has no 'external_ref' column (each customer's reference)"
        diagnostics.append(error("missing-column", message, Span.point(filename, 1, 1)))
    for number, row in enumerate(rows[1:], 2):
        if row and len(row) != len(header):
            message = f"row {number} has {len(row)} values, but the header names {len(header)}"
            diagnostics.append(error("bad-row", message, Span.point(filename, number, 1)))
    return diagnostics


def _run_case(case: Case, ruleset: CompiledRuleset) -> list[Diagnostic]:
    """An error naming the case when the ruleset does not give what it expects."""
    result = ruleset.evaluate(case.record, events=case.events, as_of=case.as_of)
    problems: list[str] = []
    if result.score != case.score:
        problems.append(f"score {result.score}, expected {case.score}")
    if result.tier != case.tier:
        problems.append(f"tier {result.tier}, expected {case.tier}")
    fired = [f.id for f in result.fired]
    missing = [rule for rule in case.fired if rule not in fired]
    extra = [rule for rule in fired if rule not in case.fired]
    if missing:
        problems.append(f"{', '.join(missing)} did not fire")
    if extra:
        problems.append(f"{', '.join(extra)} fired unexpectedly")
    if case.flags is not None and set(case.flags) != set(result.flags):
        got = ", ".join(sorted(result.flags)) or "none"
        problems.append(f"flags {got}, expected {', '.join(sorted(case.flags)) or 'none'}")
    if not problems:
        return []
    message = f"case '{case.name}' fails: " + "; ".join(problems)
    return [error("case-failed", message, case.span)]


def _checksum(sources: Mapping[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(sources):
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(sources[name].encode())
        digest.update(b"\0")
    return digest.hexdigest()


__all__ = [
    "CASES_JSON_SCHEMA",
    "TEMPLATE_JSON_SCHEMA",
    "Bundle",
    "Case",
    "CheckResult",
    "Definition",
    "Definitions",
    "TemplateError",
    "check_path",
    "load_bundle",
]
