"""The state of one running case, and its JSON form as the engine stores it. Pure, no clock.

The stored form carries a `schema_version`; reading an older one goes through the named upgrade
functions in `_UPGRADES`, each saying what changed (STYLE.md §2).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from workflows.errors import CaseStateError

CASE_STATE_SCHEMA_VERSION = 2


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Vote:
    """One approval counted towards a step's quorum (docs/workflows.md, "Approvals")."""

    actor: str
    at: datetime
    comment: str | None = None
    on_behalf_of: str | None = None  # the delegator the actor approved for

    @property
    def voter(self) -> str:
        """Whose approval this is: the delegator when a delegate cast it."""
        return self.on_behalf_of or self.actor


@dataclass(frozen=True, slots=True)
class CaseState:
    """Where a case stands: its step, to whom it is assigned, since when and until when.

    A closed case has `step == "closed"`, no assigned role, no due date and an `outcome`.
    `escalation_level` is 0 until the step's first escalation, then the level last applied.

    The step is assigned to holders of `assigned_role` (for the customer's department, or for
    `assigned_department` when set) or, when `assigned_user` is set, to that user alone.
    `entered_by` took the action that moved the case into this step (the proposer, for four
    eyes); `last_actor` is the last person who acted on the case; `votes` are the approvals cast
    at this visit of the step; `data` is the data of the forms filled by actions so far (later
    ones win, field by field), read by expressions as `case.data`.
    """

    step: str
    status: CaseStatus
    outcome: str | None
    assigned_role: str | None
    entered_at: datetime
    due_at: datetime | None
    escalation_level: int = 0
    assigned_user: str | None = None
    assigned_department: str | None = None
    entered_by: str | None = None
    last_actor: str | None = None
    votes: tuple[Vote, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        return self.status is CaseStatus.OPEN

    def evolve(self, **changes: Any) -> CaseState:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-native: strings, numbers, None; datetimes as ISO 8601 with their offset."""
        return {
            "schema_version": CASE_STATE_SCHEMA_VERSION,
            "step": self.step,
            "status": str(self.status),
            "outcome": self.outcome,
            "assigned_role": self.assigned_role,
            "entered_at": self.entered_at.isoformat(),
            "due_at": self.due_at.isoformat() if self.due_at is not None else None,
            "escalation_level": self.escalation_level,
            "assigned_user": self.assigned_user,
            "assigned_department": self.assigned_department,
            "entered_by": self.entered_by,
            "last_actor": self.last_actor,
            "votes": [_vote_dict(v) for v in self.votes],
            "data": dict(self.data),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CaseState:
        """Read back what `to_dict` wrote (or an older version of it).

        A dict without `schema_version` is read as version 1. Raises CaseStateError.
        """
        version = data.get("schema_version", 1)
        if not isinstance(version, int) or not 1 <= version <= CASE_STATE_SCHEMA_VERSION:
            raise CaseStateError(
                f"case state has schema_version {version!r}; this version reads 1 to "
                f"{CASE_STATE_SCHEMA_VERSION}"
            )
        current = dict(data)
        while version < CASE_STATE_SCHEMA_VERSION:
            current = _UPGRADES[version](current)
            version += 1
        try:
            status = CaseStatus(current["status"])
            level = current.get("escalation_level", 0)
            if not isinstance(level, int) or isinstance(level, bool) or level < 0:
                raise CaseStateError(f"case state has a bad escalation_level {level!r}")
            return cls(
                step=_text(current, "step"),
                status=status,
                outcome=_optional_text(current, "outcome"),
                assigned_role=_optional_text(current, "assigned_role"),
                entered_at=_datetime(current["entered_at"]),
                due_at=_datetime(current["due_at"]) if current.get("due_at") is not None else None,
                escalation_level=level,
                assigned_user=_optional_text(current, "assigned_user"),
                assigned_department=_optional_text(current, "assigned_department"),
                entered_by=_optional_text(current, "entered_by"),
                last_actor=_optional_text(current, "last_actor"),
                votes=tuple(_vote(v) for v in _list(current, "votes")),
                data=_mapping(current, "data"),
            )
        except KeyError as exc:
            raise CaseStateError(f"case state lacks {exc.args[0]!r}") from exc
        except ValueError as exc:
            if isinstance(exc, CaseStateError):
                raise
            raise CaseStateError(f"case state has a bad value: {exc}") from exc


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise CaseStateError(f"case state's {key!r} must be text, not {value!r}")
    return value


def _optional_text(data: Mapping[str, Any], key: str) -> str | None:
    return _text(data, key) if data.get(key) is not None else None


def _datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise CaseStateError(f"case state holds {value!r} where a date-time was expected")
    return datetime.fromisoformat(value)


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data[key]
    if not isinstance(value, list):
        raise CaseStateError(f"case state's {key!r} must be a list, not {value!r}")
    return value


def _mapping(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = data[key]
    if not isinstance(value, Mapping):
        raise CaseStateError(f"case state's {key!r} must be a mapping, not {value!r}")
    return dict(value)


def _vote_dict(vote: Vote) -> dict[str, Any]:
    stored = {"actor": vote.actor, "at": vote.at.isoformat(), "comment": vote.comment}
    # written only when set, so version-2 states stored before delegation read back unchanged
    return stored if vote.on_behalf_of is None else {**stored, "on_behalf_of": vote.on_behalf_of}


def _vote(value: Any) -> Vote:
    if not isinstance(value, Mapping):
        raise CaseStateError(f"case state holds a bad vote {value!r}")
    return Vote(
        actor=_text(value, "actor"),
        at=_datetime(value["at"]),
        comment=_optional_text(value, "comment"),
        on_behalf_of=_optional_text(value, "on_behalf_of"),
    )


def upgrade_1_to_2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 2 (issue 10) adds who the step is assigned to beyond a role (`assigned_user`,
    `assigned_department`), who moved the case into the step and acted last (`entered_by`,
    `last_actor`, for four eyes), the approvals cast at the step (`votes`) and the data of the
    forms filled by actions (`data`). A version-1 case has none of them."""
    return {
        **data,
        "schema_version": 2,
        "assigned_user": None,
        "assigned_department": None,
        "entered_by": None,
        "last_actor": None,
        "votes": [],
        "data": {},
    }


# version n -> n + 1
_UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: upgrade_1_to_2}
