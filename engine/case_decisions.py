"""What the caller may decide on a case, for its page: each action with its form (prefilled,
the current terms beside), the terms the following do steps would set, and the approval's
progress (votes against the quorum; whom four eyes bars, and why).

Read only: nothing here refuses an action (workflows.advance does, at one place); it tells the
caller beforehand what advance would say.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlmodel import Session

import forms
import workflows
from engine import specs
from engine.case_history import terms_labels
from engine.case_page_views import (
    ActionPanel,
    ApprovalProgress,
    FormFieldInput,
    TermsRow,
    VoteEntry,
)
from engine.errors import NotFoundError
from engine.models import Case
from engine.types import is_row_id
from workflows import approvals as workflow_approvals

_TERMS = {field.id: field for field in forms.TERMS}
# a change_terms value that is a form field as filled: `credit_limit: "case.data.proposed_limit"`
_FORM_VALUE = re.compile(r"\s*case\.data\.([A-Za-z_][A-Za-z0-9_]*)\s*")


def terms_of_fields(workflow: workflows.Workflow) -> dict[str, str]:
    """Form field id → the credit term it proposes: the field itself when named like a term,
    else the term a do step sets to the field as filled (`credit_limit: "case.data.
    proposed_limit"` makes `proposed_limit` the proposed credit limit)."""
    found: dict[str, str] = {}
    for step in workflow.steps.values():
        for operation in step.do or ():
            if not isinstance(operation, workflows.ChangeTermsOp):
                continue
            for term in operation.values:
                matched = (
                    _FORM_VALUE.fullmatch(term.expression.source)
                    if term.expression is not None
                    else None
                )
                if matched is not None and term.name in _TERMS:
                    found.setdefault(matched.group(1), term.name)
    return found


def _term_of(field_id: str, mapping: Mapping[str, str]) -> str | None:
    return field_id if field_id in _TERMS else mapping.get(field_id)


def _form(session: Session, key: str | None) -> forms.Form | None:
    if key is None:
        return None
    try:
        return specs.load_form(session, key).value
    except NotFoundError:
        return None  # the workflow's checker refuses unknown forms; an old case may outlive one


def form_inputs(
    form: forms.Form,
    *,
    data: Mapping[str, Any],
    terms: Mapping[str, Any],
    fields_terms: Mapping[str, str],
    language: str,
) -> tuple[FormFieldInput, ...]:
    """The fields of `form`, each prefilled from the case's `data`, else the current value of
    the term it proposes (`terms_of_fields`), else the field's default."""
    inputs = []
    for field in form.fields:
        term = _term_of(field.id, fields_terms)
        is_term = term is not None
        current = terms.get(term) if term is not None else None
        if field.id in data:
            value = data[field.id]
        elif is_term:
            value = current
        else:
            value = field.default
        inputs.append(
            FormFieldInput(
                id=field.id,
                label=field.title(language),
                type=str(field.type),
                required=field.required,
                value=value,
                current=current,
                is_term=is_term,
                term=term,
                options=field.options,
                minimum=field.minimum,
                maximum=field.maximum,
                help=(field.help or {}).get(language) or (field.help or {}).get("en"),
                option_titles=tuple(field.option_title(o, language) for o in field.options)
                if field.options is not None
                else None,
            )
        )
    return tuple(inputs)


def applied_terms(
    workflow: workflows.Workflow,
    first: str,
    *,
    record: Mapping[str, Any],
    data: Mapping[str, Any],
) -> dict[str, Any]:
    """The credit terms the do steps from step `first` on would set, evaluated against `record`
    and the case's `data` as workflows.advance does (a value that reads missing data is None)."""
    scope_record = dict(record)
    applied: dict[str, Any] = {}
    step_id: str | None = first
    for _ in range(len(workflow.steps)):  # do steps chain; the checker refuses a cycle of them
        step = workflow.steps.get(step_id) if step_id is not None else None
        if step is None or step.do is None:
            break
        for operation in step.do:
            if not isinstance(operation, workflows.ChangeTermsOp):
                continue
            # every value of one change_terms reads the record as it was before any applies
            scope = {**scope_record, "case": {"step": step.id, "data": dict(data)}}
            values = {
                term.name: term.literal
                if term.expression is None
                else term.expression.expression.evaluate(scope)
                for term in operation.values
            }
            applied.update(values)
            scope_record.update({k: v for k, v in values.items() if v is not None})
        step_id = step.to
    return applied


def _terms_beside(
    current: Mapping[str, Any], proposed: Mapping[str, Any], language: str
) -> tuple[TermsRow, ...]:
    labels = terms_labels(language)
    return tuple(
        TermsRow(
            name=name,
            label=labels[name],
            type=str(_TERMS[name].type),
            current=current.get(name),
            proposed=proposed[name],
            is_changed=current.get(name) != proposed[name],
        )
        for name in forms.TERMS_FIELDS
        if name in proposed
    )


def data_rows(
    data: Mapping[str, Any],
    *,
    current: Mapping[str, Any],
    labels: Mapping[str, str],
    fields_terms: Mapping[str, str],
    language: str,
) -> tuple[TermsRow, ...]:
    """The case's form data so far: the proposed terms first (beside the current ones, in the
    terms' order), then the other fields."""
    proposed: dict[str, Any] = {}
    rows = []
    for key, value in data.items():
        term = _term_of(key, fields_terms)
        if term is not None:
            proposed.setdefault(term, value)
            continue
        rows.append(
            TermsRow(
                name=key,
                label=labels.get(key, key),
                type="text",
                current=None,
                proposed=value,
                is_changed=True,
            )
        )
    return (*_terms_beside(current, proposed, language), *rows)


def _needed(
    approval: workflows.Approval,
    state: workflows.CaseState,
    eligible: Collection[str] | None,
) -> int | None:
    """Approvals needed in all: a number, 1 for `any`; for `all`, the eligible people four eyes
    does not exclude, those who voted included (None when `eligible` is not known)."""
    quorum = approval.quorum
    if isinstance(quorum, int):
        return quorum
    if quorum is workflows.Quorum.ANY:
        return 1
    if eligible is None:
        return None
    voters = {v.voter for v in state.votes}
    counted = (set(eligible) - workflow_approvals.excluded(approval, state)) | voters
    return max(len(counted), 1)


def approval_progress(
    step: workflows.Step,
    state: workflows.CaseState,
    *,
    actor: str | None,
    on_behalf_of: str | None = None,
    eligible: Collection[str] | None = None,
) -> ApprovalProgress | None:
    """The approval of `step` as it stands (None: the step has no approval); `eligible`: who
    may approve at all, for a quorum of `all` (engine.cases)."""
    approval = step.approval
    if approval is None:
        return None
    kept_out = workflow_approvals.excluded(approval, state)
    voters = {v.voter for v in state.votes} | {v.actor for v in state.votes}
    # someone who voted (or a delegate who voted for them) is kept out by that vote, not by
    # four eyes
    excluded = tuple(
        dict.fromkeys(
            p for p in (state.entered_by, state.last_actor) if p in kept_out and p not in voters
        )
    )
    return ApprovalProgress(
        action=approval.action,
        quorum=str(approval.quorum),
        needed=_needed(approval, state, eligible),
        votes=tuple(
            VoteEntry(actor=v.actor, at=v.at, comment=v.comment, on_behalf_of=v.on_behalf_of)
            for v in state.votes
        ),
        four_eyes=approval.four_eyes,
        excluded=excluded,
        barred=barred(step, state, actor=actor, on_behalf_of=on_behalf_of),
    )


def barred(
    step: workflows.Step,
    state: workflows.CaseState,
    *,
    actor: str | None,
    on_behalf_of: str | None = None,
) -> forms.Text | None:
    """Why `actor` (for `on_behalf_of`, as their delegate) may not cast the approving vote of
    `step` now (four eyes, or a vote counted already), as workflows.advance will refuse it
    (workflows.approvals decides), the step and action named by their labels; None when they
    may (or the step has no approval)."""
    approval = step.approval
    if actor is None or approval is None:
        return None
    refused = workflow_approvals.refusal(approval, state, actor, on_behalf_of)
    if refused is None:
        return None
    if refused.message is None:
        return forms.text(refused.reason)
    return workflow_approvals.titled(refused.message, step)


def action_panels(
    session: Session,
    workflow: workflows.Workflow,
    state: workflows.CaseState,
    available: Sequence[str],
    *,
    actor: str | None,
    record: Mapping[str, Any],
    terms: Mapping[str, Any],
    language: str,
    on_behalf_of: str | None = None,
) -> tuple[ActionPanel, ...]:
    """A panel for each action in `available` (the caller's, in the step's order), plus the
    step's approving action when four eyes hid it from a caller who may act otherwise."""
    step = workflow.steps.get(state.step)
    if step is None or not state.is_open or not available:
        return ()
    approval = step.approval
    fields_terms = terms_of_fields(workflow)
    shown = set(available)
    if approval is not None and approval.action in step.actions:
        shown.add(approval.action)  # shown barred, with the reason, rather than missing
    panels = []
    for name, action in step.actions.items():
        if name not in shown:
            continue
        form = _form(session, action.form)
        is_approval = approval is not None and name == approval.action
        applies = applied_terms(workflow, action.to, record=record, data=state.data)
        panels.append(
            ActionPanel(
                name=name,
                to=action.to,
                requires_comment=action.requires_comment,
                form_key=action.form,
                form_label=form.label.get(language) or form.label.get("en") if form else None,
                fields=form_inputs(
                    form,
                    data=state.data,
                    terms=terms,
                    fields_terms=fields_terms,
                    language=language,
                )
                if form is not None
                else (),
                applies=_terms_beside(terms, applies, language),
                is_approval=is_approval,
                barred=barred(step, state, actor=actor, on_behalf_of=on_behalf_of)
                if is_approval and approval is not None
                else None,
            )
        )
    return tuple(panels)


def form_labels(session: Session, workflow: workflows.Workflow, language: str) -> dict[str, str]:
    """Field id → label for every form the workflow's actions fill, and the credit terms."""
    labels = terms_labels(language)
    for step in workflow.steps.values():
        for action in step.actions.values():
            form = _form(session, action.form)
            if form is not None:
                labels.update({f.id: f.title(language) for f in form.fields})
    return labels


def action_form_data(
    session: Session, case_id: int, action: str, raw: Mapping[str, str]
) -> dict[str, Any]:
    """The text a page posted for `action`'s form on case `case_id` (its current step), as JSON
    values by the fields' types (numbers, booleans; empty fields left out). What cannot be read
    stays text, for the form's validation to refuse with the field's path. Empty when the case,
    the action or its form is unknown (take_action says which)."""
    case = session.get(Case, case_id) if is_row_id(case_id) else None
    if case is None:
        return {}
    workflow = specs.load_workflow(session, case.workflow_key, case.workflow_version).value
    step_def = workflow.steps.get(case.step)
    action_def = step_def.actions.get(action) if step_def is not None else None
    form = _form(session, action_def.form if action_def is not None else None)
    if form is None:
        return {}
    data: dict[str, Any] = {}
    for field in form.fields:
        value = raw.get(field.id)
        if field.type is forms.FieldType.BOOLEAN:
            data[field.id] = value in ("true", "on", "1")
            continue
        if field.type is forms.FieldType.MULTI_CHOICE:  # a checkbox `data.FIELD.OPTION` each
            chosen = [o for o in field.options or () if raw.get(f"{field.id}.{o}") == "true"]
            data[field.id] = chosen
            continue
        if value is None or not value.strip():
            continue
        data[field.id] = _typed(field.type, value.strip())
    return data


def _typed(kind: forms.FieldType, value: str) -> Any:
    if kind is forms.FieldType.PERCENT and value.endswith("%"):
        number = _typed(forms.FieldType.DECIMAL, value[:-1].strip())
        # "30%" is the fraction 0.3, as the field stores it; what is no number stays text
        return round(number / 100, 12) if isinstance(number, int | float) else value
    if kind.is_numeric:
        try:
            number = float(value.replace(",", ""))
        except ValueError:
            return value
        if not math.isfinite(number):
            return value
        return int(number) if number.is_integer() else number
    return value
