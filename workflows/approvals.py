"""Approvals: votes towards a step's quorum, and four eyes. Pure: no I/O, no clock.

Four eyes is enforced here and only here (docs/workflows.md, "Approvals"): the engine and the
pages ask `refusal` (through `advance` and `available_actions`), never decide it themselves.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from dsl.texts import N_, text
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


def refusal(approval: Approval, state: CaseState, actor: str) -> CaseActionError | None:
    """Why `actor` may not approve now (already voted, four eyes), or None."""
    step, action = state.step, approval.action
    if any(vote.actor == actor for vote in state.votes):
        message = text(
            N_("%(actor)s has already approved '%(action)s' at step '%(step)s'"),
            actor=actor,
            action=action,
            step=step,
        )
        return AlreadyVoted(message.english(), action=action, step=step, message=message)
    if actor in excluded(approval, state):
        role = N_("proposed it") if actor == state.entered_by else N_("was the last to act on it")
        message = text(
            N_(
                "four eyes: %(actor)s %(role)s, so someone else must take '%(action)s' at step "
                "'%(step)s'"
            ),
            actor=actor,
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
) -> tuple[tuple[Vote, ...], bool]:
    """The votes with `actor`'s approval added, and whether they reach the quorum.

    `any`: one; N: N distinct people; `all`: every one of `eligible` that four eyes does not
    exclude (at least one; `eligible` None counts as the voter alone).
    """
    votes = (*state.votes, Vote(actor=actor, at=now, comment=comment))
    voters = {vote.actor for vote in votes}
    quorum = approval.quorum
    if quorum is Quorum.ANY:
        return votes, True
    if quorum is Quorum.ALL:
        needed = set(eligible if eligible is not None else (actor,)) - excluded(approval, state)
        return votes, needed <= voters
    return votes, len(voters) >= quorum
