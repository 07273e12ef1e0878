"""What a draft is checked against, per kind, as the template import would check it: a ruleset
against its form, event forms and base currency; a form on its own, with an error (blocking the
publish) at every reading of a published ruleset or workflow it would break; a workflow against
the published customer form and the template's roles. Also the meta a draft is published with
(engine.publishing).

Every check also refuses a draft whose own name (`ruleset NAME`, `form:`, `workflow:`) is not
the key it is saved under, at that name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

import dsl
import forms
import workflows
from dsl.diagnostics import error
from dsl.parse import detect_language, parse_ruleset
from dsl.texts import N_
from dsl.texts import text as worded
from engine import ruleset_schema, specs
from engine.calendars import list_calendars
from engine.errors import NotConfiguredError, NotFoundError
from engine.models import SpecKind, SpecVersion
from engine.ruleset_schema import CUSTOMER_FORM

Diagnostics = tuple[dsl.Diagnostic, ...]


def published_row(session: Session, kind: SpecKind, key: str) -> SpecVersion | None:
    """The published version of (kind, key), or None."""
    try:
        return specs.find_row(session, kind, key)
    except NotFoundError:
        return None


def draft_filename(session: Session, kind: SpecKind, key: str) -> str:
    """The file name a draft of (kind, key) is checked under (its published version's)."""
    return _filename(kind, key, published_row(session, kind, key))


def _filename(kind: SpecKind, key: str, published: SpecVersion | None) -> str:
    if published is not None and published.filename:
        return published.filename
    return f"{key}.rules" if kind == SpecKind.RULESET else f"{key}.yaml"


def _mismatch(kind: SpecKind, key: str, name: str, span: dsl.Span) -> dsl.Diagnostic:
    return error(
        f"{kind}-key-mismatch",
        worded(
            N_("the %(kind)s is named '%(name)s' but this is the draft of '%(key)s'"),
            kind=str(kind),
            name=name,
            key=key,
        ),
        span,
        hint=worded(N_("name it '%(key)s'"), key=key),
    )


def _ruleset_header(key: str, source: str) -> Diagnostics:
    tree, _ = parse_ruleset(source, detect_language(source, "en"))
    if tree is None or tree.header.id.name == key:
        return ()
    return (_mismatch(SpecKind.RULESET, key, tree.header.id.name, tree.header.id.span),)


def _yaml_name(kind: SpecKind, key: str, source: str, filename: str) -> Diagnostics:
    """The `form:` / `workflow:` name of a YAML definition against `key` (syntax errors are
    the loader's to report)."""
    try:
        document = dsl.load_yaml(source, filename=filename)
    except dsl.DiagnosticsError:
        return ()
    if not isinstance(document, dsl.YamlMap) or kind not in document:
        return ()
    name = document[kind]
    if not isinstance(name, str) or name == key:
        return ()
    return (_mismatch(kind, key, name, document.value_span(kind)),)


def _check_ruleset(session: Session, key: str, source: str) -> Diagnostics:
    header = _ruleset_header(key, source)
    published = published_row(session, SpecKind.RULESET, key)
    try:
        compiled = specs.compile_draft_ruleset(session, key, source, published=published)
    except dsl.RulesError as exc:
        return (*header, *exc.diagnostics)
    return (*header, *compiled.warnings)


def _check_form(session: Session, key: str, source: str) -> Diagnostics:
    published = published_row(session, SpecKind.FORM, key)
    filename = _filename(SpecKind.FORM, key, published)
    header = _yaml_name(SpecKind.FORM, key, source, filename)
    try:
        form = forms.load_form(source, filename=filename)
    except dsl.DiagnosticsError as exc:
        return (*header, *exc.diagnostics)
    return (*header, *_broken_readers(session, form, filename))


BLOCKED = "breaks-published"


def _broken_readers(session: Session, form: forms.Form, filename: str) -> Diagnostics:
    """An error for each reading, by a published ruleset written for `form`'s key or (the
    customer form) a published workflow, that would not load against `form`, at the reading's
    own position in that ruleset or workflow. They block the publish (engine.publishing): add
    the new field, switch the readers to it, then remove the old one (docs/forms.md,
    "Versions")."""
    found: list[dsl.Diagnostic] = []
    where = dsl.Span.point(filename, 1, 1)
    for row in specs.published_rows(session, SpecKind.RULESET):
        if (row.meta.get("form") or {}).get("key") != form.key:
            continue
        try:
            ruleset_schema.compile_ruleset(
                row.source, filename=row.filename or row.key, form=form, event_forms=None,
                base_currency=None,
            )  # fmt: skip
        except dsl.RulesError as exc:
            found.extend(_breaks(SpecKind.RULESET, row.key, exc.diagnostics, where))
    if form.key == CUSTOMER_FORM:
        for row in specs.published_rows(session, SpecKind.WORKFLOW):
            try:
                workflows.load_workflow(
                    row.source,
                    filename=row.filename or row.key,
                    schema=specs.record_schema(form),
                    roles=tuple(row.meta.get("roles", ())),
                )
            except dsl.DiagnosticsError as exc:
                found.extend(_breaks(SpecKind.WORKFLOW, row.key, exc.diagnostics, where))
    return tuple(found)


def _breaks(kind: SpecKind, key: str, diagnostics: Diagnostics, where: dsl.Span) -> Diagnostics:
    """One error per error of the published (kind, key) against the new form, at its span."""
    return tuple(
        error(
            BLOCKED,
            worded(
                N_(
                    "the published %(kind)s '%(key)s' would not load against this form: %(problem)s"
                ),
                kind=str(kind),
                key=key,
                problem=d.message,
            ),
            d.span or where,
            hint=worded(
                N_(
                    "update '%(key)s' first: add the new field, switch '%(key)s' to it, "
                    "publish, then remove the old field"
                ),
                key=key,
            ),
        )
        for d in diagnostics
        if d.is_error
    )


@dataclass(frozen=True, slots=True)
class _WorkflowInputs:
    """What a draft workflow is checked against (the keyword inputs of `workflows.load_workflow`
    beyond its schema and roles)."""

    forms: Mapping[str, dsl.Schema]
    workflows: tuple[str, ...]
    calendars: tuple[str, ...]


def _workflow_checks(session: Session, key: str) -> _WorkflowInputs:
    """The published forms other than the customer's, by key (action forms, event kinds), and
    the published workflow keys with `key` (what a `start` may name)."""
    forms_by_key = {
        row.key: specs.load_form(session, row.key).value.dsl_schema()
        for row in specs.published_rows(session, SpecKind.FORM)
        if row.key != CUSTOMER_FORM
    }
    keys = {row.key for row in specs.published_rows(session, SpecKind.WORKFLOW)} | {key}
    calendars = tuple(c.name for c in list_calendars(session))
    return _WorkflowInputs(forms=forms_by_key, workflows=tuple(sorted(keys)), calendars=calendars)


def _workflow_inputs(session: Session, key: str) -> tuple[dsl.Schema, tuple[str, ...]]:
    """The customer schema and roles a draft workflow is checked against: the published
    customer form's fields and the roles of its published version (else the latest
    template's)."""
    try:
        form: forms.Form | None = specs.customer_form(session).value
    except NotConfiguredError:  # no customer form yet: the terms only
        form = None
    published = published_row(session, SpecKind.WORKFLOW, key)
    if published is not None:
        roles = tuple(published.meta.get("roles", ()))
    else:
        template = specs.latest_template_row(session)
        roles = tuple(template.meta.get("roles", ())) if template is not None else ()
    return specs.record_schema(form), roles


def checked_workflow(
    session: Session, key: str, source: str
) -> tuple[workflows.Workflow | None, Diagnostics]:
    """`source` loaded as the next version of workflow `key` (None when it has errors) and
    every problem found, as the draft check finds them (the workflow editor draws the first
    and lists the second from one load)."""
    published = published_row(session, SpecKind.WORKFLOW, key)
    filename = _filename(SpecKind.WORKFLOW, key, published)
    header = _yaml_name(SpecKind.WORKFLOW, key, source, filename)
    schema, roles = _workflow_inputs(session, key)
    checks = _workflow_checks(session, key)
    try:
        workflow = workflows.load_workflow(
            source,
            filename=filename,
            schema=schema,
            roles=roles,
            forms=checks.forms,
            workflows=checks.workflows,
            calendars=checks.calendars,
        )
    except dsl.DiagnosticsError as exc:
        return None, (*header, *exc.diagnostics)
    return (None if header else workflow), (*header, *workflow.warnings)


def _check_workflow(session: Session, key: str, source: str) -> Diagnostics:
    return checked_workflow(session, key, source)[1]


CHECKS: Mapping[SpecKind, Callable[[Session, str, str], Diagnostics]] = {
    SpecKind.RULESET: _check_ruleset,
    SpecKind.FORM: _check_form,
    SpecKind.WORKFLOW: _check_workflow,
}


def _label_map(label: Any) -> dict[str, str]:
    if not label:
        return {}
    if isinstance(label, str):
        return {"en": label}
    return {str(k): str(v) for k, v in label.items()}


def published_meta(session: Session, row: SpecVersion) -> dict[str, Any]:
    """The meta the checked draft `row` is published with: what it was checked against, which
    engine.specs reads to compile the version exactly as the draft was checked."""
    kind = SpecKind(row.kind)
    published = published_row(session, kind, row.key)
    meta = dict(published.meta) if published is not None else dict(row.meta)
    meta.pop("mapping", None)  # a form version's own mapping (engine.publishing), never inherited
    meta["based_on"] = published.version if published is not None else None
    if kind == SpecKind.RULESET:
        template, form_row = specs.draft_ruleset_basis(session, published=published)
        compiled = specs.compile_draft_ruleset(session, row.key, row.source, published=published)
        meta["template"] = specs.template_ref(template)
        meta["form"] = {"key": form_row.key, "version": form_row.version} if form_row else None
        meta["tiers"] = list(compiled.tiers)
        if compiled.label:
            meta["label"] = {**_label_map(meta.get("label")), "en": compiled.label}
    elif kind == SpecKind.FORM:
        form = forms.load_form(row.source, filename=_filename(kind, row.key, published))
        meta["label"] = _label_map(form.label)
    else:
        schema, roles = _workflow_inputs(session, row.key)
        workflow = workflows.load_workflow(
            row.source, filename=_filename(kind, row.key, published), schema=schema, roles=roles
        )
        customer = published_row(session, SpecKind.FORM, CUSTOMER_FORM)
        meta["label"] = _label_map(workflow.label)
        meta["form"] = {"key": customer.key, "version": customer.version} if customer else None
        meta["roles"] = list(roles)
        meta["trigger"] = str(workflow.trigger.on)
    return meta


__all__ = [
    "BLOCKED",
    "CHECKS",
    "checked_workflow",
    "draft_filename",
    "published_meta",
    "published_row",
]
