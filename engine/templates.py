"""Template import: publish every definition of a bundle as new versions, all or nothing.

The bundle is read and checked completely (engine.bundle) before anything is written; the
versions, the template row and the audit row are then written in the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

import dsl
from dsl.diagnostics import error
from engine import audit, schedules, specs, unique_values
from engine.bundle import Bundle, TemplateError, load_bundle
from engine.errors import N_, ConflictError, NotConfiguredError
from engine.models import SpecKind, SpecVersion
from engine.ruleset_schema import CUSTOMER_FORM
from engine.views import SpecRef, TemplateImported


def _label_text(label: Any) -> str | None:
    if not label:
        return None
    if isinstance(label, str):
        return label
    return str(label.get("en") or next(iter(label.values()), None) or "") or None


def _label_map(label: Any) -> dict[str, str]:
    if not label:
        return {}
    if isinstance(label, str):
        return {"en": label}
    return {str(k): str(v) for k, v in label.items()}


def _ref(row: SpecVersion) -> SpecRef:
    return SpecRef(
        kind=row.kind,
        key=row.key,
        version=row.version,
        checksum=row.checksum,
        filename=row.filename,
    )


def _scoring_ruleset(bundle: Bundle) -> str | None:
    """The key of the bundle's first ruleset on the customer form (else its first ruleset)."""
    rulesets = list(bundle.rulesets)
    for ruleset in rulesets:
        if ruleset.value.form == CUSTOMER_FORM:
            return str(ruleset.key)
    return str(rulesets[0].key) if rulesets else None


def import_template(
    session: Session,
    path: str | Path,
    *,
    actor: str | None,
    now: datetime,
    base_currency: str,
    timezone: str = "UTC",
) -> TemplateImported:
    """Read the bundle at `path` and publish its forms, rulesets, workflows and itself, and make
    its schedules the template's (engine.schedules; `timezone`, the workspace's, is theirs
    unless they name one).

    Returns the template's key and version and every version published. Raises TemplateError
    (with every diagnostic) when the bundle is invalid or written for another base currency; then
    nothing has been written.
    """
    bundle = load_bundle(path)
    try:
        imported = _publish_bundle(
            session, bundle, actor=actor, now=now, base_currency=base_currency
        )
        schedules.sync_schedules(
            session, bundle.key, bundle.schedules, timezone=timezone, actor=actor, now=now
        )
        return imported
    except IntegrityError as exc:
        raise ConflictError(
            N_("template '%(key)s' was being imported by another request; try again"),
            key=bundle.key,
        ) from exc


def _publish_bundle(
    session: Session, bundle: Bundle, *, actor: str | None, now: datetime, base_currency: str
) -> TemplateImported:
    if bundle.base_currency != base_currency:
        raise TemplateError(
            [
                error(
                    "base-currency",
                    f"the template is written for base currency {bundle.base_currency}, "
                    f"but this workspace's base currency is {base_currency}",
                    None,
                    hint="import a template made for this workspace's currency",
                )
            ]
        )

    common: dict[str, Any] = {
        "template_key": bundle.key,
        "template_version": bundle.version,
        "author": actor,
        "now": now,
    }
    published: list[SpecVersion] = []
    form_refs: dict[str, dict[str, Any]] = {}
    try:
        old_customer_form = specs.customer_form(session).value
    except NotConfiguredError:
        old_customer_form = None
    for form in bundle.forms:
        row = specs.publish(
            session,
            kind=SpecKind.FORM,
            key=form.key,
            source=form.source,
            filename=form.filename,
            label=_label_text(form.value.label),
            meta={"label": _label_map(form.value.label)},
            **common,
        )
        form_refs[form.key] = {"key": row.key, "version": row.version}
        published.append(row)
        if form.key == CUSTOMER_FORM:  # the unique values follow the form now published
            unique_values.publish_form(session, old=old_customer_form, new=form.value)
    customer_ref = form_refs.get(CUSTOMER_FORM)
    for ruleset in bundle.rulesets:
        form_ref = form_refs.get(ruleset.value.form) if ruleset.value.form else None
        row = specs.publish(
            session,
            kind=SpecKind.RULESET,
            key=ruleset.key,
            source=ruleset.source,
            filename=ruleset.filename,
            label=_label_text(ruleset.value.label),
            meta={
                "label": _label_map(ruleset.value.label),
                "form": form_ref,
                "tiers": list(ruleset.value.tiers),
            },
            **common,
        )
        published.append(row)
    for workflow in bundle.workflows:
        row = specs.publish(
            session,
            kind=SpecKind.WORKFLOW,
            key=workflow.key,
            source=workflow.source,
            filename=workflow.filename,
            label=_label_text(workflow.value.label),
            meta={
                "label": _label_map(workflow.value.label),
                "form": customer_ref,
                "roles": list(bundle.roles),
                "trigger": str(workflow.value.trigger.on),
            },
            **common,
        )
        published.append(row)
    for calendar in bundle.calendars:
        row = specs.publish(
            session,
            kind=SpecKind.CALENDAR,
            key=calendar.key,
            source=calendar.source,
            filename=calendar.filename,
            label=_label_text(calendar.value.label),
            meta={"label": _label_map(calendar.value.label)},
            **common,
        )
        published.append(row)
    template_row = specs.publish(
        session,
        kind=SpecKind.TEMPLATE,
        key=bundle.key,
        source=bundle.source,
        filename=bundle.filename,
        label=_label_text(bundle.name),
        meta={
            "label": _label_map(bundle.name),
            "base_currency": bundle.base_currency,
            "roles": list(bundle.roles),
            "permissions": {role: list(names) for role, names in bundle.permissions.items()},
            "scoring_ruleset": _scoring_ruleset(bundle),
            "governance": {"publish_requires_approval": bundle.publish_requires_approval},
            # engine.calendars: the calendar business days count on when a workflow names none
            "calendars": list(bundle.calendars.keys()),
            "default_calendar": bundle.default_calendar,
            # with checksums: what each ruleset was compiled against, without reading the rows
            "specs": [
                {"kind": r.kind, "key": r.key, "version": r.version, "checksum": r.checksum}
                for r in published
            ],
        },
        **common,
    )
    published.append(template_row)
    audit.record(
        session,
        actor=actor,
        action="template.imported",
        entity_kind="template",
        entity_id=bundle.key,
        detail={
            "template_version": bundle.version,
            "version": template_row.version,
            "specs": [{"kind": r.kind, "key": r.key, "version": r.version} for r in published],
        },
        now=now,
    )
    return TemplateImported(
        key=template_row.key,
        version=template_row.version,
        template_version=str(bundle.version),
        specs=tuple(_ref(r) for r in published),
    )


__all__ = ["TemplateError", "dsl", "import_template"]
