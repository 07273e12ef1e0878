"""Checks on a draft ruleset before it is published: rules that never fire on the portfolio, and
monotonicity where the customer form declares `risk_direction` on a numeric field (`up`: more of
it must never lower the score or the tier; `down`: more of it must never raise them).

The checks themselves are pure (`never_fired`, `raised_values`, `probe_field`, `merge_probes`);
the simulation (engine.simulation) feeds them the portfolio, chunk by chunk, and
`draft_checks` runs them alone for whoever publishes.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, TypeGuard

from sqlmodel import Session

from engine.views import number

# How many raised values each sampled customer is tried with, per declared field.
RAISES_PER_CUSTOMER: Final = 3
# Customers of each chunk whose declared fields are raised (the first ones, by a seeded draw).
SAMPLE_PER_CHUNK: Final = 10
SEED: Final = 7
DIRECTIONS: Final = ("up", "down")

Number = int | float
Evaluate = Callable[[int, dict[str, Any]], tuple[Number, str]]


@dataclass(frozen=True, slots=True)
class RuleNeverFired:
    id: str
    label: str | None


@dataclass(frozen=True, slots=True)
class Counterexample:
    """A customer whose score or tier goes the wrong way when one field is raised."""

    customer_ref: str
    from_value: Number
    to_value: Number
    from_score: Number
    to_score: Number
    from_tier: str
    to_tier: str


@dataclass(frozen=True, slots=True)
class FieldProbe:
    """What raising one declared field found: pairs tried, pairs that went the wrong way, and
    the first of those (by customer id) as the counterexample."""

    field: str
    direction: str
    pairs: int
    violations: int
    counterexample: Counterexample | None
    counterexample_id: int | None = None  # the customer's row id, to keep the first one


def never_fired(
    rules: Sequence[tuple[str, str | None]], counts: Mapping[str, int]
) -> tuple[RuleNeverFired, ...]:
    """The rules (id, label) that fired on no customer, in source order."""
    return tuple(RuleNeverFired(id=i, label=label) for i, label in rules if not counts.get(i))


def is_numeric(value: Any) -> TypeGuard[Number]:
    """A finite JSON number (not a boolean): what a raised field starts from."""
    return value.__class__ in (int, float) and math.isfinite(value)


def raised_values(
    value: Number, observed: Sequence[Number], *, rng: random.Random, integer: bool
) -> tuple[Number, ...]:
    """A few values above `value` to try: values other customers hold (`observed`, sorted), so
    the thresholds the portfolio crosses are crossed, the next step up and an order of magnitude
    up. Deterministic for a seeded `rng`; distinct and ascending."""
    above = observed[bisect_right(observed, value) :]
    picked = set(rng.sample(above, min(RAISES_PER_CUSTOMER - 1, len(above))))
    picked.add(value + 1 if integer else value + max(abs(value) * 0.1, 1))
    # and an order of magnitude up, for a portfolio too small or uniform to span the thresholds
    far = value + max(abs(value), 1) * 10
    picked.add(int(far) if integer else far)
    return tuple(sorted(picked))


def _wrong_way(direction: str, low: tuple[Number, int], high: tuple[Number, int]) -> bool:
    """Whether (score, severity) going from `low` to `high` breaks `direction` (severity: higher
    is more severe)."""
    if direction == "up":
        return high[0] < low[0] or high[1] < low[1]
    return high[0] > low[0] or high[1] > low[1]


def probe_field(
    field: str,
    direction: str,
    *,
    samples: Iterable[tuple[int, str, dict[str, Any], Number, str]],
    observed: Sequence[Number],
    evaluate: Evaluate,
    tiers: Sequence[str],
    integer: bool,
    seed: int = SEED,
) -> FieldProbe:
    """Raise `field` on each sample (customer id, ref, record, its score and tier under the
    draft) to a few `raised_values` and compare the draft's score and tier
    (`evaluate(customer_id, record)`);
    the wrong way for `direction` is a violation."""
    severity = {tier: len(tiers) - i for i, tier in enumerate(tiers)}  # first row: most severe
    pairs = violations = 0
    first: Counterexample | None = None
    first_id: int | None = None
    for customer_id, ref, record, score, tier in samples:
        value = record.get(field)
        if not is_numeric(value):
            continue
        rng = random.Random(f"{seed}:{customer_id}:{field}")
        for raised in raised_values(value, observed, rng=rng, integer=integer):
            to_score, to_tier = evaluate(customer_id, {**record, field: raised})
            pairs += 1
            low = (score, severity.get(tier, 0))
            if not _wrong_way(direction, low, (to_score, severity.get(to_tier, 0))):
                continue
            violations += 1
            if first is None:
                first_id = customer_id
                first = Counterexample(
                    customer_ref=ref,
                    from_value=value,
                    to_value=raised,
                    from_score=number(score) or 0,
                    to_score=number(to_score) or 0,
                    from_tier=tier,
                    to_tier=to_tier,
                )
    return FieldProbe(
        field=field,
        direction=direction,
        pairs=pairs,
        violations=violations,
        counterexample=first,
        counterexample_id=first_id,
    )


def probe_dict(probe: FieldProbe) -> dict[str, Any]:
    """JSON-native, as chunk shares and the simulation result hold it."""
    example = probe.counterexample
    return {
        "field": probe.field,
        "direction": probe.direction,
        "pairs": probe.pairs,
        "violations": probe.violations,
        "counterexample_id": probe.counterexample_id,
        "counterexample": None
        if example is None
        else {
            "customer_ref": example.customer_ref,
            "from_value": example.from_value,
            "to_value": example.to_value,
            "from_score": example.from_score,
            "to_score": example.to_score,
            "from_tier": example.from_tier,
            "to_tier": example.to_tier,
        },
    }


def merge_probes(shares: Iterable[Iterable[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """The probes of every chunk (`probe_dict` shapes) merged per field: pairs and violations
    summed, the counterexample of the lowest customer id kept; fields in first-seen order."""
    merged: dict[str, dict[str, Any]] = {}
    for share in shares:
        for probe in share:
            into = merged.get(probe["field"])
            if into is None:
                merged[probe["field"]] = dict(probe)
                continue
            into["pairs"] += probe["pairs"]
            into["violations"] += probe["violations"]
            candidate = probe["counterexample_id"]
            if candidate is not None and (
                into["counterexample_id"] is None or candidate < into["counterexample_id"]
            ):
                into["counterexample_id"] = candidate
                into["counterexample"] = probe["counterexample"]
    return list(merged.values())


def checks_result(
    rules: Sequence[tuple[str, str | None]],
    counts: Mapping[str, int],
    probes: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """The `checks` of a simulation result: `never_fired` (rules firing on no customer),
    `monotonicity` (one entry per declared field that went the wrong way, with its
    counterexample) and `monotonicity_tested` (every declared field and the pairs tried)."""
    return {
        "never_fired": [{"id": r.id, "label": r.label} for r in never_fired(rules, counts)],
        "monotonicity": [
            {
                "field": p["field"],
                "direction": p["direction"],
                "violations": p["violations"],
                **p["counterexample"],
            }
            for p in probes
            if p["violations"] and p["counterexample"] is not None
        ],
        "monotonicity_tested": [
            {"field": p["field"], "direction": p["direction"], "pairs": p["pairs"]} for p in probes
        ],
    }


def draft_checks(session: Session, key: str, *, now: datetime) -> dict[str, Any]:
    """The pre-publish checks of the saved draft of ruleset `key` on the whole portfolio today
    (`checks_result`'s shape), computed in this transaction without writing anything. Raises
    NotFoundError (no draft) and InvalidRequestError (a draft with errors)."""
    from engine.simulation import portfolio_checks  # the simulation imports this module

    return portfolio_checks(session, key, now=now)


__all__ = [
    "Counterexample",
    "FieldProbe",
    "RuleNeverFired",
    "checks_result",
    "draft_checks",
    "merge_probes",
    "never_fired",
    "probe_dict",
    "probe_field",
    "raised_values",
]
