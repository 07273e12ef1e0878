"""Versioned definitions: publish forms, rulesets, workflows and templates; load them compiled.

A `spec_versions` row holds the source text, which is the truth. Loading a row compiles its source
once per checksum (and the checksums of what it was compiled against) and keeps the compiled value
in this process. What is published is read afresh once per transaction, in one query of every
published row but its source (`published_set`): a publish in any process is seen by the next
transaction of every other, and nothing stale is served. The source text is kept by its checksum
(content-addressed, so never stale) and read only for a checksum not seen before.

Which definitions the engine runs:
- customer data is validated by the published form whose key is `customer`;
- customers are scored by the *scoring ruleset* of the most recently imported template: the
  template's first ruleset whose `form` is `customer` (its first ruleset when none names that form),
  at its currently published version;
- every published workflow whose trigger is `tier_changed` may start when a tier changes.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import and_, event, func, or_, update
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, col, select

import dsl
import forms
import workflows
from engine import ruleset_schema
from engine.errors import N_, NotConfiguredError, NotFoundError
from engine.models import SpecKind, SpecStatus, SpecVersion
from engine.ruleset_schema import CUSTOMER_FORM
from engine.views import SpecSummary

T = TypeVar("T")


def checksum_of(source: str) -> str:
    """The sha256 of a definition's source text, as every compiled definition reports it."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class LoadedSpec(Generic[T]):
    """A published (or exact) version of a definition together with its compiled value."""

    kind: str
    key: str
    version: int
    checksum: str
    status: str
    label: str | None
    filename: str | None
    meta: Mapping[str, Any]
    value: T


# --- publishing --------------------------------------------------------------------------------


def publish(
    session: Session,
    *,
    kind: SpecKind,
    key: str,
    source: str,
    filename: str | None,
    label: str | None,
    meta: Mapping[str, Any],
    template_key: str | None,
    template_version: str | None,
    author: str | None,
    now: datetime,
) -> SpecVersion:
    """Add version max+1 of (kind, key) as published and retire the version published before.

    The caller writes the audit row (one per import, naming every version published).
    """
    version = make_room(session, kind, key)
    _retire_published(session, kind, key)
    row = SpecVersion(
        kind=kind,
        key=key,
        version=version,
        status=SpecStatus.PUBLISHED,
        label=label,
        filename=filename,
        source=source,
        checksum=checksum_of(source),
        template_key=template_key,
        template_version=template_version,
        meta=dict(meta),
        author=author,
        created_at=now,
        published_at=now,
    )
    session.add(row)
    session.flush()
    return row


def make_room(session: Session, kind: SpecKind, key: str) -> int:
    """The number the next published version of (kind, key) takes: after every version but the
    draft. A draft holding that number (it would have been published as it) moves up one, so an
    import beside a draft leaves no gap in the numbers."""
    latest = session.exec(
        select(func.max(SpecVersion.version)).where(
            SpecVersion.kind == kind,
            SpecVersion.key == key,
            SpecVersion.status != SpecStatus.DRAFT,
        )
    ).one()
    version = (latest or 0) + 1
    session.execute(
        update(SpecVersion)
        .where(
            col(SpecVersion.kind) == kind,
            col(SpecVersion.key) == key,
            col(SpecVersion.status) == SpecStatus.DRAFT,
            col(SpecVersion.version) == version,
        )
        .values(version=version + 1)
    )
    return version


def _retire_published(
    session: Session, kind: SpecKind, key: str, *, keep: int | None = None
) -> None:
    """Retire the published version of (kind, key), except row `keep`."""
    forget_published(session)  # what this transaction found may be retired now
    session.execute(
        update(SpecVersion)
        .where(
            col(SpecVersion.kind) == kind,
            col(SpecVersion.key) == key,
            col(SpecVersion.status) == SpecStatus.PUBLISHED,
            col(SpecVersion.id) != (keep if keep is not None else -1),
        )
        .values(status=SpecStatus.RETIRED)
    )


def publish_existing(
    session: Session,
    row: SpecVersion,
    *,
    expected_status: SpecStatus,
    meta: Mapping[str, Any] | None = None,
    published_by: str | None,
    comment: str | None,
    effective_at: datetime | None,
    now: datetime,
) -> bool:
    """Publish the draft or scheduled version `row` as it stands (its number and source kept):
    retire the version published before and mark `row` published by `published_by` at `now`.

    A conditional update from `expected_status` claims it: False (nothing changed) when another
    transaction published, discarded or replaced it meanwhile. The caller audits.
    """
    assert row.id is not None
    values: dict[str, Any] = {
        "status": SpecStatus.PUBLISHED,
        "published_at": now,
        "published_by": published_by,
        "comment": comment,
        "effective_at": effective_at,
    }
    if meta is not None:
        values["meta"] = dict(meta)
    claimed = session.execute(
        update(SpecVersion)
        .where(col(SpecVersion.id) == row.id, col(SpecVersion.status) == expected_status)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    _retire_published(session, SpecKind(row.kind), row.key, keep=row.id)
    session.expire(row)
    session.flush()
    return True


def template_ref(row: SpecVersion | None) -> dict[str, Any] | None:
    """`{key, version}` of a template version, as a version published outside an import
    records the template it was checked against (meta `template`)."""
    if row is None:
        return None
    return {"key": row.key, "version": row.version}


# --- reading rows ------------------------------------------------------------------------------

# session.info keys: the rows find_row found in this transaction, and the published set
_FOUND_ROWS = "riskdesk.specs.found_rows"
_PUBLISHED = "riskdesk.specs.published"
# every column but the source: what the per-transaction query of the published set reads
_ROW_COLUMNS = tuple(c for c in SpecVersion.__table__.columns if c.name != "source")  # type: ignore[attr-defined]
_PUBLISHED_QUERY = (
    select(*_ROW_COLUMNS)
    .where(col(SpecVersion.status) == SpecStatus.PUBLISHED)
    .order_by(col(SpecVersion.kind), col(SpecVersion.key), col(SpecVersion.version))
)


@dataclass(frozen=True, slots=True)
class PublishedSet:
    """Every published row of one transaction, found by (kind, key); `rows` in (kind, key)
    order. The rows are shared between transactions whose query returned the same values:
    read them, never change or add them to a session."""

    rows: tuple[SpecVersion, ...]
    by_key: Mapping[tuple[str, str], SpecVersion]
    latest_template: SpecVersion | None


# The published set last built in this process, with the raw rows it was built from: the next
# transaction whose query returns exactly those values reuses it (and so the compiled values
# found through it) instead of building rows again.
_last_published: tuple[tuple[Any, ...], PublishedSet] | None = None
# Source texts by checksum: a checksum names its text, so this is never stale.
_sources: dict[str, str] = {}
_SOURCES_SIZE = 1024


def forget_published(session: Session) -> None:
    """Forget what this transaction found of the published definitions: call after changing
    which versions are published (`publish` does), so the next read sees the change."""
    session.info.pop(_FOUND_ROWS, None)
    session.info.pop(_PUBLISHED, None)


@event.listens_for(OrmSession, "after_transaction_end")
def _forget_at_transaction_end(session: OrmSession, transaction: SessionTransaction) -> None:
    # "once per transaction": a session that goes on after a commit or rollback reads afresh
    if transaction.parent is None:
        session.info.pop(_FOUND_ROWS, None)
        session.info.pop(_PUBLISHED, None)


def published_set(session: Session) -> PublishedSet:
    """What is published, read in one query per transaction (see the module docstring)."""
    global _last_published
    found: PublishedSet | None = session.info.get(_PUBLISHED)
    if found is not None:
        return found
    raw = tuple(tuple(row) for row in session.execute(_PUBLISHED_QUERY))
    last = _last_published
    if last is not None and last[0] == raw:
        found = last[1]
    else:
        found = _build_published(session, raw)
        _last_published = (raw, found)
    session.info[_PUBLISHED] = found
    return found


def _build_published(session: Session, raw: tuple[tuple[Any, ...], ...]) -> PublishedSet:
    names = [c.name for c in _ROW_COLUMNS]
    values = [dict(zip(names, row, strict=True)) for row in raw]
    with _cache_lock:  # a local copy: another thread may clear the shared one meanwhile
        texts = {
            v["checksum"]: _sources[v["checksum"]] for v in values if v["checksum"] in _sources
        }
    missing = {v["id"] for v in values if v["checksum"] not in texts}
    if missing:
        read = session.execute(
            select(col(SpecVersion.checksum), col(SpecVersion.source)).where(
                col(SpecVersion.id).in_(missing)
            )
        )
        texts.update({checksum: source for checksum, source in read})
        with _cache_lock:
            if len(_sources) >= _SOURCES_SIZE:
                _sources.clear()
            _sources.update(texts)
    rows = tuple(SpecVersion(**v, source=texts[v["checksum"]]) for v in values)
    by_key: dict[tuple[str, str], SpecVersion] = {}
    for row in rows:  # in version order: the highest published version of a key wins
        by_key[(row.kind, row.key)] = row
    templates = [row for row in rows if row.kind == SpecKind.TEMPLATE]
    latest = max(templates, key=lambda r: (r.published_at or r.created_at, r.id or 0), default=None)
    return PublishedSet(rows=rows, by_key=by_key, latest_template=latest)


def find_row(session: Session, kind: SpecKind, key: str, version: int | None = None) -> SpecVersion:
    """The published version of (kind, key), or exactly `version` when given.

    The published ones come from `published_set`; another exact version is read once per
    transaction (a version's row never changes). Raises NotFoundError when there is none.
    """
    published = published_set(session).by_key.get((kind, key))
    if published is not None and (version is None or published.version == version):
        return published
    if version is None:
        raise NotFoundError(
            N_("there is no published version of %(kind)s '%(key)s'"), kind=kind, key=key
        )
    found: dict[Any, SpecVersion] = session.info.setdefault(_FOUND_ROWS, {})
    memo = found.get((kind, key, version))
    if memo is not None:
        return memo
    row = _query_row(session, kind, key, version)
    found[(kind, key, version)] = row
    return row


def _query_row(session: Session, kind: SpecKind, key: str, version: int) -> SpecVersion:
    row = session.exec(
        select(SpecVersion).where(
            SpecVersion.kind == kind, SpecVersion.key == key, SpecVersion.version == version
        )
    ).first()
    if row is None:
        raise NotFoundError(
            N_("there is no version %(version)s of %(kind)s '%(key)s'"),
            version=version,
            kind=kind,
            key=key,
        )
    return row


def exact_rows(
    session: Session, kind: SpecKind, refs: Sequence[tuple[str, int]]
) -> list[SpecVersion]:
    """The rows of the exact (key, version)s `refs`, in their order: the published ones from
    `published_set`, the others read in one query.

    Raises NotFoundError for the first that does not exist."""
    if not refs:
        return []
    by_key = published_set(session).by_key
    found: dict[tuple[str, int], SpecVersion] = {}
    for key, version in refs:
        row = by_key.get((kind, key))
        if row is not None and row.version == version:
            found[(key, version)] = row
    rest = [ref for ref in refs if ref not in found]
    if rest:
        query = select(SpecVersion).where(
            SpecVersion.kind == kind,
            or_(
                *(
                    and_(col(SpecVersion.key) == key, col(SpecVersion.version) == v)
                    for key, v in rest
                )
            ),
        )
        found.update({(row.key, row.version): row for row in session.exec(query)})
    rows = []
    for key, version in refs:
        row = found.get((key, version))
        if row is None:
            raise NotFoundError(
                N_("there is no version %(version)s of %(kind)s '%(key)s'"),
                version=version,
                kind=kind,
                key=key,
            )
        rows.append(row)
    return rows


def published_rows(session: Session, kind: SpecKind) -> list[SpecVersion]:
    """Every published row of `kind`, in key order (read-only, see `PublishedSet`)."""
    return [row for row in published_set(session).rows if row.kind == kind]


def latest_template_row(session: Session) -> SpecVersion | None:
    """The template published last: its choices (scoring ruleset, base currency) apply."""
    return published_set(session).latest_template


# --- compiling, cached by checksum -------------------------------------------------------------

_cache: dict[tuple[Any, ...], Any] = {}
_cache_lock = threading.Lock()
_CACHE_SIZE = 512


_MISSING = object()


def _cache_get(cache_key: tuple[Any, ...]) -> Any:
    """The cached value, or `_MISSING`."""
    with _cache_lock:
        return _cache.get(cache_key, _MISSING)


def _cached(cache_key: tuple[Any, ...], build: Callable[[], T]) -> T:
    with _cache_lock:
        if cache_key in _cache:
            return _cache[cache_key]  # type: ignore[no-any-return]
    value = build()  # outside the lock: compiling may take a while; a rare double build is harmless
    with _cache_lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()
        _cache[cache_key] = value
    return value


def clear_cache() -> None:
    """Forget every compiled definition and source text (tests; a process never needs to)."""
    global _last_published
    with _cache_lock:
        _cache.clear()
        _sources.clear()
        _last_published = None


def _loaded(row: SpecVersion, value: T) -> LoadedSpec[T]:
    assert row.id is not None
    return LoadedSpec(
        kind=row.kind,
        key=row.key,
        version=row.version,
        checksum=row.checksum,
        status=row.status,
        label=row.label,
        filename=row.filename,
        meta=row.meta,
        value=value,
    )


def _filename(row: SpecVersion) -> str:
    return row.filename or f"{row.key}.{row.kind}"


def _compile_form(row: SpecVersion) -> forms.Form:
    return _cached(
        ("form", row.checksum, row.filename),
        lambda: forms.load_form(row.source, filename=_filename(row)),
    )


def _dependency(session: Session, row: SpecVersion, name: str) -> SpecVersion | None:
    """The exact form version `row` was compiled against at publication (meta[name])."""
    ref = row.meta.get(name)
    if not ref:
        return None
    return find_row(session, SpecKind.FORM, ref["key"], ref["version"])


def record_schema(form: forms.Form | None) -> dsl.Schema:
    """What rules and guards may read of a customer: the form's fields plus the credit terms."""
    fields: dict[str, dsl.FieldInfo] = dict(form.dsl_schema()) if form is not None else {}
    fields.update(forms.TERMS_SCHEMA)
    return fields


def _publishing_template(session: Session, row: SpecVersion) -> SpecVersion | None:
    """The template version whose import published `row` (its meta lists every spec it
    published), or None for a definition published outside a template."""
    ref = row.meta.get("template")
    if ref:  # published from a draft: checked against this template version (template_ref)
        try:
            return find_row(session, SpecKind.TEMPLATE, ref["key"], ref["version"])
        except NotFoundError:
            return None
    if row.template_key is None:
        return None
    candidates = session.exec(
        select(SpecVersion)
        .where(SpecVersion.kind == SpecKind.TEMPLATE, SpecVersion.key == row.template_key)
        .order_by(col(SpecVersion.version).desc())
    )
    return next((template for template in candidates if _published_by(template, row)), None)


def _event_form_rows(template: SpecVersion | None) -> list[tuple[str, int]] | None:
    """The (key, version) of every form published with `template` except `customer`: the event
    kinds its rulesets were checked against (engine.ruleset_schema). None without a template."""
    if template is None:
        return None
    return [
        (str(spec["key"]), int(spec["version"]))
        for spec in template.meta.get("specs") or ()
        if spec.get("kind") == SpecKind.FORM and spec.get("key") != CUSTOMER_FORM
    ]


def _compile_ruleset(
    session: Session, row: SpecVersion, *, latest: SpecVersion | None = None
) -> Any:
    """`row` compiled against what its template compiled it against (cached by content).

    `latest`, the latest template row when the caller has it, spares the queries of the
    dependencies when that template published `row` and recorded their checksums: the cache key
    then comes from its meta alone (the scoring path, once per assessment)."""
    template = latest if _published_by(latest, row) else _publishing_template(session, row)
    quick_key = _ruleset_key_from_meta(row, template)
    if quick_key is not None:
        found = _cache_get(quick_key)
        if found is not _MISSING:
            return found
    form_row = _dependency(session, row, "form")
    form = _compile_form(form_row) if form_row is not None else None
    # What the bundle check compiled it against: the forms and base currency of its template.
    event_refs = _event_form_rows(template)
    event_rows = None if event_refs is None else exact_rows(session, SpecKind.FORM, event_refs)
    if template is None:
        template = latest_template_row(session)  # not a template's: the workspace's currency
    currency = template.meta.get("base_currency") if template is not None else None

    def build() -> Any:
        event_forms = None if event_rows is None else [_compile_form(r) for r in event_rows]
        return ruleset_schema.compile_ruleset(
            row.source,
            filename=_filename(row),
            form=form,
            event_forms=event_forms,
            base_currency=currency,
        )

    events_key = None if event_rows is None else tuple((r.key, r.checksum) for r in event_rows)
    form_checksum = form_row.checksum if form_row is not None else None
    return _cached(_ruleset_key(row, form_checksum, events_key, currency), build)


def _ruleset_key(
    row: SpecVersion,
    form_checksum: str | None,
    events_key: tuple[tuple[str, str], ...] | None,
    currency: str | None,
) -> tuple[Any, ...]:
    """What a compiled ruleset depends on: its text, its form's, its event forms', the currency."""
    return ("ruleset", row.checksum, row.filename, form_checksum, events_key, currency)


def _published_by(template: SpecVersion | None, row: SpecVersion) -> bool:
    """Whether the import of `template` published `row`, or `row` (published from a draft)
    was checked against `template`."""
    if template is None:
        return False
    if row.meta.get("template"):
        return bool(row.meta["template"] == template_ref(template))
    if row.template_key != template.key:
        return False
    return any(
        (spec.get("kind"), spec.get("key"), spec.get("version")) == (row.kind, row.key, row.version)
        for spec in template.meta.get("specs") or ()
    )


def _ruleset_key_from_meta(
    row: SpecVersion, template: SpecVersion | None
) -> tuple[Any, ...] | None:
    """The cache key of `row` read off the meta of the template that published it, or None when
    that meta does not record the checksums (templates imported before they were recorded)."""
    if template is None:
        return None
    checksums = {
        (spec.get("kind"), spec.get("key"), spec.get("version")): spec.get("checksum")
        for spec in template.meta.get("specs") or ()
    }
    form_ref = row.meta.get("form")
    form_checksum = None
    if form_ref:
        form_checksum = checksums.get((SpecKind.FORM, form_ref["key"], form_ref["version"]))
        if form_checksum is None:
            return None
    events = []
    for key, version in _event_form_rows(template) or ():
        checksum = checksums.get((SpecKind.FORM, key, version))
        if checksum is None:
            return None
        events.append((key, checksum))
    return _ruleset_key(row, form_checksum, tuple(events), template.meta.get("base_currency"))


def _compile_workflow(session: Session, row: SpecVersion) -> workflows.Workflow:
    form_row = _dependency(session, row, "form")
    form = _compile_form(form_row) if form_row is not None else None
    roles = tuple(row.meta.get("roles", ()))

    def build() -> workflows.Workflow:
        # The action and event forms, the workflow keys a `start` names and the calendars were
        # checked when this version was published (bundle_reader, draft_checks); a published
        # version must keep loading when they change later, so they are not checked again here.
        return workflows.load_workflow(
            row.source, filename=_filename(row), schema=record_schema(form), roles=roles
        )

    return _cached(
        ("workflow", row.checksum, row.filename, form_row and form_row.checksum, roles), build
    )


# --- loading compiled definitions --------------------------------------------------------------


def load_form(session: Session, key: str, version: int | None = None) -> LoadedSpec[forms.Form]:
    """The published (or exact) version of form `key`, loaded. Raises NotFoundError."""
    row = find_row(session, SpecKind.FORM, key, version)
    return _loaded(row, _compile_form(row))


def load_ruleset(session: Session, key: str, version: int | None = None) -> LoadedSpec[Any]:
    """The published (or exact) version of ruleset `key`, compiled. Raises NotFoundError."""
    row = find_row(session, SpecKind.RULESET, key, version)
    return _loaded(row, _compile_ruleset(session, row))


def load_workflow(
    session: Session, key: str, version: int | None = None
) -> LoadedSpec[workflows.Workflow]:
    """The published (or exact) version of workflow `key`, loaded. Raises NotFoundError."""
    row = find_row(session, SpecKind.WORKFLOW, key, version)
    return _loaded(row, _compile_workflow(session, row))


def customer_form(session: Session) -> LoadedSpec[forms.Form]:
    """The published `customer` form. Raises NotConfiguredError before a template is imported."""
    try:
        return load_form(session, CUSTOMER_FORM)
    except NotFoundError as exc:
        raise NotConfiguredError(
            N_("no customer form is published yet: import a template first")
        ) from exc


def scoring_ruleset(session: Session) -> LoadedSpec[Any]:
    """The ruleset that scores customers (see the module docstring).

    Raises NotConfiguredError when no template, or none with a ruleset, is imported.
    """
    template = latest_template_row(session)
    key = template.meta.get("scoring_ruleset") if template is not None else None
    if not key:
        raise NotConfiguredError(N_("no ruleset scores customers yet: import a template first"))
    try:
        row = find_row(session, SpecKind.RULESET, key)
    except NotFoundError as exc:
        raise NotConfiguredError(
            N_("the scoring ruleset '%(key)s' is not published"), key=key
        ) from exc
    return _loaded(row, _compile_ruleset(session, row, latest=template))


def base_currency(session: Session, default: str) -> str:
    """The base currency of the workspace's latest template, or `default` before any import."""
    template = latest_template_row(session)
    if template is None:
        return default
    return str(template.meta.get("base_currency") or default)


def published_workflows(session: Session) -> list[LoadedSpec[workflows.Workflow]]:
    """Every published workflow, loaded, in key order."""
    return [
        _loaded(row, _compile_workflow(session, row))
        for row in published_rows(session, SpecKind.WORKFLOW)
    ]


def list_specs(
    session: Session, *, kind: SpecKind | None = None, status: SpecStatus | None = None
) -> tuple[SpecSummary, ...]:
    """Versions of definitions in kind, key, version order, optionally of one kind or status."""
    query = select(SpecVersion)
    if kind is not None:
        query = query.where(SpecVersion.kind == kind)
    if status is not None:
        query = query.where(SpecVersion.status == status)
    order = (col(SpecVersion.kind), col(SpecVersion.key), col(SpecVersion.version))
    return tuple(
        SpecSummary(
            kind=row.kind,
            key=row.key,
            version=row.version,
            status=row.status,
            label=dict(row.meta.get("label") or {"en": row.label or row.key}),
            filename=row.filename,
            checksum=row.checksum,
            template_key=row.template_key,
            template_version=row.template_version,
            author=row.author,
            published_at=row.published_at,
        )
        for row in session.exec(query.order_by(*order))
    )


def draft_ruleset_basis(
    session: Session, *, published: SpecVersion | None
) -> tuple[SpecVersion | None, SpecVersion | None]:
    """(template, form) a draft of a ruleset is checked against: the template of its
    `published` version and the form it reads as published now (a field a newer form version
    added may be read: the next ruleset version is compiled against that version); for a new
    ruleset, the latest template and the published customer form."""
    if published is not None:
        ref = published.meta.get("form")
        current = None
        if ref:
            try:
                current = find_row(session, SpecKind.FORM, ref["key"])
            except NotFoundError:
                current = None
        form_row = current or _dependency(session, published, "form")
        return _publishing_template(session, published), form_row
    try:
        form_row = find_row(session, SpecKind.FORM, CUSTOMER_FORM)
    except NotFoundError:
        form_row = None
    return latest_template_row(session), form_row


def compile_draft_ruleset(
    session: Session, key: str, source: str, *, published: SpecVersion | None
) -> Any:
    """`source` compiled as the next version of ruleset `key` would be: against what the
    `published` version was compiled against (its form, its template's event forms and base
    currency); without one (a new ruleset), against the published customer form and the forms
    and base currency of the latest template (`draft_ruleset_basis`). Nothing is cached.
    Raises dsl.RulesError."""
    template, form_row = draft_ruleset_basis(session, published=published)
    stand_in = SpecVersion(
        kind=SpecKind.RULESET,
        key=key,
        version=published.version if published is not None else 1,
        status=SpecStatus.DRAFT,
        filename=published.filename if published is not None else None,
        source=source,
        checksum=checksum_of(source),
    )
    event_refs = _event_form_rows(template)
    event_rows = None if event_refs is None else exact_rows(session, SpecKind.FORM, event_refs)
    if template is None:
        template = latest_template_row(session)  # as _compile_ruleset: the workspace's currency
    currency = template.meta.get("base_currency") if template is not None else None
    return ruleset_schema.compile_ruleset(
        source,
        filename=_filename(stand_in),
        form=_compile_form(form_row) if form_row is not None else None,
        event_forms=None if event_rows is None else [_compile_form(r) for r in event_rows],
        base_currency=currency,
    )
