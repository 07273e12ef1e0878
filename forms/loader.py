"""Load and check a form definition written in YAML (docs/forms.md). Pure: no I/O.

Every problem of a file is collected as a positioned diagnostic; `load_form` raises them all
together as a `FormError`, `check_form` returns them. Field expressions (`visible_when`,
`required_when`, `computed`) are compiled once the fields read clean. Keys and field types of the
design that a later version reads are refused with `not-supported-yet` at their position.
"""

from __future__ import annotations

import hashlib
from types import MappingProxyType
from typing import Any

from dsl import Diagnostic, DiagnosticsError, Span, YamlList, YamlMap, load_yaml
from dsl.diagnostics import has_errors
from dsl.texts import N_, described, did_you_mean, text
from forms.field_expressions import compile_expressions
from forms.field_reader import FieldReader
from forms.fields import LANGUAGES, Field, Section
from forms.form import Form, FormError

TOP_KEYS = ("form", "label", "description", "sections", "fields")


def load_form(text: str, *, filename: str) -> Form:
    """Load a form definition and check it completely.

    Returns the `Form`; raises `FormError` listing every problem (YAML syntax errors included).
    """
    form, diagnostics = _read(text, filename=filename)
    if form is None or has_errors(diagnostics):
        raise FormError(diagnostics)
    return form


def check_form(text: str, *, filename: str) -> tuple[Diagnostic, ...]:
    """Every problem of a form definition, as `load_form` finds them; never raises."""
    return tuple(_read(text, filename=filename)[1])


def _read(text: str, *, filename: str) -> tuple[Form | None, list[Diagnostic]]:
    try:
        document = load_yaml(text, filename=filename)
    except DiagnosticsError as exc:
        return None, list(exc.diagnostics)
    reader = _FormReader(filename)
    form = reader.form(document, checksum=hashlib.sha256(text.encode("utf-8")).hexdigest())
    diagnostics = sorted(
        reader.diagnostics, key=lambda d: (d.span.line, d.span.column) if d.span else (0, 0)
    )
    return form, diagnostics


class _FormReader(FieldReader):
    """Reads one form file: the form's own keys, then each field."""

    def form(self, document: Any, *, checksum: str) -> Form | None:
        if document is None:
            self.error(
                "empty-form",
                text(N_("the file is empty; expected a form definition with 'form' and 'fields'")),
                Span.point(self.filename, 1, 1),
            )
            return None
        if not isinstance(document, YamlMap):
            self.error(
                "wrong-type",
                text(
                    N_(
                        "expected a form definition (a mapping with form, label and fields), "
                        "found %(found)s"
                    ),
                    found=described(document),
                ),
                getattr(document, "span", Span.point(self.filename, 1, 1)),
            )
            return None
        self.check_keys(document, allowed=TOP_KEYS, later=(), where=text(N_("in a form")))
        first = Span.point(self.filename, document.span.line, document.span.column)
        key = None
        if "form" in document:
            key = self.name(document, "form", what=text(N_("the form's key")), check_terms=False)
        else:
            self.error(
                "missing-key", text(N_("missing 'form' (the form's key) in the form")), first
            )
        label = self.label(document, "label") if "label" in document else None
        description = self.label(document, "description") if "description" in document else None
        sections = self.sections(document) if "sections" in document else ()
        fields: tuple[Field, ...] = ()
        if "fields" in document:
            fields = self.fields(document, sections={section.id for section in sections})
        else:
            self.error(
                "missing-key", text(N_("missing 'fields' (the list of fields) in the form")), first
            )
        if key is None or has_errors(self.diagnostics):
            return None
        expressions, problems = compile_expressions(fields, filename=self.filename)
        if problems:
            self.diagnostics.extend(problems)
            if has_errors(problems):
                return None
        return Form(
            key=key,
            label=MappingProxyType(label or dict.fromkeys(LANGUAGES, key)),
            fields=fields,
            checksum=checksum,
            filename=self.filename,
            description=MappingProxyType(description) if description else None,
            sections=sections,
            expressions=expressions,
        )

    def sections(self, document: YamlMap) -> tuple[Section, ...]:
        """`sections: [{id: identity, label: {en: ..., zh: ...}}, ...]`, in the order shown."""
        items = document["sections"]
        if not isinstance(items, YamlList):
            self.error(
                "wrong-type",
                text(
                    N_("expected 'sections' to be a list of sections, found %(found)s"),
                    found=described(items),
                ),
                document.value_span("sections"),
            )
            return ()
        result: list[Section] = []
        seen: set[str] = set()
        for index, item in enumerate(items):
            span = items.item_span(index)
            if not isinstance(item, YamlMap):
                self.error(
                    "wrong-type",
                    text(
                        N_("expected a section (a mapping with id and label), found %(found)s"),
                        found=described(item),
                    ),
                    span,
                )
                continue
            self.check_keys(item, allowed=("id", "label"), later=(), where=text(N_("in a section")))
            if "id" not in item:
                self.error("missing-key", text(N_("missing 'id' in a section")), span)
                continue
            section_id = self.name(item, "id", what=text(N_("a section id")), check_terms=False)
            label = self.label(item, "label") if "label" in item else {}
            if section_id is None:
                continue
            if section_id in seen:
                self.error(
                    "duplicate-section",
                    text(N_("duplicate section id '%(id)s'"), id=section_id),
                    item.value_span("id"),
                )
                continue
            seen.add(section_id)
            result.append(Section(section_id, MappingProxyType(label), item.value_span("id")))
        return tuple(result)

    def fields(self, document: YamlMap, *, sections: set[str]) -> tuple[Field, ...]:
        items = document["fields"]
        if not isinstance(items, YamlList):
            self.error(
                "wrong-type",
                text(
                    N_("expected 'fields' to be a list of fields, found %(found)s"),
                    found=described(items),
                ),
                document.value_span("fields"),
            )
            return ()
        result: list[Field] = []
        seen: dict[str, Span] = {}
        for index, item in enumerate(items):
            field = self.field(item, items.item_span(index))
            # duplicates are told even when either field has other problems
            field_id = item.get("id") if isinstance(item, YamlMap) else None
            if isinstance(field_id, str) and field_id in seen:
                self.error(
                    "duplicate-field",
                    text(N_("duplicate field id '%(id)s'"), id=field_id),
                    item.value_span("id"),
                    hint=text(
                        N_("the first field '%(id)s' is on line %(line)d"),
                        id=field_id,
                        line=seen[field_id].line,
                    ),
                )
                continue
            if isinstance(field_id, str):
                seen[field_id] = item.value_span("id")
            if field is not None and field.section is not None and field.section not in sections:
                self.error(
                    "unknown-section",
                    text(
                        N_("unknown section '%(name)s'%(did_you_mean)s"),
                        name=field.section,
                        did_you_mean=did_you_mean(field.section, sorted(sections)),
                    ),
                    item.value_span("section"),
                    hint=None
                    if sections
                    else text(N_("list the form's sections under 'sections' first")),
                )
            if field is not None:
                result.append(field)
        return tuple(result)

    # -- one field -------------------------------------------------------------------------------
