"""The bulk write path of a customers import: the rows of a chunk planned in memory, then the
created customers written, scored and audited a few statements per batch, with every guarantee
of a single upsert (engine.customers.upsert_customer) kept.

Each row is planned first (engine.customer_import_plan): validated once, against the whole
record it would store, its references and department checked. A row that fails is rejected
before anything of its segment is written, so nothing is stored partially.

Created customers (the bulk of a first import): one multi-row INSERT per batch with their first
score, one for their assessments, one for their alerts, one for their audit rows (the hash chain
through engine.audit_batch); the few whose tier change or alerts fire a workflow then go through
`engine.evaluation.act_on_assessment`, as an upsert would. Updated customers carry history
(events, open cases, temporary terms): each is written and scored by the single path's parts
(`update_versioned`, `assess_customer`), in a savepoint of its own. Unchanged rows write nothing.
`after_customers_written` is the one step run once a batch's customers are stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

import forms
import workflows as workflows_
from engine import (
    alerts,
    audit,
    case_openings,
    casework,
    crypto,
    freshness,
    fx,
    notifications,
    shadow,
    specs,
    unique_values,
)
from engine.audit_batch import AuditInput, record_many
from engine.bulk_insert import insert_rows_returning_ids
from engine.customer_data import (
    stored_data,
)
from engine.customer_flags import write_customer_flags
from engine.customer_import_plan import (
    BATCH,
    BulkRow,
    ImportPlanner,
    NewRow,
    RowUpdate,
    Segment,
    Written,
    has_refusal,
)
from engine.customer_query import tier_rank
from engine.customers import ensure_department, fields_changed
from engine.errors import (
    N_,
    ConflictError,
    EngineError,
)
from engine.evaluation import (
    NewAssessment,
    act_on_assessment,
    assess_customer,
    assessment_audit_detail,
    needs_acting,
    new_assessment,
    stored_result,
)
from engine.explanations import all_field_names
from engine.exposure import exposure_columns
from engine.freshness import with_freshness
from engine.models import Assessment, Customer, Department
from engine.rows import update_versioned
from engine.scoping import Scope
from engine.terms import terms_record


class CustomerWriter(ImportPlanner):
    """Writes the rows of one chunk of a customers import (see the module's docstring),
    planned by its ImportPlanner part."""

    def write(
        self,
        rows: Sequence[BulkRow],
        *,
        stop_on_rejection: bool,
        progress: Callable[[int], None] | None = None,
    ) -> dict[int, Written]:
        """Write `rows` in order, a segment of at most BATCH rows at a time (planned, then
        written); returns each row's outcome (by row number). With `stop_on_rejection`
        (all-or-nothing), a segment with a rejected row is not written and the rows after it
        are only checked (`check`): the caller rolls back.

        Raises ConflictError when a customer is created or changed by another transaction
        meanwhile (nothing of the batch is then kept: the caller's transaction rolls back)."""
        outcomes: dict[int, Written] = {}
        at = 0
        while at < len(rows):
            segment, at_next = self._plan(rows, at, pending_refs=set())
            outcomes.update(segment.outcomes)
            if stop_on_rejection and has_refusal(segment.outcomes):
                outcomes.update(self.check(rows[at_next:]))
                return outcomes
            outcomes.update(self._write_segment(segment, stop_on_rejection=stop_on_rejection))
            if stop_on_rejection and has_refusal(outcomes):
                return outcomes
            at = at_next
            if progress is not None:
                progress(at)
        return outcomes

    # --- writing ---------------------------------------------------------------------------

    def _departments_exist(self, names: Iterable[str | None]) -> None:
        """Every department named exists (created as `ensure_department` creates one)."""
        wanted = {n for n in names if n} - self._departments
        if not wanted:
            return
        stored = set(
            self.session.execute(
                select(col(Department.name)).where(col(Department.name).in_(wanted))
            ).scalars()
        )
        for name in sorted(wanted - stored):
            ensure_department(self.session, name, now=self.now)
        self._departments |= wanted

    def _write_segment(self, segment: Segment, *, stop_on_rejection: bool) -> dict[int, Written]:
        outcomes: dict[int, Written] = {}
        self._departments_exist(
            [n.department for n in segment.new]
            + [u.changes["department"] for u in segment.updates if "department" in u.changes]
        )
        for at in range(0, len(segment.new), BATCH):
            created = self._create(
                segment.new[at : at + BATCH], stop_on_rejection=stop_on_rejection
            )
            outcomes.update(created)
            if stop_on_rejection and any(isinstance(o, EngineError) for o in created.values()):
                return outcomes
        for update in segment.updates:
            written = self._update(update)
            outcomes[update.number] = written
            if stop_on_rejection and isinstance(written, EngineError):
                break
        return outcomes

    def _create(self, rows: Sequence[NewRow], *, stop_on_rejection: bool) -> dict[int, Written]:
        """Create the customers of `rows` (`_create_batch`) in a savepoint; a row whose
        workflows refuse is rejected and the batch written again without it (or, with
        `stop_on_rejection`, nothing more is written)."""
        refused: dict[int, Written] = {}
        left = list(rows)
        batch_cases = True
        while left:
            try:
                with self.session.begin_nested():
                    return {**refused, **self._create_batch(left, batch_cases=batch_cases)}
            except _CasesRefused:
                # the batch again, each case opened on its own: the refusal finds its row
                self.session.expire_all()
                batch_cases = False
                continue
            except _RowRefused as exc:
                refused[exc.number] = exc.error
                # the rows read in the savepoint stay in the session, unexpired (ids are reused)
                self.session.expire_all()
                if stop_on_rejection:
                    break
                left = [row for row in left if row.number != exc.number]
        return refused

    def _create_batch(self, rows: Sequence[NewRow], *, batch_cases: bool) -> dict[int, Written]:
        """Insert `rows` as customers with their first assessment, alerts and audit rows;
        then act on the assessments that fire a workflow: the cases of those whose cases only
        open planned and opened together (engine.case_openings, with `batch_cases`), the others
        through `act_on_assessment`. Raises _RowRefused, _CasesRefused."""
        session, now = self.session, self.now
        ruleset = specs.scoring_ruleset(session)
        rates = fx.rate_lookup(session, base_currency=ruleset.value.base_currency)
        names = all_field_names(session)
        observed = shadow.is_observing(session, ruleset.key, now=now)
        values: list[dict[str, Any]] = []
        scored: list[tuple[NewRow, dict[str, Any], NewAssessment, Any]] = []
        for row in rows:
            stored = stored_data(session, self.form, row.data, ref=row.ref, previous=None)
            stamps = freshness.stamped(None, {}, row.data, source=self.source, now=now)
            # what rules read, as engine.evaluation.customer_record builds it
            record = {**row.data, **terms_record(cast(Customer, _Terms(row.terms)))}
            with_freshness(record, stamps, self.tz)
            result = ruleset.value.evaluate(record, events=[], as_of=self.as_of, fx=rates)
            result_dict = stored_result(result, record, sealed=crypto.sealed_fields(stored))
            assessment = new_assessment(
                None,
                result_dict,
                customer_id=0,  # set once inserted
                previous_tier=None,
                ruleset=ruleset,
                as_of=self.as_of,
                now=now,
                names=names,
            )
            assert assessment is not None  # a first assessment always differs
            scored.append((row, record, assessment, result))
            values.append(
                {
                    "external_ref": row.ref,
                    "name": row.name,
                    "department": row.department,
                    "owner": None,
                    "data": stored,
                    **exposure_columns(stored),
                    "freshness": stamps,
                    "form_key": self.form_spec.key,
                    "form_version": self.form_spec.version,
                    "currency": row.currency,
                    "created_at": now,
                    "updated_at": now,
                    **row.terms,
                    "score": result_dict["score"],
                    "tier": assessment.tier,
                    "tier_rank": tier_rank(ruleset.value.tiers, assessment.tier),
                    "assessed_at": now,
                    # an upsert stores the customer (version 1), then its score (version 2)
                    "row_version": 2,
                }
            )
        try:
            with session.begin_nested():
                ids = insert_rows_returning_ids(session, Customer, values, key=("external_ref",))
        except IntegrityError as exc:
            raise ConflictError(
                N_("a customer of the file was created by another request meanwhile; try again")
            ) from exc
        for (_, _, assessment, _), customer_id in zip(scored, ids, strict=True):
            assessment.customer_id = customer_id
        write_customer_flags(
            session,
            {a.customer_id: a.result["flags"] for _, _, a, _ in scored},
            are_new=True,
        )
        assessment_ids = insert_rows_returning_ids(
            session,
            Assessment,
            [assessment.values() for _, _, assessment, _ in scored],
            key=("customer_id",),  # one first assessment each
        )
        for (_, _, assessment, _), assessment_id in zip(scored, assessment_ids, strict=True):
            assessment.id = assessment_id
        self._raise_alerts([assessment for _, _, assessment, _ in scored])
        entries: list[AuditInput] = []
        for row, _, assessment, _ in scored:
            entries.append(
                AuditInput(
                    actor=self.actor,
                    action="customer.created",
                    entity_kind="customer",
                    entity_id=row.ref,
                    detail={
                        "name": row.name,
                        "department": row.department,
                        "fields": sorted(row.data),
                    },
                    department=row.department,
                    customer_ref=row.ref,
                )
            )
            entries.append(
                AuditInput(
                    actor=self.actor,
                    action="assessment.tier_changed",
                    entity_kind="customer",
                    entity_id=row.ref,
                    detail=assessment_audit_detail(
                        assessment, score=assessment.result["score"], previous_tier=None
                    ),
                    department=row.department,
                    customer_ref=row.ref,
                )
            )
        record_many(session, entries, now=now)
        after_customers_written(
            session,
            self.form,
            [
                (customer_id, row.data)
                for (row, _, _, _), customer_id in zip(scored, ids, strict=True)
            ],
            scope=self.scope,
        )
        published = specs.published_workflows(session)
        acting = [
            needs_acting(record, assessment, workflows=published)
            for _, record, assessment, _ in scored
        ]
        customers = self._customers(
            [a.customer_id for (_, _, a, _), acts in zip(scored, acting, strict=True) if acts]
        )
        outcomes: dict[int, Written] = {}
        # the cases of the rows before, planned, opened together (engine.case_openings)
        pending: list[tuple[int, list[casework.CaseOpening]]] = []
        for (row, record, assessment, result), acts in zip(scored, acting, strict=True):
            if observed:
                customer = self._customer(assessment.customer_id)
                shadow.observe(
                    session, customer, ruleset, result, record=record, as_of=self.as_of,
                    tz=self.tz, now=now,
                )  # fmt: skip
            if not acts:
                outcomes[row.number] = ("created", 0)
                continue
            customer = customers[assessment.customer_id]
            openings = None
            try:
                if batch_cases:
                    openings = case_openings.plan_first_cases(
                        session,
                        customer,
                        assessment,
                        record,
                        published=published,
                        now=now,
                        tz=self.tz,
                    )
            except EngineError as exc:
                raise _RowRefused(row.number, exc) from exc
            if openings is not None:
                pending.append((row.number, openings))
                continue
            # the single path, once the cases planned before it are written (in row order)
            outcomes.update(self._open_cases(pending))
            pending = []
            stored_assessment = session.get(Assessment, assessment.id)
            assert stored_assessment is not None
            try:
                opened = act_on_assessment(
                    session,
                    customer,
                    stored_assessment,
                    raised=assessment.result["alerts"],
                    occurrences=(),
                    actor=self.actor,
                    now=now,
                    tz=self.tz,
                    is_new=True,
                ).cases_opened
            except EngineError as exc:
                raise _RowRefused(row.number, exc) from exc
            outcomes[row.number] = ("created", len(opened))
        outcomes.update(self._open_cases(pending))
        return outcomes

    def _customers(self, ids: Sequence[int]) -> dict[int, Customer]:
        """The customers `ids` (created in this transaction), read in one query."""
        if not ids:
            return {}
        found = self.session.execute(select(Customer).where(col(Customer.id).in_(ids))).scalars()
        return {customer.id: customer for customer in found if customer.id is not None}

    def _open_cases(
        self, planned: Sequence[tuple[int, list[casework.CaseOpening]]]
    ) -> dict[int, Written]:
        """Open the cases planned for each row (row number, openings) at once; their
        outcomes. Raises _CasesRefused when the effects of one of them are refused."""
        openings = [opening for _, row_openings in planned for opening in row_openings]
        if not openings:
            return {number: ("created", 0) for number, _ in planned}
        try:
            case_openings.open_cases(self.session, openings, actor=self.actor, now=self.now)
        except EngineError as exc:
            raise _CasesRefused from exc
        return {number: ("created", len(row_openings)) for number, row_openings in planned}

    def _customer(self, customer_id: int) -> Customer:
        customer = self.session.get(Customer, customer_id)
        assert customer is not None
        return customer

    def _raise_alerts(self, assessments: Sequence[NewAssessment]) -> None:
        """Every alert of the new customers' first assessments, a statement for all
        (engine.alerts; they have none to read); a critical one notified as engine.evaluation
        notifies it."""
        opened = alerts.track(
            self.session,
            [alerts.Tracked(a.customer_id, a.id or 0, a.result["alerts"]) for a in assessments],
            now=self.now,
            new=frozenset(a.customer_id for a in assessments),
        )
        for customer_id, rows in opened.items():
            for row in rows:
                if row.severity == alerts.CRITICAL:
                    customer = self._customer(customer_id)
                    notifications.notify_critical_alert(self.session, customer, row, now=self.now)

    def _update(self, update: RowUpdate) -> Written:
        """Write and score one changed customer as an upsert does, in a savepoint: a refusal
        on the way (a concurrent change, a workflow's) rejects this row only."""
        customer = update.customer
        occurrences: list[workflows_.Occurrence] = []
        if update.changed_fields:
            occurrences.append(fields_changed(update.changed_fields, update.before))
        try:
            with self.session.begin_nested():
                written = update.changes
                if "data" in written:
                    written = {**written, **exposure_columns(written["data"])}
                update_versioned(self.session, customer, updated_at=self.now, **written)
                after_customers_written(
                    self.session, self.form, [(customer.id or 0, update.data)], scope=self.scope
                )
                audit.record(
                    self.session,
                    actor=self.actor,
                    action="customer.updated",
                    entity_kind="customer",
                    entity_id=customer.external_ref,
                    # freshness is the fields' metadata: `fields` names them already
                    detail={
                        "changed": sorted(k for k in update.changes if k != "freshness"),
                        "fields": update.changed_fields,
                    },
                    department=customer.department,
                    customer_ref=customer.external_ref,
                    now=self.now,
                )
                assessed = assess_customer(
                    self.session,
                    customer,
                    actor=self.actor,
                    now=self.now,
                    tz=self.tz,
                    occurrences=occurrences,
                )
        except EngineError as exc:
            return exc
        return ("updated", len(assessed.cases_opened))


def after_customers_written(
    session: Session,
    form: forms.Form,
    items: Sequence[tuple[int, Mapping[str, Any]]],
    *,
    scope: Scope,
) -> None:
    """What is kept in step with the customers once a batch of them is stored (customer id,
    clear data), before they are scored: the values of `unique` fields (engine.unique_values,
    one read and one insert for the batch)."""
    unique_values.sync_many(session, form, items, scope=scope)


class _RowRefused(Exception):
    """Acting on the assessment of the customer of row `number` was refused (`error`)."""

    def __init__(self, number: int, error: EngineError) -> None:
        super().__init__(number)
        self.number = number
        self.error = error


class _CasesRefused(Exception):
    """An effect of the cases opened together was refused (which row's is not known)."""


class _Terms:
    """Credit terms read as a Customer's attributes (engine.terms.terms_record reads those)."""

    def __init__(self, terms: Mapping[str, Any]) -> None:
        self.__dict__.update(terms)
