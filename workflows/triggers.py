"""What starts a workflow: one entry per trigger kind, read by the loader and by `fires`. Pure.

An `Occurrence` is something that happened to one customer (its tier changed, an alert was
raised, an event arrived ...) with the facts the trigger's guard reads beyond the customer's
record (`assessment`, `alert`, `event`, `order`, `changed`). `fires(workflow, occurrence,
record)` says whether it starts the workflow: the kind matches, the kind's own parameters match
the facts, and the `when` guard holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workflows.model import TriggerKind, Workflow


@dataclass(frozen=True, slots=True)
class Occurrence:
    """`kind` happened; `facts` are what its guard reads besides the customer's record;
    `reason` is what the case history says about it (JSON-native)."""

    kind: TriggerKind
    facts: Mapping[str, Any] = field(default_factory=dict)
    reason: Mapping[str, Any] = field(default_factory=dict)


def fires(workflow: Workflow, occurrence: Occurrence, record: Mapping[str, Any]) -> bool:
    """Whether `occurrence` starts `workflow` for the customer whose record is `record`."""
    if workflow.trigger.on is not occurrence.kind:
        return False
    return workflow.matches({**record, **occurrence.facts})
