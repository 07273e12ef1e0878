"""The form builder: a form's draft shown field by field, with a preview of the form it would
render, and changed one step at a time (a field added or edited, moved, removed), each step
saved as the form's draft (engine.drafts: checked, audited, guarded by its checksum).

The builder starts from the draft when there is one, else from the published version; a first
change creates the draft. Publishing is the drafts' own (engine.publishing).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

import dsl
import forms
from engine import drafts
from engine.customer_edit import EditSection, edit_field
from engine.draft_checks import published_row
from engine.errors import N_, ConflictError, NotFoundError
from engine.models import SpecKind

Change = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class BuilderField:
    """A field of the form as the builder lists it, with its inputs for the field editor."""

    id: str
    type: str
    title: str  # its label in the page's language, else its id
    required: bool
    section: str | None
    inputs: Mapping[str, str]
    # a group's sub-fields as (id, type, title); the builder keeps them as they are written
    sub_fields: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class FormBuilder:
    key: str
    title: str
    has_draft: bool
    checksum: str | None  # the draft's, to guard the next change; None: no draft yet
    source: str  # the form file shown (the draft's, the published one's, or a preview's)
    version: int  # the version the draft would be published as
    fields: tuple[BuilderField, ...]
    sections: tuple[tuple[str, str], ...]  # (id, title) of the form's sections
    diagnostics: tuple[dsl.Diagnostic, ...]  # what the draft's check found
    # the form as the customer edit page would render it; None while the draft does not load
    preview: tuple[EditSection, ...] | None
    types: tuple[str, ...] = forms.TYPE_NAMES

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)


def _start(session: Session, key: str) -> tuple[str, str | None, str]:
    """The source the builder edits, its draft checksum (None: the published one) and file."""
    published = published_row(session, SpecKind.FORM, key)
    try:
        draft = drafts.get_draft(session, SpecKind.FORM, key)
    except NotFoundError:
        if published is None:
            raise NotFoundError(N_("there is no form '%(key)s'"), key=key) from None
        return published.source, None, published.filename or f"{key}.yaml"
    filename = (published.filename if published else None) or f"{key}.yaml"
    return draft.source, draft.checksum, filename


def _title(labels: Any, fallback: str, language: str) -> str:
    if isinstance(labels, Mapping):
        return str(labels.get(language) or labels.get("en") or fallback)
    return str(labels or fallback)


def _sub_fields(entry: Mapping[str, Any], language: str) -> tuple[tuple[str, str, str], ...]:
    """A group entry's sub-fields as (id, type, title in `language`); () for other fields."""
    subs = entry.get("fields")
    if not isinstance(subs, list):
        return ()
    return tuple(
        (
            str(s.get("id") or ""),
            str(s.get("type") or ""),
            _title(s.get("label"), str(s.get("id") or ""), language),
        )
        for s in subs
        if isinstance(s, Mapping)
    )


def form_builder(
    session: Session, key: str, *, language: str, source: str | None = None
) -> FormBuilder:
    """The builder of form `key` in `language`: its draft (else the published version), or
    `source` when given (a change previewed before it is saved).

    Raises NotFoundError (no form `key`)."""
    start, checksum, filename = _start(session, key)
    text = start if source is None else source
    diagnostics = drafts.check_source(session, SpecKind.FORM, key, text)
    try:
        document = forms.builder.read_document(text, filename=filename)
    except dsl.DiagnosticsError:
        document = {}
    try:
        form: forms.Form | None = forms.load_form(text, filename=filename)
    except dsl.DiagnosticsError:
        form = None
    preview = None
    if form is not None:
        preview = tuple(
            EditSection(
                id=section.id if section else None,
                title=section.title(language) if section else None,
                fields=tuple(edit_field(f, f.default, language=language) for f in fields),
            )
            for section, fields in form.fields_by_section()
        )
    entries = forms.builder.field_entries(document)
    return FormBuilder(
        key=key,
        title=_title(document.get("label"), key, language),
        has_draft=checksum is not None,
        checksum=checksum,
        source=text,
        version=drafts.next_version(session, SpecKind.FORM, key),
        fields=tuple(
            BuilderField(
                id=str(e.get("id") or ""),
                type=str(e.get("type") or ""),
                title=_title(e.get("label"), str(e.get("id") or ""), language),
                required=e.get("required") is True,
                section=str(e["section"]) if e.get("section") else None,
                inputs=forms.builder.entry_inputs(e),
                sub_fields=_sub_fields(e, language),
            )
            for e in entries
        ),
        sections=tuple(
            (str(s.get("id")), _title(s.get("label"), str(s.get("id")), language))
            for s in document.get("sections") or []
            if isinstance(s, Mapping) and s.get("id")
        ),
        diagnostics=diagnostics,
        preview=preview,
    )


def changed_source(session: Session, key: str, change: Change) -> str:
    """The form's builder source (draft, else published) with `change` applied, as YAML.
    Raises NotFoundError, DiagnosticsError (the draft is not YAML: fix it in the file editor)."""
    start, _checksum, filename = _start(session, key)
    document = forms.builder.read_document(start, filename=filename)
    return forms.builder.dump_document(change(document))


def change_form(
    session: Session,
    key: str,
    change: Change,
    *,
    actor: str,
    now: datetime,
    expected_checksum: str | None,
) -> drafts.DraftView:
    """Apply `change` to form `key`'s draft (made from the published version when there is
    none) and save it, errors and all. `expected_checksum` is the draft's checksum as the
    builder showed it (None: it showed the published version).

    Raises ConflictError (the draft changed, was made or discarded meanwhile), NotFoundError,
    DiagnosticsError (the draft is not YAML)."""
    if expected_checksum is None and _start(session, key)[1] is not None:
        raise ConflictError(
            N_("the draft of %(kind)s '%(key)s' was changed by someone else meanwhile; reload it"),
            kind=SpecKind.FORM,
            key=key,
        )
    source = changed_source(session, key, change)
    return drafts.save_draft(
        session,
        SpecKind.FORM,
        key,
        source,
        actor=actor,
        now=now,
        expected_checksum=expected_checksum,
    )


# --- the builder's steps: a change each -----------------------------------------------------------


def field_saved(inputs: Mapping[str, str], *, replacing: str | None) -> Change:
    """The change that adds the field the editor's `inputs` describe, or puts it in place of
    field `replacing` (forms.builder.field_from_inputs)."""
    entry = forms.builder.field_from_inputs(inputs)
    return lambda document: forms.builder.with_field(document, entry, replacing=replacing)


def field_moved(field_id: str, offset: int) -> Change:
    """The change that moves field `field_id` `offset` places (-1: up)."""
    return lambda document: forms.builder.moved(document, field_id, offset)


def field_removed(field_id: str) -> Change:
    """The change that removes field `field_id`."""
    return lambda document: forms.builder.without_field(document, field_id)


def previewed(
    session: Session, key: str, inputs: Mapping[str, str], *, replacing: str | None, language: str
) -> FormBuilder:
    """The builder of form `key` as it would be with the editor's field saved (nothing is)."""
    source = changed_source(session, key, field_saved(inputs, replacing=replacing))
    return form_builder(session, key, language=language, source=source)
