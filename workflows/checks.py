"""Checks across the loaded steps of a workflow: four eyes one role could defeat, and escalations
that would release a held order on their own. Pure.

They read the `Step`s that loaded (a step with errors of its own is left out), after the
shape checks of `workflows.graph`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from dsl import Diagnostic
from dsl.diagnostics import error, warning
from dsl.texts import N_, text
from workflows.model import CLOSED, AssigneeKind, OrderDecision, OrderDecisionOp, Quorum, Step


def check_steps(steps: Mapping[str, Step]) -> Iterator[Diagnostic]:
    """`four-eyes-one-role` warnings and `escalation-releases-order` errors."""
    yield from _four_eyes_one_role(steps)
    yield from _escalations_releasing(steps)


def leads_to(steps: Mapping[str, Step], target: str) -> tuple[Step, ...]:
    """The do steps a case passes through from `target` (a step id or CLOSED) to the next task
    step or `closed`, in order; a loop (reported by `graph`) ends the chain."""
    passed: list[Step] = []
    current = steps.get(target) if target != CLOSED else None
    while current is not None and current.is_do and all(s.id != current.id for s in passed):
        passed.append(current)
        current = steps.get(current.to) if current.to not in (None, CLOSED) else None
    return tuple(passed)


def _entered_by(steps: Mapping[str, Step], step_id: str) -> Iterator[Step]:
    """The task steps with an action that leads (directly or through do steps) into `step_id`."""
    for step in steps.values():
        if step.is_do or step.id == step_id:
            continue
        for action in step.actions.values():
            chain = leads_to(steps, action.to)
            following = chain[-1].to if chain else action.to
            if following == step_id:
                yield step
                break


def _four_eyes_one_role(steps: Mapping[str, Step]) -> Iterator[Diagnostic]:
    # Four eyes keeps the proposer from approving; with one approval from the proposer's own
    # role, a colleague holding the same role satisfies it (the rule holds, the policy does not).
    for step in steps.values():
        approval = step.approval
        assignee = step.assignee
        if approval is None or not approval.four_eyes or assignee is None:
            continue
        if assignee.kind is not AssigneeKind.ROLE or approval.quorum not in (1, Quorum.ANY):
            continue
        for proposer in _entered_by(steps, step.id):
            other = proposer.assignee
            if other is None or other.kind is not AssigneeKind.ROLE or other.role != assignee.role:
                continue
            if other.department != assignee.department:
                continue
            yield warning(
                "four-eyes-one-role",
                text(
                    N_(
                        "four eyes in step '%(step)s' can be satisfied by the role "
                        "'%(role)s' alone: step '%(proposer)s', which leads to it, is assigned "
                        "to the same role, and one approval is enough"
                    ),
                    step=step.id,
                    role=assignee.role or "",
                    proposer=proposer.id,
                ),
                approval.span,
                hint=text(
                    N_("assign the approval to another role, or ask for a quorum of 2 or more")
                ),
            )


def _escalations_releasing(steps: Mapping[str, Step]) -> Iterator[Diagnostic]:
    # A held order is released by a person within their overage authority; an escalation acts
    # as nobody, so it may reject or hold on, never release.
    for step in steps.values():
        for escalation in step.escalations:
            action = step.actions.get(escalation.action) if escalation.action else None
            if action is None:
                continue
            for passed in leads_to(steps, action.to):
                if any(
                    isinstance(op, OrderDecisionOp) and op.decision is OrderDecision.RELEASE
                    for op in passed.do or ()
                ):
                    yield error(
                        "escalation-releases-order",
                        text(
                            N_(
                                "escalation %(number)d in step '%(step)s' takes action "
                                "'%(action)s', which releases the held order through step "
                                "'%(through)s': only a person may release an order"
                            ),
                            number=escalation.level,
                            step=step.id,
                            action=action.name,
                            through=passed.id,
                        ),
                        escalation.span,
                        hint=text(N_("let the escalation reassign, notify or reject instead")),
                    )
                    break
