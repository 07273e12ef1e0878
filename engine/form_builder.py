"""The form builder: a form's draft shown field by field (a group with its sub-fields), with a
preview of the form it would render, and changed one step at a time (a field or a group's
sub-field added or edited, moved, removed), each step saved as the form's draft (engine.drafts:
checked, audited, guarded by its checksum). What the check finds is placed at the field or
sub-field written where it points.

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
    """A field of the form (or a sub-field of its group `group`) as the builder lists it, with
    its inputs for the field editor and what the draft's check found in it."""

    id: str
    type: str
    title: str  # its label in the page's language, else its id
    required: bool
    section: str | None
    inputs: Mapping[str, str]
    group: str | None = None  # the group this is a sub-field of; None: a field of the form
    sub_fields: tuple[BuilderField, ...] = ()  # a group's, in order
    # what the check found where this field is written (a group: not in its sub-fields)
    problems: tuple[dsl.Diagnostic, ...] = ()

    @property
    def is_group(self) -> bool:
        return self.type == forms.FieldType.GROUP

    @property
    def path(self) -> str:
        """`contacts.phone` for a sub-field, the id for a field (as data errors name it)."""
        return f"{self.group}.{self.id}" if self.group else self.id

    def sub_field(self, field_id: str | None) -> BuilderField | None:
        return next((f for f in self.sub_fields if f.id == field_id), None)


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
    max_items_default: int = forms.GROUP_MAX_ITEMS_DEFAULT
    max_items_limit: int = forms.GROUP_MAX_ITEMS_LIMIT

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)

    @property
    def sub_field_types(self) -> tuple[str, ...]:
        """The types a group's sub-field may have: any but a group (docs/forms.md, "Groups")."""
        return tuple(t for t in self.types if t != forms.FieldType.GROUP)

    def field(self, field_id: str | None) -> BuilderField | None:
        return next((f for f in self.fields if f.id == field_id), None)


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


def _builder_field(
    entry: Mapping[str, Any],
    *,
    language: str,
    problems: Mapping[str | None, tuple[dsl.Diagnostic, ...]],
    group: str | None = None,
) -> BuilderField:
    """The builder's view of field `entry` (of group `group`), with its sub-fields and the
    problems found where each is written (`problems` by field path)."""
    field_id = str(entry.get("id") or "")
    path = f"{group}.{field_id}" if group else field_id
    subs = entry.get("fields") if entry.get("type") == forms.FieldType.GROUP else None
    return BuilderField(
        id=field_id,
        type=str(entry.get("type") or ""),
        title=_title(entry.get("label"), field_id, language),
        required=entry.get("required") is True,
        section=str(entry["section"]) if entry.get("section") else None,
        inputs=forms.builder.entry_inputs(entry),
        group=group,
        sub_fields=tuple(
            _builder_field(sub, language=language, problems=problems, group=field_id)
            for sub in (subs if isinstance(subs, list) and group is None else ())
            if isinstance(sub, Mapping)
        ),
        problems=problems.get(path, ()) if field_id else (),
    )


def _by_field(
    diagnostics: tuple[dsl.Diagnostic, ...], text: str, *, filename: str
) -> dict[str | None, tuple[dsl.Diagnostic, ...]]:
    """`diagnostics` by the path of the innermost field written where each points (None: at no
    field)."""
    lines = forms.builder.field_lines(text, filename=filename)
    found: dict[str | None, list[dsl.Diagnostic]] = {}
    for diagnostic in diagnostics:
        span = diagnostic.span
        path = forms.builder.path_at(lines, span.line) if span is not None else None
        found.setdefault(path, []).append(diagnostic)
    return {path: tuple(items) for path, items in found.items()}


def _preview_value(field: forms.Field) -> Any:
    """What the preview shows in `field`: its default; a list of groups: one empty row, so its
    sub-fields show as the edit page's rows do."""
    return [{}] if field.is_group_list else field.default


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
                fields=tuple(edit_field(f, _preview_value(f), language=language) for f in fields),
            )
            for section, fields in form.fields_by_section()
        )
    entries = forms.builder.field_entries(document)
    problems = _by_field(diagnostics, text, filename=filename)
    return FormBuilder(
        key=key,
        title=_title(document.get("label"), key, language),
        has_draft=checksum is not None,
        checksum=checksum,
        source=text,
        version=drafts.next_version(session, SpecKind.FORM, key),
        fields=tuple(_builder_field(e, language=language, problems=problems) for e in entries),
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


def _in_group(parent: str | None, change: Change) -> Change:
    """`change`, made to the sub-fields of group `parent` (None: to the form's fields); raises
    NotFoundError when the document has no such group."""
    if parent is None:
        return change

    def changed(document: dict[str, Any]) -> dict[str, Any]:
        if forms.builder.group_entry(document, parent) is None:
            raise NotFoundError(N_("the form has no group '%(group)s'"), group=parent)
        return change(document)

    return changed


def field_saved(
    inputs: Mapping[str, str], *, replacing: str | None, parent: str | None = None
) -> Change:
    """The change that adds the field the editor's `inputs` describe, or puts it in place of
    field `replacing` (forms.builder.field_from_inputs); `parent`: a sub-field of that group."""
    entry = forms.builder.field_from_inputs(inputs)
    return _in_group(
        parent,
        lambda document: forms.builder.with_field(
            document, entry, replacing=replacing, parent=parent
        ),
    )


def field_moved(field_id: str, offset: int, *, parent: str | None = None) -> Change:
    """The change that moves field `field_id` (of group `parent`) `offset` places (-1: up)."""
    return _in_group(
        parent, lambda document: forms.builder.moved(document, field_id, offset, parent=parent)
    )


def field_removed(field_id: str, *, parent: str | None = None) -> Change:
    """The change that removes field `field_id` (a sub-field of group `parent`)."""
    return _in_group(
        parent, lambda document: forms.builder.without_field(document, field_id, parent=parent)
    )


def previewed(
    session: Session,
    key: str,
    inputs: Mapping[str, str],
    *,
    replacing: str | None,
    language: str,
    parent: str | None = None,
) -> FormBuilder:
    """The builder of form `key` as it would be with the editor's field (a sub-field of group
    `parent`) saved (nothing is). Raises NotFoundError (no form `key`, no group `parent`)."""
    change = field_saved(inputs, replacing=replacing, parent=parent)
    source = changed_source(session, key, change)
    return form_builder(session, key, language=language, source=source)
