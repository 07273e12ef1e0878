"""What the dashboard shows (engine.dashboard): frozen views of plain values, as engine.views."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from engine.alerts import AlertListItem


@dataclass(frozen=True, slots=True)
class TierFigure:
    """The customers of one tier (`tier` None: not assessed yet): how many, what they owe in
    the base currency (`exposure`, the amounts converted at the rate of the day), how many have
    their orders on hold by their terms."""

    tier: str | None
    customers: int
    exposure: int | float
    order_hold: int


@dataclass(frozen=True, slots=True)
class Unconverted:
    """Outstanding balances in `currency` that no exchange rate converts on the dashboard's
    date: left out of the exposure, shown apart."""

    currency: str
    amount: int | float
    customers: int


@dataclass(frozen=True, slots=True)
class TierMove:
    """Assessments in one month whose tier moved from `from_tier` to `to_tier`."""

    from_tier: str
    to_tier: str
    assessments: int


@dataclass(frozen=True, slots=True)
class MigrationMonth:
    """The tier changes of one calendar month (`month` as "2026-11"), by move."""

    month: str
    moves: tuple[TierMove, ...]

    @property
    def total(self) -> int:
        return sum(m.assessments for m in self.moves)

    def count(self, from_tier: str, to_tier: str) -> int:
        """The assessments moving from `from_tier` to `to_tier` this month."""
        return sum(
            m.assessments for m in self.moves if (m.from_tier, m.to_tier) == (from_tier, to_tier)
        )


@dataclass(frozen=True, slots=True)
class StepFigure:
    """The open cases at one step of one workflow (all its versions), and how many of them are
    past their step's deadline."""

    workflow_key: str
    workflow_title: str
    step: str
    step_title: str
    open: int
    past_due: int


@dataclass(frozen=True, slots=True)
class HoldsWaiting:
    """Orders held by a credit check, waiting for a release or a rejection: how many, their
    total in the base currency, when the oldest was held."""

    orders: int
    amount: int | float
    oldest_at: datetime | None


@dataclass(frozen=True, slots=True)
class RiskyCustomer:
    ref: str
    name: str
    department: str | None
    score: int | float
    tier: str | None


@dataclass(frozen=True, slots=True)
class LastRescore:
    """The newest rescore of the portfolio; its counts (over every department) only for a
    caller who sees every department."""

    id: int
    status: str
    as_of: date
    reason: str
    created_at: datetime
    finished_at: datetime | None
    done: int | None
    total: int | None
    changed: int | None


@dataclass(frozen=True, slots=True)
class Dashboard:
    """The dashboard's figures at `now`, of the customers within the caller's scope."""

    now: datetime
    base_currency: str
    # None: the customer form has no money field of that name, so no exposure is shown
    exposure_field: str | None
    tiers: tuple[TierFigure, ...]
    unconverted: tuple[Unconverted, ...]
    migration: tuple[MigrationMonth, ...]  # the last 12 months, oldest first
    moves: tuple[tuple[str, str], ...]  # every (from, to) seen in `migration`, in tier order
    steps: tuple[StepFigure, ...]
    holds: HoldsWaiting
    critical_alerts: tuple[AlertListItem, ...]
    critical_active: int
    riskiest: tuple[RiskyCustomer, ...]
    last_rescore: LastRescore | None

    @property
    def customers(self) -> int:
        return sum(t.customers for t in self.tiers)

    @property
    def exposure(self) -> int | float:
        return sum(t.exposure for t in self.tiers)

    @property
    def cases_open(self) -> int:
        return sum(s.open for s in self.steps)

    @property
    def cases_past_due(self) -> int:
        return sum(s.past_due for s in self.steps)
