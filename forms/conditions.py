"""What a form's field expressions say of one record: which fields are shown and required
(`visible_when`, `required_when`), the computed values (`computed`), and the data errors they
make (docs/forms.md, "Conditions", "Computed fields"). Pure: `as_of` is passed in.

A condition is read over the record as the rules read it: the form's data (computed values
included) and the credit terms when the caller gives them. A condition that is missing (it reads
a missing value) is false (rules-language §4).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from forms.field_types import FieldType
from forms.fields import Field
from forms.messages import N_, Text, label_of, text, text_problem_of

if TYPE_CHECKING:
    from forms.form import Form

Path = tuple[str | int, ...]
# Stored amounts have at most 16 digits before the point (forms.validation.AMOUNT_LIMIT).
_AMOUNT_LIMIT: Final = 10**16


@dataclass(frozen=True, slots=True)
class FieldStates:
    """For one record: the ids of the fields shown, of those that must hold a value, and the
    computed values (field id → value; a computed value that is missing is left out)."""

    visible: frozenset[str]
    required: frozenset[str]
    computed: Mapping[str, Any]

    def is_visible(self, field_id: str) -> bool:
        return field_id in self.visible

    def is_required(self, field_id: str) -> bool:
        return field_id in self.required


def field_states(
    form: Form,
    record: Mapping[str, Any],
    *,
    terms: Mapping[str, Any] | None = None,
    as_of: dt.date | None = None,
) -> FieldStates:
    """Which of `form`'s fields are shown and required for `record` (a form's data as JSON, as
    complete as the caller has it: a page sends what is filled in so far), and what the computed
    fields compute for it.

    `terms` are the customer's credit terms (conditions may read them; None: missing), `as_of`
    the date `today()` reads. A field without `visible_when` is always shown; a field is required
    when shown and `required` or `required_when` is true. Never raises for data.
    """
    computed = computed_values(form, record, terms=terms, as_of=as_of)
    full = _record(form, record, terms, computed)
    visible = frozenset(f.id for f in form.fields if _holds(form, f, "visible_when", full, as_of))
    required = frozenset(
        f.id
        for f in form.fields
        if f.id in visible
        and f.computed is None
        and (f.required or _holds(form, f, "required_when", full, as_of))
    )
    return FieldStates(visible=visible, required=required, computed=computed)


def computed_values(
    form: Form,
    record: Mapping[str, Any],
    *,
    terms: Mapping[str, Any] | None = None,
    as_of: dt.date | None = None,
) -> dict[str, Any]:
    """The value of every computed field of `form` for `record`, each computed after those it
    reads; a missing value (or one the field could not store) is left out."""
    values: dict[str, Any] = {}
    if not form.expressions.computed_order:
        return values
    full = _record(form, record, terms, values)
    for field_id in form.expressions.computed_order:
        field = form.field(field_id)
        expression = form.expressions.compiled[(field_id, "computed")]
        assert field is not None
        value = _storable(field, expression.evaluate(full, as_of=as_of))
        if value is not None:
            values[field_id] = value
            full[field_id] = value
    return values


def condition_errors(
    form: Form,
    data: Mapping[str, Any],
    *,
    terms: Mapping[str, Any] | None = None,
    as_of: dt.date | None = None,
) -> Iterator[tuple[Path, str, Text]]:
    """The data errors of the fields' expressions, as (path, code, wording): a value given for a
    computed field (`computed-field`) or for a field not shown (`not-visible`), none for a field
    required by its `required_when` or by `required` when shown (`required`)."""
    if not form.expressions.compiled:
        return
    states = field_states(form, data, terms=terms, as_of=as_of)
    for field in form.fields:
        given = _is_given(data.get(field.id))
        path: Path = (field.id,)
        if field.computed is not None:
            if given:
                yield path, "computed-field", _computed_given(field)
        elif not states.is_visible(field.id):
            if given:
                yield path, "not-visible", _hidden_given(field)
        elif field.id in states.required and not given and field.default is None:
            yield path, "required", _required_now(field)


def _computed_given(field: Field) -> Text:
    assert field.computed is not None
    return text(
        N_("%(label)s is computed (%(expression)s): leave it out or send null"),
        label=label_of(field),
        expression=field.computed.source,
    )


def _hidden_given(field: Field) -> Text:
    assert field.visible_when is not None
    return text(
        N_("%(label)s applies only when %(condition)s: leave it out or send null"),
        label=label_of(field),
        condition=field.visible_when.source,
    )


def _required_now(field: Field) -> Text:
    if field.required_when is None:
        return text(N_("required field '%(id)s' is missing"), id=field.id)
    return text(
        N_("required field '%(id)s' is missing (it is required when %(condition)s)"),
        id=field.id,
        condition=field.required_when.source,
    )


def _is_given(value: Any) -> bool:
    """A value that counts as given: not null, not empty text, not an empty list."""
    return value is not None and value != "" and value != [] and value != ()


def _record(
    form: Form,
    data: Mapping[str, Any],
    terms: Mapping[str, Any] | None,
    computed: Mapping[str, Any],
) -> dict[str, Any]:
    """What the expressions read: the terms, the data without what computed fields were sent,
    and the computed values."""
    record = {**(terms or {}), **data}
    for field_id in form.expressions.computed_order:
        record.pop(field_id, None)
    record.update(computed)
    return record


def _holds(
    form: Form, field: Field, key: str, record: Mapping[str, Any], as_of: dt.date | None
) -> bool:
    """True when the field has no such condition (visible_when) or it is true; missing is false."""
    expression = form.expressions.compiled.get((field.id, key))
    if expression is None:
        return key == "visible_when"
    return expression.evaluate(record, as_of=as_of) is True


def _storable(field: Field, value: Any) -> Any:
    """A computed value as the field stores it (a date as ISO text), or None when the field
    could not hold it (a number too large, text with control characters)."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat() if field.type is FieldType.DATE else None
    if isinstance(value, bool):
        return value if field.type is FieldType.BOOLEAN else None
    if isinstance(value, int | float):
        if not field.type.is_numeric or not math.isfinite(value) or abs(value) >= _AMOUNT_LIMIT:
            return None
        return value
    if isinstance(value, str):
        if not field.type.spec.is_text or text_problem_of(value, allow_breaks=True) is not None:
            return None
        return value
    return None
