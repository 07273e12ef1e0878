"""The state of one running case, and its JSON form as the engine stores it. Pure, no clock.

The stored form carries a `schema_version`; reading an older one goes through the named upgrade
functions in `_UPGRADES`, each saying what changed (STYLE.md §2).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from workflows.errors import CaseStateError

CASE_STATE_SCHEMA_VERSION = 1


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class CaseState:
    """Where a case stands: its step, to whom it is assigned, since when and until when.

    A closed case has `step == "closed"`, no assigned role, no due date and an `outcome`.
    `escalation_level` is 0 until the step's first escalation, then the level last applied.
    """

    step: str
    status: CaseStatus
    outcome: str | None
    assigned_role: str | None
    entered_at: datetime
    due_at: datetime | None
    escalation_level: int = 0

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


# version n -> n + 1; none yet: version 1 is the first.
_UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}
