"""Approvals: votes towards a step's quorum, and four eyes. Pure: no I/O, no clock.

Four eyes is enforced here and only here (docs/workflows.md, "Approvals"): the engine and the
pages ask `refusal` (through `advance` and `available_actions`), never decide it themselves.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from dsl.texts import N_, Text, text
from workflows.errors import AlreadyVoted, CaseActionError, FourEyesRefused
from workflows.model import Approval, Quorum, Step
from workflows.state import CaseState, Vote


def approval_of(step: Step, action: str) -> Approval | None:
    """The step's approval when `action` is its approving action."""
    approval = step.approval
    return approval if approval is not None and approval.action == action else None


def excluded(approval: Approval, state: CaseState) -> frozenset[str]:
    """Who four eyes keeps from approving: the proposer and the last actor."""
    if not approval.four_eyes:
        return frozenset()
    return frozenset(p for p in (state.entered_by, state.last_actor) if p is not None)


def refusal(
    approval: Approval, state: CaseState, actor: str, on_behalf_of: str | None = None
) -> CaseActionError | None:
    """Why `actor` (approving for `on_behalf_of`, as their delegate) may not approve now, or
    None: either of the two has approved at this step already, or four eyes excludes either."""
    step, action = state.step, approval.action
    people = (actor,) if on_behalf_of is None else (actor, on_behalf_of)
    voted = next((p for p in people for v in state.votes if p in (v.actor, v.on_behalf_of)), None)
    if voted is not None:
        message = text(
            N_("%(actor)s has already approved '%(action)s' at step '%(step)s'"),
            actor=voted,
            action=action,
            step=step,
        )
        return AlreadyVoted(message.english(), action=action, step=step, message=message)
    barred = next((p for p in people if p in excluded(approval, state)), None)
    if barred is not None:
        role = N_("proposed it") if barred == state.entered_by else N_("was the last to act on it")
        message = text(
            N_(
                "four eyes: %(actor)s %(role)s, so someone else must take '%(action)s' at step "
                "'%(step)s'"
            ),
            actor=barred,
            role=text(role),
            action=action,
            step=step,
        )
        return FourEyesRefused(message.english(), action=action, step=step, message=message)
    return None


def cast(
    approval: Approval,
    state: CaseState,
    *,
    actor: str,
    comment: str | None,
    eligible: Collection[str] | None,
    now: datetime,
    on_behalf_of: str | None = None,
) -> tuple[tuple[Vote, ...], bool]:
    """The votes with `actor`'s approval added (counted as `on_behalf_of`'s when a delegate
    casts it), and whether they reach the quorum.

    `any`: one; N: N distinct people; `all`: every one of `eligible` that four eyes does not
    exclude (at least one; `eligible` None counts as the voter alone).
    """
    vote = Vote(actor=actor, at=now, comment=comment, on_behalf_of=on_behalf_of)
    votes = (*state.votes, vote)
    voters = {v.voter for v in votes}
    quorum = approval.quorum
    if quorum is Quorum.ANY:
        return votes, True
    if quorum is Quorum.ALL:
        needed = set(eligible if eligible is not None else (vote.voter,))
        return votes, needed - excluded(approval, state) <= voters
    return votes, len(voters) >= quorum


def titled(message: Text, step: Step) -> Text:
    """`message`, a refusal at `step`, naming the step and the action by their labels where
    they have one (each said in the reader's language); ids stay where there is no label."""
    params = dict(message.params)
    if step.label:
        params["step"] = text("%(label)s", label=step.label)
    named = params.get("action")
    action = step.actions.get(named) if isinstance(named, str) else None
    if action is not None and action.label:
        params["action"] = text("%(label)s", label=action.label)
    return text(message.id, **params)
