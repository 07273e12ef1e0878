"""Workflow definitions and their meaning as pure functions: load, start, advance. No I/O, no clock.

See docs/workflows.md for the format and the semantics, docs/architecture.md for the contract.
"""

from workflows.durations import parse_duration
from workflows.errors import (
    ActionNotAllowed,
    CaseActionError,
    CaseStateError,
    CommentRequired,
    WorkflowError,
)
from workflows.loader import check_workflow, load_workflow
from workflows.model import (
    CLOSED,
    TERMS_NAMES,
    Action,
    Assignee,
    ChangeTermsOp,
    Escalation,
    Guard,
    Step,
    TermValue,
    Trigger,
    TriggerKind,
    Workflow,
)
from workflows.semantics import (
    ESCALATION,
    ChangeReason,
    ChangeTerms,
    Effect,
    Event,
    StepChange,
    TakeAction,
    TimerFired,
    TimerRequest,
    Transition,
    advance,
    available_actions,
    start,
)
from workflows.state import CASE_STATE_SCHEMA_VERSION, CaseState, CaseStatus

__all__ = [
    "CASE_STATE_SCHEMA_VERSION",
    "CLOSED",
    "ESCALATION",
    "TERMS_NAMES",
    "Action",
    "ActionNotAllowed",
    "Assignee",
    "CaseActionError",
    "CaseState",
    "CaseStateError",
    "CaseStatus",
    "ChangeReason",
    "ChangeTerms",
    "ChangeTermsOp",
    "CommentRequired",
    "Effect",
    "Escalation",
    "Event",
    "Guard",
    "Step",
    "StepChange",
    "TakeAction",
    "TermValue",
    "TimerFired",
    "TimerRequest",
    "Transition",
    "Trigger",
    "TriggerKind",
    "Workflow",
    "WorkflowError",
    "advance",
    "available_actions",
    "check_workflow",
    "load_workflow",
    "parse_duration",
    "start",
]
