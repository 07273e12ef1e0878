"""Versions of a form: what changed between two of them (fields added, removed, narrowed), the
mapping that says what becomes of stored values (`rename`, `default`, `drop`), the check of a
mapping against the two versions, and the value-level application of a mapping to one record.

Pure: no I/O, no clock (docs/forms.md, "Versions"). Whether stored values become invalid is the
engine's question (it reads them); `value_problem` answers it for one value.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from dsl import Span, YamlMap
from forms.fields import Field
from forms.form import Form
from forms.messages import N_, described, did_you_mean, label_of, text
from forms.validation import DataError, Path, validate

MAPPING_PATH: Path = ("mapping",)
# A mapping names at most this many fields (a form has far fewer; the bound keeps input small).
MAX_MAPPED_FIELDS = 500


class ChangeKind(StrEnum):
    REMOVED = "removed"
    NARROWED = "narrowed"


class Action(StrEnum):
    """What becomes of the stored values of a removed or narrowed field."""

    RENAME = "rename"  # moved to another field of the new version (removed fields)
    DEFAULT = "default"  # replaced by a value (narrowed fields: the values that no longer fit)
    DROP = "drop"  # removed from the data


@dataclass(frozen=True, slots=True)
class FieldChange:
    """A field of the old version that the new version removes or narrows.

    `reasons` say how it narrows (`type`, `minimum`, `maximum`, `max_length`, `pattern`,
    `options`, `required`); `candidates` are fields the new version adds with the same type (a
    removed field may have been renamed to one of them)."""

    field_id: str
    kind: ChangeKind
    reasons: tuple[str, ...] = ()
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FormChanges:
    """What the new version of a form changes: `added` fields are free; `changes` are the removed
    and narrowed fields, in the old version's order."""

    added: tuple[str, ...]
    changes: tuple[FieldChange, ...]

    def change(self, field_id: str) -> FieldChange | None:
        return next((c for c in self.changes if c.field_id == field_id), None)

    @property
    def removed(self) -> tuple[str, ...]:
        return tuple(c.field_id for c in self.changes if c.kind is ChangeKind.REMOVED)


@dataclass(frozen=True, slots=True)
class FieldMapping:
    """What becomes of one field's stored values: `target` for a rename, `value` for a default."""

    action: Action
    target: str | None = None
    value: Any = None

    def to_dict(self) -> dict[str, Any]:
        if self.action is Action.RENAME:
            return {"rename": self.target}
        if self.action is Action.DEFAULT:
            return {"default": self.value}
        return {"drop": True}


VersionMapping = Mapping[str, FieldMapping]


def _tighter_low(old: int | float | None, new: int | float | None) -> bool:
    return new is not None and (old is None or new > old)


def _tighter_high(old: int | float | None, new: int | float | None) -> bool:
    return new is not None and (old is None or new < old)


def narrowing(old: Field, new: Field) -> tuple[str, ...]:
    """How `new` accepts fewer values than `old` (the same field in two versions): empty when
    every value `old` accepts, `new` accepts too (as far as the definitions tell)."""
    reasons: list[str] = []
    if old.type is not new.type:
        reasons.append("type")
    if _tighter_low(old.minimum, new.minimum):
        reasons.append("minimum")
    if _tighter_high(old.maximum, new.maximum):
        reasons.append("maximum")
    if _tighter_high(old.max_length, new.max_length):
        reasons.append("max_length")
    if new.pattern is not None and new.pattern != old.pattern:
        reasons.append("pattern")
    if new.options is not None and not set(old.options or ()) <= set(new.options):
        reasons.append("options")
    if new.required and not old.required:
        reasons.append("required")
    if old.type is new.type and new.fields:
        reasons.extend(_group_narrowing(old, new))
    return tuple(reasons)


def _group_narrowing(old: Field, new: Field) -> list[str]:
    """How a group narrows: `multiple` changed, a lower `max_items`, and per sub-field
    `SUB.removed`, `SUB.added` (when required) or `SUB.REASON` (`phone.pattern`)."""
    reasons: list[str] = []
    if old.multiple != new.multiple:
        reasons.append("multiple")
    if _tighter_high(old.max_items, new.max_items):
        reasons.append("max_items")
    for sub in old.fields:
        now = new.sub_field(sub.id)
        if now is None:
            reasons.append(f"{sub.id}.removed")
        else:
            reasons.extend(f"{sub.id}.{reason}" for reason in narrowing(sub, now))
    known = {sub.id for sub in old.fields}
    reasons.extend(f"{sub.id}.added" for sub in new.fields if sub.id not in known and sub.required)
    return reasons


def compare_forms(old: Form, new: Form) -> FormChanges:
    """The fields `new` adds, and those of `old` it removes or narrows."""
    before = {f.id for f in old.fields}
    added = tuple(f.id for f in new.fields if f.id not in before)
    changes: list[FieldChange] = []
    for field in old.fields:
        now = new.field(field.id)
        if now is None:
            candidates = tuple(f.id for f in new.fields if f.id in added and f.type is field.type)
            changes.append(FieldChange(field.id, ChangeKind.REMOVED, candidates=candidates))
            continue
        reasons = narrowing(field, now)
        if reasons:
            changes.append(FieldChange(field.id, ChangeKind.NARROWED, reasons=reasons))
    return FormChanges(added=added, changes=tuple(changes))


def _one_field_form(form: Form, field: Field) -> Form:
    return Form(key=form.key, label=form.label, fields=(field,), checksum="")


def value_problem(form: Form, field: Field, value: Any) -> DataError | None:
    """Why `value` does not fit `field` of `form` (None: it fits); a missing value (None) does
    not fit a required field."""
    errors = validate(_one_field_form(form, field), {} if value is None else {field.id: value})
    return errors[0] if errors else None


class FieldChecker:
    """`value_problem` for many values of the same fields: one small form per field, built once."""

    def __init__(self, form: Form) -> None:
        self._form = form
        self._forms: dict[str, Form] = {}

    def fits(self, field: Field, value: Any) -> bool:
        single = self._forms.get(field.id)
        if single is None:
            single = self._forms[field.id] = _one_field_form(self._form, field)
        return not validate(single, {} if value is None else {field.id: value})


def _error(path: Path, code: str, message: str, **params: Any) -> DataError:
    return DataError.of((*MAPPING_PATH, *path), code, text(message, **params))


def read_mapping(raw: object) -> tuple[dict[str, FieldMapping], tuple[DataError, ...]]:
    """A mapping as JSON (`{"old": {"rename": "new"}, "x": {"default": 0}, "y": {"drop": true}}`;
    `"drop"` alone also drops) read into values, and every problem of its shape, each at its path
    under `mapping`."""
    if raw is None:
        return {}, ()
    if not isinstance(raw, Mapping):
        return {}, (
            _error((), "wrong-type", N_("expected an object of field ids, found %(found)s"),
                   found=described(raw)),
        )  # fmt: skip
    if len(raw) > MAX_MAPPED_FIELDS:
        return {}, (
            _error((), "too-many", N_("a mapping names at most %(limit)d fields"),
                   limit=MAX_MAPPED_FIELDS),
        )  # fmt: skip
    mapping: dict[str, FieldMapping] = {}
    errors: list[DataError] = []
    for field_id, entry in raw.items():
        key = str(field_id)
        if entry == "drop":
            mapping[key] = FieldMapping(Action.DROP)
            continue
        if not isinstance(entry, Mapping) or len(entry) != 1:
            errors.append(
                _error((key,), "wrong-type",
                       N_("expected one of {rename: FIELD}, {default: VALUE} or {drop: true}, "
                          "found %(found)s"), found=described(entry))
            )  # fmt: skip
            continue
        ((action, value),) = entry.items()
        if action == Action.RENAME and isinstance(value, str) and value:
            mapping[key] = FieldMapping(Action.RENAME, target=value)
        elif action == Action.DEFAULT and value is not None:
            mapping[key] = FieldMapping(Action.DEFAULT, value=value)
        elif action == Action.DROP and value is True:
            mapping[key] = FieldMapping(Action.DROP)
        else:
            errors.append(
                _error((key,), "wrong-type",
                       N_("expected one of {rename: FIELD}, {default: VALUE} or {drop: true}, "
                          "found %(found)s"), found=described(dict(entry)))
            )  # fmt: skip
    return mapping, tuple(errors)


def check_mapping(
    mapping: VersionMapping,
    *,
    old: Form,
    new: Form,
    changes: FormChanges,
    needed: Collection[str],
) -> tuple[DataError, ...]:
    """Every problem of `mapping` against the two versions, at its path under `mapping`.

    `needed` are the fields that must be mapped: each removed field holding stored values and
    each narrowed field with stored values that no longer fit (the engine counts them). A
    mapped field must be one the new version removes or narrows; a rename goes from a removed
    field to a field only the new version has (not filled by the old data), one target per
    field; a default must fit the new field; a narrowed field that is now required cannot
    drop its values."""
    errors: list[DataError] = []
    for field_id in needed:
        if field_id not in mapping:
            change = changes.change(field_id)
            errors.append(
                _error((field_id,), "missing-mapping",
                       N_("say what becomes of the stored values of '%(field)s', which the new "
                          "version %(change)s: rename, default or drop"),
                       field=field_id, change=text(_CHANGE_WORDS[change.kind]) if change else "")
            )  # fmt: skip
    targets: dict[str, str] = {}
    for field_id, entry in mapping.items():
        change = changes.change(field_id)
        if old.field(field_id) is None:
            errors.append(
                _error((field_id,), "unknown-field",
                       N_("the published version has no field '%(field)s'%(hint)s"),
                       field=field_id, hint=did_you_mean(field_id, [f.id for f in old.fields]))
            )  # fmt: skip
            continue
        if change is None:
            errors.append(
                _error((field_id,), "unchanged-field",
                       N_("the new version keeps '%(field)s' as it is: leave it out of the "
                          "mapping"), field=field_id)
            )  # fmt: skip
            continue
        errors.extend(_entry_problems(field_id, entry, change, old=old, new=new, targets=targets))
    return tuple(errors)


_CHANGE_WORDS = MappingProxyType(
    {ChangeKind.REMOVED: N_("removes"), ChangeKind.NARROWED: N_("narrows")}
)


def _entry_problems(
    field_id: str,
    entry: FieldMapping,
    change: FieldChange,
    *,
    old: Form,
    new: Form,
    targets: dict[str, str],
) -> list[DataError]:
    errors: list[DataError] = []
    if entry.action is Action.RENAME:
        target = entry.target or ""
        path: Path = (field_id, "rename")
        if change.kind is not ChangeKind.REMOVED:
            errors.append(
                _error(path, "rename-kept",
                       N_("'%(field)s' stays in the new version: give a default or drop the "
                          "values that no longer fit"), field=field_id)
            )  # fmt: skip
        elif new.field(target) is None:
            errors.append(
                _error(path, "unknown-field",
                       N_("the new version has no field '%(target)s'%(hint)s"), target=target,
                       hint=did_you_mean(target, [f.id for f in new.fields]))
            )  # fmt: skip
        elif old.field(target) is not None:
            errors.append(
                _error(path, "target-filled",
                       N_("'%(target)s' already holds the stored values of the published "
                          "version: rename to a field only the new version has"), target=target)
            )  # fmt: skip
        elif target in targets:
            errors.append(
                _error(path, "duplicate-target",
                       N_("'%(field)s' and '%(other)s' are both renamed to '%(target)s'"),
                       field=field_id, other=targets[target], target=target)
            )  # fmt: skip
        else:
            targets[target] = field_id
    elif entry.action is Action.DEFAULT:
        field = new.field(field_id)
        path = (field_id, "default")
        if field is None:
            errors.append(
                _error(path, "default-removed",
                       N_("the new version removes '%(field)s': rename its values to another "
                          "field or drop them"), field=field_id)
            )  # fmt: skip
        else:
            problem = value_problem(new, field, entry.value)
            if problem is not None:
                errors.append(
                    DataError.of((*MAPPING_PATH, *path), problem.code,
                                 problem.wording or text(problem.message))
                )  # fmt: skip
    else:
        field = new.field(field_id)
        if field is not None and field.required:
            errors.append(
                _error((field_id, "drop"), "drop-required",
                       N_("%(label)s is required in the new version: give a default instead"),
                       label=label_of(field))
            )  # fmt: skip
    return errors


def renamed_values(
    data: Mapping[str, Any], mapping: VersionMapping
) -> Mapping[str, tuple[str, Any]]:
    """The values `mapping` renames in `data`: target field → (old field, value)."""
    return {
        entry.target: (field_id, data[field_id])
        for field_id, entry in mapping.items()
        if entry.action is Action.RENAME and entry.target and data.get(field_id) is not None
    }


def mapping_span(document: object, path: Path) -> Span | None:
    """Where, in a mapping file loaded by dsl.load_yaml, the error at `path` (under `mapping`)
    points: the deepest key of the path the file has; None when it has none."""
    found: Span | None = getattr(document, "span", None)
    node = document
    for part in path[len(MAPPING_PATH) :]:
        if not isinstance(node, YamlMap) or part not in node:
            break
        found = node.key_span(part)
        node = node[part]
    return found


__all__ = [
    "MAX_MAPPED_FIELDS",
    "Action",
    "ChangeKind",
    "FieldChange",
    "FieldChecker",
    "FieldMapping",
    "FormChanges",
    "VersionMapping",
    "check_mapping",
    "compare_forms",
    "mapping_span",
    "narrowing",
    "read_mapping",
    "renamed_values",
    "value_problem",
]
