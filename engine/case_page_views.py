"""What the case page reads (engine.case_views): frozen views of plain values, in one language.

The conventions of engine.views hold: numbers are JSON numbers, times aware UTC datetimes. Sentences
the engine cannot word itself (why four eyes bars the caller, what triggered the case) are
`forms.Text` values, a message id and its params, which web/ says in the page's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from engine.views import CaseView, TermsView
from forms import Text


@dataclass(frozen=True, slots=True)
class ReasonLine:
    """One line of an assessment's explanation: a rule or table that fired (with its points),
    the tier row or the floor (`kind`: rule, table, tier, floor), in words."""

    kind: str
    id: str
    points: int | float | None
    text: str


@dataclass(frozen=True, slots=True)
class AssessmentSnapshot:
    """The customer's assessment at one moment, with its reasons in the page's language; fields
    are named by their labels."""

    id: int
    as_of: date
    created_at: datetime
    score: int | float
    tier: str
    ruleset_key: str
    ruleset_version: int
    reasons: tuple[ReasonLine, ...]
    missing: tuple[str, ...]  # the labels of the fields the rules lacked
    alerts: tuple[dict[str, Any], ...]  # {rule, severity, message} each


@dataclass(frozen=True, slots=True)
class AssessmentChange:
    """What moved between the assessment the case opened on and the current one."""

    from_score: int | float | None
    to_score: int | float
    from_tier: str | None
    to_tier: str
    summary: str  # one sentence in the page's language
    items: tuple[dict[str, Any], ...]  # dsl ChangeItem.to_dict() each: {kind, id, points, text}


@dataclass(frozen=True, slots=True)
class CustomerCard:
    ref: str
    name: str
    department: str | None
    owner: str | None
    score: int | float | None
    tier: str | None
    terms: TermsView


@dataclass(frozen=True, slots=True)
class TriggerReason:
    """One reason the case exists: its trigger in words and the details it carried."""

    trigger: str
    text: Text
    details: tuple[tuple[str, Any], ...]  # the reason's other entries, (key, value) each


@dataclass(frozen=True, slots=True)
class TermsRow:
    """One credit term: its current value beside another (proposed, or after a change)."""

    name: str
    label: str
    type: str  # a forms.FieldType value: money, integer, decimal, boolean, date
    current: Any
    proposed: Any
    is_changed: bool


@dataclass(frozen=True, slots=True)
class FormFieldInput:
    """One field of an action's form, as the page offers it: its value prefilled (from the case's
    data, else the current value of the credit term it proposes, else the field's default) and,
    for a field that proposes a term, the term's current value beside it."""

    id: str
    label: str
    type: str  # a forms.FieldType value
    required: bool
    value: Any
    current: Any  # the current value of the term it proposes; None when it proposes none
    is_term: bool
    term: str | None  # the credit term it proposes: its own name, or one a do step sets to it
    options: tuple[str, ...] | None
    minimum: int | float | None
    maximum: int | float | None
    help: str | None
    # each option's label in the page's language, beside `options` (the option itself without one)
    option_titles: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class ActionPanel:
    """One action the caller may take now, with what it needs and what it would do."""

    name: str
    to: str  # the step it leads to, or "closed"
    requires_comment: bool
    form_key: str | None
    form_label: str | None
    fields: tuple[FormFieldInput, ...]
    # the credit terms the do steps after this action would set, beside the current ones
    applies: tuple[TermsRow, ...]
    is_approval: bool  # the step's approving action (counts toward the quorum)
    barred: Text | None  # why the caller may not take it (four eyes, already voted); None: may


@dataclass(frozen=True, slots=True)
class VoteEntry:
    actor: str
    at: datetime
    comment: str | None
    on_behalf_of: str | None = None  # the delegator the actor approved for


@dataclass(frozen=True, slots=True)
class ApprovalProgress:
    """The approval of the current step: votes cast against the quorum, and four eyes."""

    action: str
    quorum: str  # "any", "all" or a number as text
    needed: int | None  # approvals needed in all; None: "all" with the eligible not known
    votes: tuple[VoteEntry, ...]
    four_eyes: bool
    excluded: tuple[str, ...]  # who four eyes keeps from approving (proposer, last actor)
    barred: Text | None  # why the caller may not approve; None: they may (or hold no role)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One line of the case's history: who (for whom), when, what, the comment and data."""

    id: int
    at: datetime
    reason: str | None  # start, action, do, escalation, vote, reason_added
    from_step: str | None
    to_step: str
    action: str | None
    actor: str | None
    on_behalf_of: str | None
    assigned_role: str | None
    comment: str | None
    data: tuple[tuple[str, Any], ...]  # (label, value) each: the form data filled
    trigger: TriggerReason | None  # for reason_added: the new reason


@dataclass(frozen=True, slots=True)
class TermsChangeEntry:
    """A credit-terms change this case made, with its before and after."""

    id: int
    at: datetime
    actor: str | None
    approver: str | None
    rows: tuple[TermsRow, ...]  # current = before, proposed = after
    restore_at: datetime | None
    restored_at: datetime | None
    restores_id: int | None
    case_id: int | None = None  # the case that made it (None: set through the API or an import)
    restore_when: str | None = None  # a temporary change's condition (rules language)


@dataclass(frozen=True, slots=True)
class Names:
    """What the page calls the workflow's steps and actions, in its language (labels, else the
    ids in words); `closed` is the page's to translate."""

    steps: Mapping[str, str]
    actions: Mapping[str, str]  # the current step's actions first, then those of other steps


@dataclass(frozen=True, slots=True)
class CasePage:
    """Everything an approver needs to decide on one case (engine.case_views.case_page)."""

    case: CaseView
    language: str
    customer: CustomerCard | None  # None: a case about no customer (a ruleset_change)
    opened: AssessmentSnapshot | None  # the assessment the case opened on
    current: AssessmentSnapshot | None  # the customer's latest
    change: AssessmentChange | None  # opened → current; None when they are the same one
    triggers: tuple[TriggerReason, ...]
    data: tuple[TermsRow, ...]  # the case's form data so far; terms beside the current ones
    actions: tuple[ActionPanel, ...]
    approval: ApprovalProgress | None
    history: tuple[HistoryEntry, ...]
    terms_changes: tuple[TermsChangeEntry, ...]
    names: Names | None = None
