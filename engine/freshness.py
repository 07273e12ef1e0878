"""Field freshness: when each stored customer field last changed, and from which source.

A customer's `freshness` column holds, per top-level form field, the time its value last changed
and the source of that change (`page`, `import`, `api`, `connector`, or `workflow` for a case's
`set_field`). Only a change of value stamps a field: a write that sends the same value keeps the
old stamp. A customer stored before freshness was kept (revision 0009) has none: its fields are
of unknown age and source, and `updated(FIELD)` / `source(FIELD)` read as missing.

Pure: no I/O, no clock; `now` is passed in.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from enum import StrEnum
from typing import Any

import dsl

SCHEMA_VERSION = 1


class Source(StrEnum):
    """Where a stored value came from."""

    PAGE = "page"
    IMPORT = "import"
    API = "api"
    CONNECTOR = "connector"
    WORKFLOW = "workflow"  # a workflow's `set_field`
    # a default a form version's mapping filled in when it was published (docs/forms.md,
    # "Versions"); a renamed value keeps the stamp it had
    FORM_VERSION = "form_version"


# What an API caller may name as the source of its write (docs/api.md): the pages say `page`
# themselves, and `workflow` is the engine's own.
API_SOURCES = (Source.API, Source.CONNECTOR, Source.IMPORT)


@dataclass(frozen=True, slots=True)
class FieldFreshness:
    """When one field's value last changed, and from which source."""

    updated_at: datetime
    source: str


def _fields(meta: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The per-field stamps of a stored `freshness` value (None: none kept)."""
    if not meta or meta.get("schema_version") != SCHEMA_VERSION:
        return {}
    fields = meta.get("fields")
    return fields if isinstance(fields, Mapping) else {}


def stamped(
    meta: Mapping[str, Any] | None,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    source: str,
    now: datetime,
) -> dict[str, Any]:
    """The `freshness` to store once the data `before` became `after` (both in clear): every
    field whose value changed is stamped `now` and `source`; unchanged ones keep their stamp;
    a field no longer present loses its stamp."""
    kept = _fields(meta)
    stamp = {"updated_at": now.astimezone(UTC).isoformat(), "source": str(source)}
    fields: dict[str, Any] = {}
    for name, value in after.items():
        if value is None:
            continue
        if name in before and before[name] == value and name in kept:
            fields[name] = kept[name]
        elif name in before and before[name] == value:
            continue  # unchanged, of unknown age: stays unknown
        else:
            fields[name] = stamp
    return {"schema_version": SCHEMA_VERSION, "fields": fields}


def remapped(
    meta: Mapping[str, Any] | None,
    *,
    renamed: Mapping[str, str],
    dropped: Collection[str],
    defaulted: Collection[str],
    now: datetime,
) -> dict[str, Any] | None:
    """The `freshness` to store once a form version's mapping changed the data: a renamed
    field's stamp moves to its new field (old field → new in `renamed`), a dropped field loses
    its stamp, a defaulted one is stamped `now` with the source `form_version`. None stays None
    when nothing is stamped."""
    kept = dict(_fields(meta))
    if meta is None and not defaulted:
        return None
    for old, new in renamed.items():
        stamp = kept.pop(old, None)
        if stamp is not None:
            kept[new] = stamp
        else:
            kept.pop(new, None)
    for name in dropped:
        kept.pop(name, None)
    stamp = {"updated_at": now.astimezone(UTC).isoformat(), "source": str(Source.FORM_VERSION)}
    for name in defaulted:
        kept[name] = stamp
    return {"schema_version": SCHEMA_VERSION, "fields": kept}


def freshness_view(meta: Mapping[str, Any] | None) -> dict[str, FieldFreshness]:
    """The stamps of a stored `freshness` value by field, as views and pages show them."""
    found: dict[str, FieldFreshness] = {}
    for name, entry in _fields(meta).items():
        at = _time(entry)
        if at is not None:
            found[name] = FieldFreshness(updated_at=at, source=str(entry.get("source") or ""))
    return found


def _time(entry: Any) -> datetime | None:
    if not isinstance(entry, Mapping) or not isinstance(entry.get("updated_at"), str):
        return None
    try:
        at = datetime.fromisoformat(entry["updated_at"])
    except ValueError:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


class FreshnessRecord(Mapping[str, tuple[date | None, str | None]]):
    """What the rules read of a customer's freshness (dsl.FRESHNESS_KEY in the record): field
    -> (the date it last changed in the workspace zone, its source).

    Dates are made only for the fields a rule asks about, so building the record of a customer
    whose ruleset never calls `updated()` costs one small object."""

    __slots__ = ("_fields", "_made", "_tz")

    def __init__(self, meta: Mapping[str, Any] | None, tz: tzinfo) -> None:
        self._fields = _fields(meta)
        self._tz = tz
        self._made: dict[str, tuple[date | None, str | None]] = {}

    def __getitem__(self, name: str) -> tuple[date | None, str | None]:
        made = self._made.get(name)
        if made is not None:
            return made
        entry = self._fields[name]
        at = _time(entry)
        source = entry.get("source") if isinstance(entry, Mapping) else None
        made = (
            at.astimezone(self._tz).date() if at is not None else None,
            source if isinstance(source, str) else None,
        )
        self._made[name] = made
        return made

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)


def with_freshness(
    record: dict[str, Any], meta: Mapping[str, Any] | None, tz: tzinfo
) -> dict[str, Any]:
    """`record` carrying the customer's freshness for `updated()` and `source()` (in place)."""
    record[dsl.FRESHNESS_KEY] = FreshnessRecord(meta, tz)
    return record
