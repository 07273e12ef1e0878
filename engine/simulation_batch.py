"""One batch of a simulation: the customers of an id range scored by a draft ruleset and by the
published one on the same `as_of`, with the events that occurred by then, and what that batch
contributes to the result (engine.simulation). Reads in one query per table; writes nothing.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import Connection, null
from sqlmodel import Session, col, select

import dsl
import forms
import workflows
from engine import crypto, fx, policy_checks, specs
from engine.db import session_keys
from engine.errors import N_, InvalidRequestError, NotConfiguredError
from engine.freshness import with_freshness
from engine.models import Case, CaseStatus, Customer, Event, SpecKind
from engine.views import number

TIER_CHANGED: Final = "tier_changed"  # engine.evaluation's trigger
# The customer form's money field whose value, in the base currency, is a customer's exposure.
EXPOSURE_FIELD: Final = "outstanding_balance"
_TERMS_COLUMNS: Final = tuple(getattr(Customer, name) for name in forms.TERMS_FIELDS)
# Compiled drafts by (key, checksum, published version): chunks of one simulation compile once.
_COMPILED: dict[tuple[str, str, int | None], Any] = {}
_COMPILED_MAX: Final = 8


@dataclass(frozen=True, slots=True)
class Direction:
    """A field of the customer form with a declared `risk_direction`."""

    field: str
    direction: str
    is_integer: bool


@dataclass(frozen=True, slots=True)
class SimulationSpecs:
    """What every batch of one simulation evaluates: the draft, the published version it is
    compared with (None for a ruleset not yet published), the published `tier_changed`
    workflows and the declared risk directions, on `as_of`."""

    key: str
    draft: Any  # dsl.CompiledRuleset
    published: Any | None
    workflows: tuple[specs.LoadedSpec[workflows.Workflow], ...]
    directions: tuple[Direction, ...]
    as_of: date
    # what the rulesets and the workflows' guards read of a record: a sensitive value no one
    # reads is not opened (decrypting costs more than scoring)
    names_read: frozenset[str]
    # the kinds of event either ruleset reads: the others are not read from the database
    event_kinds: frozenset[str]


@dataclass(frozen=True, slots=True)
class Mover:
    """A customer whose tier the draft changes, with the rules that moved them."""

    customer_id: int
    from_tier: str | None
    to_tier: str
    from_score: int | float | None
    to_score: int | float
    exposure: Decimal
    rules: dict[str, Any]


@dataclass(slots=True)
class BatchOutcome:
    """What one batch contributes; `share()` is its JSON form (a job chunk's result)."""

    customers: int = 0
    cells: dict[tuple[str | None, str], list[Any]] = field(default_factory=dict)
    fired_published: Counter[str] = field(default_factory=Counter)
    fired_draft: Counter[str] = field(default_factory=Counter)
    cases: Counter[str] = field(default_factory=Counter)
    movers: list[Mover] = field(default_factory=list)
    exposure_missing: int = 0
    missing_rates: set[str] = field(default_factory=set)
    probes: list[dict[str, Any]] = field(default_factory=list)

    def share(self) -> dict[str, Any]:
        return {
            "customers": self.customers,
            "cells": [
                [from_tier, to_tier, count, str(exposure)]
                for (from_tier, to_tier), (count, exposure) in self.cells.items()
            ],
            "fired": {"published": dict(self.fired_published), "draft": dict(self.fired_draft)},
            "cases": dict(self.cases),
            "movers": len(self.movers),
            "exposure_missing": self.exposure_missing,
            "missing_rates": sorted(self.missing_rates),
            "probes": self.probes,
        }


def compile_source(session: Session, key: str, source: str, published_version: int | None) -> Any:
    """`source` compiled as the next version of ruleset `key` (engine.specs), once per process
    for a (key, checksum, published version). Raises InvalidRequestError when it has errors."""
    cache_key = (key, specs.checksum_of(source), published_version)
    compiled = _COMPILED.get(cache_key)
    if compiled is not None:
        return compiled
    published = (
        specs.find_row(session, SpecKind.RULESET, key, published_version)
        if published_version is not None
        else None
    )
    try:
        compiled = specs.compile_draft_ruleset(session, key, source, published=published)
    except dsl.RulesError as exc:
        raise InvalidRequestError(
            N_("the draft of ruleset '%(key)s' has %(count)d error(s): correct them first"),
            key=key,
            count=sum(1 for d in exc.diagnostics if d.is_error),
        ) from exc
    if len(_COMPILED) >= _COMPILED_MAX:
        _COMPILED.pop(next(iter(_COMPILED)))
    _COMPILED[cache_key] = compiled
    return compiled


def load_specs(session: Session, params: Mapping[str, Any]) -> SimulationSpecs:
    """The specs a simulation's `params` (engine.simulation.start_simulation) name."""
    key = params["key"]
    version = params["published_version"]
    draft = compile_source(session, key, params["source"], version)
    published = specs.load_ruleset(session, key, version).value if version is not None else None
    try:
        form = specs.customer_form(session).value
    except NotConfiguredError:  # no customer form: nothing declares a direction
        form = None
    directions = tuple(
        Direction(f.id, f.risk_direction, f.type is forms.FieldType.INTEGER)
        for f in (form.fields if form is not None else ())
        # a sensitive value never appears in a counterexample
        if f.risk_direction is not None and not f.sensitive
    )
    triggered = tuple(
        w for w in specs.published_workflows(session) if str(w.value.trigger.on) == TIER_CHANGED
    )
    names = set(draft.names_read) | {d.field for d in directions}
    if published is not None:
        names |= published.names_read
    for workflow in triggered:
        guard = workflow.value.trigger.when
        names |= guard.expression.names if guard is not None else set()
    return SimulationSpecs(
        key=key,
        draft=draft,
        published=published,
        workflows=triggered,
        directions=directions,
        as_of=date.fromisoformat(params["as_of"]),
        names_read=frozenset(names),
        event_kinds=draft.event_kinds_read
        | (published.event_kinds_read if published is not None else frozenset()),
    )


def _terms(row: Any) -> dict[str, Any]:
    """The credit terms of a customer row as rules read them (engine.terms.terms_record)."""
    values = dict(zip(forms.TERMS_FIELDS, row, strict=True))
    for name in ("credit_limit", "prepayment_pct"):
        values[name] = number(values[name])
    review = values.get("next_review_at")
    values["next_review_at"] = review.isoformat() if review is not None else None
    return values


def _events(
    connection: Connection,
    first_id: int,
    last_id: int,
    *,
    kinds: frozenset[str],
    as_of: date,
    tz: tzinfo,
) -> dict[int, list[dict[str, Any]]]:
    """Each customer's events of `kinds` that occurred by the end of `as_of` in `tz`, oldest
    first."""
    if not kinds:
        return {}
    cutoff = datetime.combine(as_of + timedelta(days=1), time(), tzinfo=tz)
    rows = connection.execute(
        select(col(Event.customer_id), col(Event.kind), col(Event.occurred_at), col(Event.payload))
        .where(
            col(Event.customer_id) >= first_id,
            col(Event.customer_id) <= last_id,
            col(Event.occurred_at) < cutoff,  # no look-ahead (dsl.events ignores them too)
            col(Event.kind).in_(sorted(kinds)),
        )
        .order_by(col(Event.customer_id), col(Event.occurred_at), col(Event.id))
    )
    found: dict[int, list[dict[str, Any]]] = {}
    for customer_id, kind, occurred_at, payload in rows.all():
        # dsl.md §3: an event's date is its date in the workspace's time zone
        found.setdefault(customer_id, []).append(
            {"kind": kind, "occurred_at": occurred_at.astimezone(tz).date(), "payload": payload}
        )
    return found


def _open_cases(connection: Connection, first_id: int, last_id: int) -> set[tuple[int, str]]:
    rows = connection.execute(
        select(col(Case.customer_id), col(Case.workflow_key)).where(
            col(Case.customer_id) >= first_id,
            col(Case.customer_id) <= last_id,
            Case.status == CaseStatus.OPEN,
        )
    )
    return {(customer_id, key) for customer_id, key in rows if customer_id is not None}


def _opened(
    keys: Any, data: Mapping[str, Any], *, ref: str, sealed: frozenset[str], read: frozenset[str]
) -> dict[str, Any]:
    """`data` with the sealed values that are read opened, and the others left out (missing)."""
    opened = dict(data)
    for field_id in sealed:
        if field_id in read:
            opened[field_id] = crypto.open_sealed(keys, data[field_id], ref=ref, field_id=field_id)
        else:
            opened[field_id] = None
    return opened


def exposure_of(value: Any, lookup: fx.RateLookup, as_of: date) -> Decimal | None:
    """A money value in the base currency (rules-language §5: a number already is; an amount
    with a currency at the rate in force on `as_of`); None when missing or without a rate."""
    if value.__class__ in (int, float):
        return Decimal(str(value))
    if isinstance(value, Mapping):
        amount, currency = value.get("amount"), value.get("currency")
        if amount.__class__ not in (int, float) or not isinstance(currency, str):
            return None
        rate = lookup(currency, as_of)
        return None if rate is None else Decimal(str(amount)) * rate
    return None


def _rule_changes(before: Any | None, after: Any) -> dict[str, Any]:
    """The rules that started or stopped firing, or fire with other points, from `before` to
    `after` (engine.drafts' comparison: ids with labels and points)."""
    was = {f.id: f for f in before.fired} if before is not None else {}
    now = {f.id: f for f in after.fired}

    def item(f: Any) -> dict[str, Any]:
        return {"id": f.id, "label": f.label, "points": number(f.points) or 0}

    return {
        "started": [item(f) for i, f in now.items() if i not in was],
        "stopped": [item(f) for i, f in was.items() if i not in now],
        "changed": [
            {
                "id": i,
                "label": f.label,
                "from_points": number(was[i].points) or 0,
                "to_points": number(f.points) or 0,
            }
            for i, f in now.items()
            if i in was and was[i].points != f.points
        ],
    }


def simulate_batch(
    session: Session, sim: SimulationSpecs, *, first_id: int, last_id: int, tz: tzinfo
) -> BatchOutcome:
    """Score the customers with `first_id <= id <= last_id` by the draft and the published
    ruleset on `sim.as_of` and tally what moves. Writes nothing."""
    # Core rows through the session's connection: the ORM's row loading costs more than scoring
    connection = session.connection()
    # freshness only when either ruleset reads it (decoding it costs as much as scoring)
    reads_freshness = bool(sim.draft.freshness_read) or bool(
        sim.published is not None and sim.published.freshness_read
    )
    customers = connection.execute(
        select(
            col(Customer.id),
            col(Customer.external_ref),
            col(Customer.data),
            col(Customer.freshness) if reads_freshness else null(),
            *_TERMS_COLUMNS,
        )
        .where(col(Customer.id) >= first_id, col(Customer.id) <= last_id)
        .order_by(col(Customer.id))
    ).all()
    events = _events(connection, first_id, last_id, kinds=sim.event_kinds, as_of=sim.as_of, tz=tz)
    open_cases = _open_cases(connection, first_id, last_id) if sim.workflows else set()
    draft, published, as_of = sim.draft, sim.published, sim.as_of
    lookup = fx.rate_lookup(session, base_currency=draft.base_currency)
    keys = session_keys(session) if customers else None
    outcome = BatchOutcome(customers=len(customers))
    records: list[tuple[int, str, dict[str, Any], Any, dsl.GroupedEvents]] = []
    no_events: list[dict[str, Any]] = []
    for row in customers:
        customer_id, ref, data = row[0], row[1], row[2]
        sealed = crypto.sealed_fields(data)
        if sealed:
            assert keys is not None
            data = _opened(keys, data, ref=ref, sealed=sealed, read=sim.names_read)
        record = {**data, **_terms(row[4:])}
        if reads_freshness:
            with_freshness(record, row[3], tz)
        seen = dsl.grouped_events(events.get(customer_id, no_events), as_of)
        after = draft.evaluate(record, events=seen, as_of=as_of, fx=lookup)
        before = (
            published.evaluate(record, events=seen, as_of=as_of, fx=lookup)
            if published is not None
            else None
        )
        outcome.fired_draft.update(after.fired_ids)
        from_tier = before.tier if before is not None else None
        if before is not None:
            outcome.fired_published.update(before.fired_ids)
            outcome.missing_rates.update(before.missing_rates)
        outcome.missing_rates.update(after.missing_rates)
        exposure = exposure_of(record.get(EXPOSURE_FIELD), lookup, as_of)
        if exposure is None:
            outcome.exposure_missing += 1
            exposure = Decimal(0)
        cell = outcome.cells.setdefault((from_tier, after.tier), [0, Decimal(0)])
        cell[0] += 1
        cell[1] += exposure
        records.append((customer_id, ref, record, after, seen))
        if from_tier == after.tier:
            continue
        outcome.movers.append(
            Mover(
                customer_id=customer_id,
                from_tier=from_tier,
                to_tier=after.tier,
                from_score=number(before.score) if before is not None else None,
                to_score=number(after.score) or 0,
                exposure=exposure,
                rules=_rule_changes(before, after),
            )
        )
        assessment = {"tier": after.tier, "previous_tier": from_tier, "score": after.score}
        guarded = {**record, "assessment": assessment}
        for workflow in sim.workflows:
            if (customer_id, workflow.key) not in open_cases and workflow.value.matches(guarded):
                outcome.cases[workflow.key] += 1
    outcome.probes = _probes(sim, records, lookup, seed_of=first_id)
    return outcome


def _probes(
    sim: SimulationSpecs,
    records: list[tuple[int, str, dict[str, Any], Any, dsl.GroupedEvents]],
    lookup: fx.RateLookup,
    *,
    seed_of: int,
) -> list[dict[str, Any]]:
    """Monotonicity probes (engine.policy_checks) on a seeded sample of the batch."""
    if not sim.directions or not records:
        return []
    rng = random.Random(f"{policy_checks.SEED}:{seed_of}")
    count = min(policy_checks.SAMPLE_PER_CHUNK, len(records))
    sample = [records[i] for i in sorted(rng.sample(range(len(records)), count))]
    draft, as_of = sim.draft, sim.as_of
    events = {customer_id: seen for customer_id, *_, seen in sample}

    def evaluate(customer_id: int, record: dict[str, Any]) -> tuple[Any, str]:
        result = draft.evaluate(record, events=events[customer_id], as_of=as_of, fx=lookup)
        return result.score, result.tier

    probes = []
    for direction in sim.directions:
        observed = sorted(
            {
                value
                for _, _, record, _, _ in records
                if policy_checks.is_numeric(value := record.get(direction.field))
            }
        )
        probe = policy_checks.probe_field(
            direction.field,
            direction.direction,
            samples=((i, ref, rec, after.score, after.tier) for i, ref, rec, after, _ in sample),
            observed=observed,
            evaluate=evaluate,
            tiers=draft.tiers,
            integer=direction.is_integer,
        )
        probes.append(policy_checks.probe_dict(probe))
    return probes
