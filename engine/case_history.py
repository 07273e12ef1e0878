"""A case's past for its page: what triggered it, its history in full, the terms changes it made.

Read only. Sentences are `forms.Text` (message ids marked with N_, said by web/ in the page's
language); field names come from the labels of the forms involved.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, col, select

import forms
from engine.case_page_views import HistoryEntry, TermsChangeEntry, TermsRow, TriggerReason
from engine.errors import N_
from engine.models import Case, CaseTransition, TermsChange

# trigger kind → (the sentence, the reason's keys it needs; the sentence without them)
_TRIGGER_TEXTS: Mapping[str, tuple[str, tuple[str, ...], str]] = {
    "tier_changed": (
        N_("the tier changed from %(previous_tier)s to %(tier)s (score %(score)s)"),
        ("previous_tier", "tier", "score"),
        N_("the tier changed"),
    ),
    "alert_raised": (
        N_("alert %(rule)s was raised (%(severity)s): %(message)s"),
        ("rule", "severity", "message"),
        N_("an alert was raised"),
    ),
    "field_changed": (
        N_("these fields changed: %(fields)s"),
        ("fields",),
        N_("a field changed"),
    ),
    "event_received": (
        N_("an event of kind %(kind)s was received"),
        ("kind",),
        N_("an event was received"),
    ),
    "review_due": (
        N_("the periodic review was due on %(due)s"),
        ("due",),
        N_("the periodic review came due"),
    ),
    "order_held": (
        N_("order %(order_ref)s was held"),
        ("order_ref",),
        N_("an order was held"),
    ),
    "manual": (
        N_("started by hand by %(by)s"),
        ("by",),
        N_("started by hand"),
    ),
}
# a first assessment has no previous tier
_FIRST_TIER = N_("the first assessment put the customer in tier %(tier)s (score %(score)s)")


def _shown(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return value


def trigger_reason(reason: Mapping[str, Any]) -> TriggerReason:
    """A trigger reason stored in a case's context (engine.triggers), in words."""
    kind = str(reason.get("trigger") or "")
    details = tuple((key, value) for key, value in reason.items() if key != "trigger")
    entry = _TRIGGER_TEXTS.get(kind)
    if entry is None:
        return TriggerReason(
            trigger=kind, text=forms.text(N_("trigger %(trigger)s"), trigger=kind), details=details
        )
    full, keys, short = entry
    if kind == "tier_changed" and reason.get("previous_tier") is None and "tier" in reason:
        said = forms.text(_FIRST_TIER, tier=reason["tier"], score=reason.get("score", "—"))
    elif all(reason.get(key) is not None for key in keys):
        said = forms.text(full, **{key: _shown(reason[key]) for key in keys})
    else:
        said = forms.text(short)
    return TriggerReason(trigger=kind, text=said, details=details)


def trigger_reasons(case: Case) -> tuple[TriggerReason, ...]:
    return tuple(
        trigger_reason(r) for r in case.context.get("reasons") or () if isinstance(r, dict)
    )


def _labelled(data: Mapping[str, Any], labels: Mapping[str, str]) -> tuple[tuple[str, Any], ...]:
    return tuple((labels.get(key, key), value) for key, value in data.items())


def history(
    session: Session, case_id: int, *, labels: Mapping[str, str]
) -> tuple[HistoryEntry, ...]:
    """Every row of the case's history, oldest first; form data named by `labels` (field id →
    label)."""
    rows = session.exec(
        select(CaseTransition)
        .where(CaseTransition.case_id == case_id)
        .order_by(col(CaseTransition.id))
    )
    entries = []
    for row in rows:
        added = row.reason == "reason_added"
        entries.append(
            HistoryEntry(
                id=row.id or 0,
                at=row.at,
                reason=row.reason,
                from_step=row.from_step,
                to_step=row.to_step,
                action=row.action,
                actor=row.actor,
                on_behalf_of=row.on_behalf_of,
                assigned_role=row.assigned_role,
                comment=row.comment,
                data=() if added else _labelled(row.data, labels),
                trigger=trigger_reason(row.data) if added else None,
            )
        )
    return tuple(entries)


def terms_labels(language: str) -> dict[str, str]:
    """The credit terms' labels in `language` (forms.TERMS)."""
    return {field.id: field.title(language) for field in forms.TERMS}


_TERMS_TYPES = {field.id: str(field.type) for field in forms.TERMS}


def terms_rows(
    before: Mapping[str, Any], after: Mapping[str, Any], *, language: str, only_changed: bool
) -> tuple[TermsRow, ...]:
    """The credit terms of `after` beside those of `before`, in the terms' order."""
    labels = terms_labels(language)
    rows = []
    for name in forms.TERMS_FIELDS:
        if name not in after:
            continue
        old, new = before.get(name), after[name]
        changed = old != new
        if only_changed and not changed:
            continue
        rows.append(
            TermsRow(
                name=name,
                label=labels[name],
                type=_TERMS_TYPES[name],
                current=old,
                proposed=new,
                is_changed=changed,
            )
        )
    return tuple(rows)


def terms_changes(session: Session, case_id: int, *, language: str) -> tuple[TermsChangeEntry, ...]:
    """The credit-terms changes made by the case (and their restorations), oldest first."""
    rows = session.exec(
        select(TermsChange).where(col(TermsChange.case_id) == case_id).order_by(col(TermsChange.id))
    )
    return tuple(terms_change_entry(row, language=language) for row in rows)


def terms_change_entry(row: TermsChange, *, language: str) -> TermsChangeEntry:
    """A stored terms change with the terms it changed, labelled in `language`."""
    return TermsChangeEntry(
        id=row.id or 0,
        at=row.at,
        actor=row.actor,
        approver=row.approver,
        rows=terms_rows(row.before, row.after, language=language, only_changed=True),
        restore_at=row.restore_at,
        restored_at=row.restored_at,
        restores_id=row.restores_id,
        case_id=row.case_id,
        restore_when=row.restore_when,
    )
