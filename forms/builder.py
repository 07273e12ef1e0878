"""A form definition edited as data, as the form builder's page does it: the fields of a form
file's document (or the sub-fields of one of its groups) added or replaced, moved and removed, a
field entry read from the builder's inputs and written back to them, where each field is written
in the file (to place what its check finds), and the document written out as YAML. Pure: no I/O.

The builder writes the file anew from its data, so comments in a form file edited through it
are not kept (docs/forms.md, "The form builder"). What it writes is checked like any form file
when the draft is saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import yaml

from dsl import DiagnosticsError, YamlList, YamlMap, load_yaml
from forms.field_types import FieldType
from forms.fields import LANGUAGES, Field
from forms.import_coercion import CellError, coerce_cell

# The keys of a field the builder edits, in the order it writes them.
FIELD_KEYS: Final = (
    "id",
    "type",
    "label",
    "help",
    "section",
    "required",
    "multiple",
    "max_items",
    "visible_when",
    "required_when",
    "computed",
    "default",
    "min",
    "max",
    "max_length",
    "pattern",
    "options",
    "sensitive",
    "unique",
    "risk_direction",
)
# an option line of the builder: "value | English label | 中文标签" (labels optional)
OPTION_SEPARATOR: Final = "|"
_NUMBERS: Final = ("min", "max", "max_length", "max_items")
_FLAGS: Final = ("required", "sensitive", "unique", "multiple")
# rules-language texts (forms.field_expressions checks them when the draft is saved)
_EXPRESSIONS: Final = ("visible_when", "required_when", "computed")


def read_document(source: str, *, filename: str) -> dict[str, Any]:
    """The form file `source` as plain data (a mapping; an empty file: an empty one). Raises
    DiagnosticsError when it is not YAML."""
    document = load_yaml(source, filename=filename)
    return _plain(document) if isinstance(document, Mapping) else {}


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def field_entries(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The document's field entries (mappings; anything else in `fields` is left out)."""
    fields = document.get("fields")
    return [dict(f) for f in fields if isinstance(f, Mapping)] if isinstance(fields, list) else []


def group_entry(document: Mapping[str, Any], group_id: str) -> dict[str, Any] | None:
    """The entry of the document's group field `group_id`, or None (no such field, or it is
    not a group)."""
    fields = document.get("fields")
    if not isinstance(fields, list):
        return None
    at = _index(fields, group_id)
    if at is None or fields[at].get("type") != FieldType.GROUP:
        return None
    return dict(fields[at])


def _fields_of(document: Mapping[str, Any], parent: str | None) -> list[Any]:
    """The entries edited: the document's fields, or the sub-fields of its group `parent`."""
    if parent is None:
        return list(document.get("fields") or [])
    group = group_entry(document, parent)
    subs = group.get("fields") if group else None
    return list(subs) if isinstance(subs, list) else []


def _with_fields(
    document: Mapping[str, Any], fields: list[Any], parent: str | None
) -> dict[str, Any]:
    """The document with `fields` as its fields, or as the sub-fields of its group `parent`
    (the document as it is when it has no such group)."""
    changed = dict(document)
    if parent is None:
        changed["fields"] = fields
        return changed
    top = list(document.get("fields") or [])
    at = _index(top, parent)
    if group_entry(document, parent) is None or at is None:
        return changed
    top[at] = {**dict(top[at]), "fields": fields}
    changed["fields"] = top
    return changed


def _index(fields: list[Any], field_id: str) -> int | None:
    return next(
        (i for i, f in enumerate(fields) if isinstance(f, Mapping) and f.get("id") == field_id),
        None,
    )


def with_field(
    document: Mapping[str, Any],
    entry: Mapping[str, Any],
    *,
    replacing: str | None = None,
    parent: str | None = None,
) -> dict[str, Any]:
    """The document with field `entry` in place of field `replacing` (its position kept), or
    added at the end when `replacing` is None or no field has that id; `parent`: among the
    sub-fields of that group instead (the document unchanged when it has no such group)."""
    fields = _fields_of(document, parent)
    at = _index(fields, replacing) if replacing else None
    if at is None:
        fields.append(dict(entry))
    else:
        fields[at] = {**dict(entry), **_kept_keys(fields[at], entry)}
    return _with_fields(document, fields, parent)


# The keys of a group the field editor does not edit: the group's sub-fields are edited one by
# one (with_field's `parent`), so a group saved from the editor keeps them as they are.
KEPT_GROUP_KEYS: Final = ("fields",)


def _kept_keys(before: Any, entry: Mapping[str, Any]) -> dict[str, Any]:
    """What the field `before` holds that the builder's inputs do not say (a group's
    sub-fields), kept while it stays a group."""
    if not isinstance(before, Mapping) or entry.get("type") != FieldType.GROUP:
        return {}
    return {key: before[key] for key in KEPT_GROUP_KEYS if key in before}


def moved(
    document: Mapping[str, Any], field_id: str, offset: int, *, parent: str | None = None
) -> dict[str, Any]:
    """The document with field `field_id` (of group `parent`, when given) moved `offset`
    places (-1: up), within bounds."""
    fields = _fields_of(document, parent)
    at = _index(fields, field_id)
    if at is None:
        return dict(document)
    to = max(0, min(len(fields) - 1, at + offset))
    fields.insert(to, fields.pop(at))
    return _with_fields(document, fields, parent)


def without_field(
    document: Mapping[str, Any], field_id: str, *, parent: str | None = None
) -> dict[str, Any]:
    """The document without field `field_id` (a sub-field of group `parent`, when given)."""
    fields = [
        f
        for f in _fields_of(document, parent)
        if not (isinstance(f, Mapping) and f.get("id") == field_id)
    ]
    return _with_fields(document, fields, parent)


@dataclass(frozen=True, slots=True)
class FieldLines:
    """Where a field is written in a form file: its path (`contacts`, a sub-field
    `contacts.phone`) and its first and last lines (1-based)."""

    path: str
    first: int
    last: int


def field_lines(source: str, *, filename: str) -> tuple[FieldLines, ...]:
    """Where each field and sub-field with an id is written in form file `source`; () when it
    is not YAML."""
    try:
        document = load_yaml(source, filename=filename)
    except DiagnosticsError:
        return ()
    found: list[FieldLines] = []

    def walk(items: Any, prefix: str, limit: int | None) -> None:
        if not isinstance(items, YamlList):
            return
        starts = [items.item_span(i).line for i in range(len(items))]
        for index, item in enumerate(items):
            if not isinstance(item, YamlMap) or not isinstance(item.get("id"), str):
                continue
            span = items.item_span(index)
            # a block mapping's span ends where the next item starts: the item ends before it
            ends = [span.end_line, *starts[index + 1 : index + 2]]
            last = min(ends[0], ends[1] - 1) if len(ends) > 1 else ends[0]
            last = min(last, limit) if limit is not None else last
            path = f"{prefix}{item['id']}"
            found.append(FieldLines(path=path, first=span.line, last=max(span.line, last)))
            if not prefix:
                walk(item.get("fields"), f"{path}.", last)

    if isinstance(document, YamlMap):
        walk(document.get("fields"), "", None)
    return tuple(found)


def path_at(lines: tuple[FieldLines, ...], line: int) -> str | None:
    """The path of the innermost field written on `line` (field_lines), or None."""
    holding = [f for f in lines if f.first <= line <= f.last]
    return min(holding, key=lambda f: f.last - f.first).path if holding else None


def dump_document(document: Mapping[str, Any]) -> str:
    """The document as a form file: YAML whose text values a YAML 1.1 reader would take for
    something else (`yes`, `on`, `1.0`) quoted, keys in the order given."""
    text: str = yaml.safe_dump(
        dict(document), allow_unicode=True, sort_keys=False, width=100, default_flow_style=False
    )
    return text


# --- the builder's inputs ------------------------------------------------------------------------


def _number(text: str) -> int | float | str:
    try:
        number = float(text)
    except ValueError:
        return text  # left as written: the form's check says what it expected
    return int(number) if number.is_integer() and "." not in text else number


def _labels(inputs: Mapping[str, str], name: str) -> dict[str, str] | None:
    found = {
        language: inputs[f"{name}_{language}"].strip()
        for language in LANGUAGES
        if inputs.get(f"{name}_{language}", "").strip()
    }
    return found or None


def _options(text: str) -> list[Any]:
    options: list[Any] = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.split(OPTION_SEPARATOR)]
        if not parts[0]:
            continue
        labels = {lang: p for lang, p in zip(LANGUAGES, parts[1:], strict=False) if p}
        options.append({"value": parts[0], "label": labels} if labels else parts[0])
    return options


def _default(kind: str, text: str) -> Any:
    """A default typed as the field's values are (a number, yes/no, a list), read as an import
    cell would be; what does not read stays text, for the form's check to refuse."""
    try:
        field = Field(id="default", type=FieldType(kind), label={})
        value = coerce_cell(field, text)
    except (ValueError, CellError):
        return text
    return value if value is not None else text


def field_from_inputs(inputs: Mapping[str, str]) -> dict[str, Any]:
    """The field entry the builder's inputs describe (only the keys given), in FIELD_KEYS'
    order: `id`, `type`, `label_en`/`label_zh`, `help_en`/`help_zh`, `section`, the flags
    `required`, `sensitive` and `unique` ("true"), the conditions `visible_when` and
    `required_when` and the expression `computed` (rules-language texts), `default`, `min`,
    `max`, `max_length`, `pattern`,
    `options` (a line each: `value | English | 中文`) and `risk_direction`."""

    def given(name: str) -> str:
        return inputs.get(name, "").strip()

    entry: dict[str, Any] = {"id": given("id"), "type": given("type")}
    for name in ("label", "help"):
        labels = _labels(inputs, name)
        if labels:
            entry[name] = labels
    for name in ("section", "pattern", "risk_direction", *_EXPRESSIONS):
        if given(name):
            entry[name] = given(name)
    for name in _FLAGS:
        if given(name) == "true":
            entry[name] = True
    for name in _NUMBERS:
        if given(name):
            entry[name] = _number(given(name))
    if given("options"):
        entry["options"] = _options(inputs.get("options", ""))
    if given("default"):
        entry["default"] = _default(entry["type"], given("default"))
    return {key: entry[key] for key in FIELD_KEYS if key in entry}


def _text_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def entry_inputs(entry: Mapping[str, Any]) -> dict[str, str]:
    """The builder's inputs for field `entry` (field_from_inputs' inverse for what it writes)."""
    inputs = {name: _text_of(entry.get(name)) for name in FIELD_KEYS if name not in _FLAGS}
    for name in ("label", "help"):
        value = entry.get(name)
        for language in LANGUAGES:
            if isinstance(value, Mapping):
                inputs[f"{name}_{language}"] = _text_of(value.get(language))
            else:  # one text for every language
                inputs[f"{name}_{language}"] = _text_of(value) if language == "en" else ""
        inputs.pop(name, None)
    for name in _FLAGS:
        inputs[name] = "true" if entry.get(name) is True else ""
    lines = []
    for option in entry.get("options") or []:
        if isinstance(option, Mapping):
            labels = option.get("label")
            labels = labels if isinstance(labels, Mapping) else {"en": labels}
            parts = [_text_of(option.get("value"))]
            parts += [_text_of(labels.get(language)) for language in LANGUAGES]
            lines.append(f" {OPTION_SEPARATOR} ".join(parts).rstrip(f" {OPTION_SEPARATOR}"))
        else:
            lines.append(_text_of(option))
    inputs["options"] = "\n".join(lines)
    return inputs
