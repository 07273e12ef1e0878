"""Reading a task step's `approval` and the checks on it: the approving action, the quorum, who
may approve, comments on actions an escalation takes. Pure.

Part of the loader, used by `workflows.step_reader`; collects positioned diagnostics.
"""

from __future__ import annotations

from collections.abc import Mapping

from dsl import Diagnostic, Span, YamlMap
from dsl.diagnostics import error, warning
from dsl.texts import N_, Text, described, did_you_mean, text
from workflows.model import Action, Approval, Assignee, AssigneeKind, Escalation, Quorum
from workflows.reading import check_keys, expect_identifier, expect_map, read_flag

APPROVAL_KEYS = ("quorum", "four_eyes", "action")
DEFAULT_APPROVAL_ACTION = "approve"


class ApprovalReader:
    """Reads approvals, collecting diagnostics instead of stopping."""

    def __init__(self, *, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics

    def error(self, code: str, message: Text, span: Span, hint: Text | None = None) -> None:
        self.diagnostics.append(error(code, message, span, hint))

    def approval(
        self, body: YamlMap, actions: Mapping[str, Action] | None, *, where: Text
    ) -> Approval | None:
        rule = expect_map(
            body["approval"],
            body.value_span("approval"),
            what=text(N_("an approval like {quorum: 1, four_eyes: true}")),
            diagnostics=self.diagnostics,
        )
        if rule is None:
            return None
        inside = text(N_("in the approval %(where)s"), where=where)
        check_keys(rule, allowed=APPROVAL_KEYS, where=inside, diagnostics=self.diagnostics)
        quorum: Quorum | int | None = Quorum.ANY
        if "quorum" in rule:
            quorum = self.quorum(rule)
        four_eyes: bool | None = False
        if "four_eyes" in rule:
            four_eyes = read_flag(rule, "four_eyes", where=inside, diagnostics=self.diagnostics)
        action: str | None = DEFAULT_APPROVAL_ACTION
        action_span = body.key_span("approval")
        if "action" in rule:
            action = expect_identifier(
                rule, "action", what=text(N_("the approving action")),
                diagnostics=self.diagnostics,
            )  # fmt: skip
            action_span = rule.value_span("action")
        if action is not None and actions is not None and action not in actions:
            self.error(
                "unknown-action",
                text(
                    N_(
                        "the approval %(where)s counts action '%(action)s', which the step does "
                        "not have%(did_you_mean)s"
                    ),
                    where=where,
                    action=action,
                    did_you_mean=did_you_mean(action, actions),
                ),
                action_span,
                hint=text(N_("the step's actions are: %(actions)s"), actions=", ".join(actions)),
            )
            return None
        if quorum is None or four_eyes is None or action is None:
            return None
        return Approval(
            quorum=quorum, four_eyes=four_eyes, action=action, span=body.key_span("approval")
        )

    def quorum(self, rule: YamlMap) -> Quorum | int | None:
        value = rule["quorum"]
        if isinstance(value, str) and value in tuple(Quorum):
            return Quorum(value)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value
        self.error(
            "bad-quorum",
            text(
                N_("'quorum' must be any, all or a whole number of 1 or more, found %(found)s"),
                found=described(value),
            ),
            rule.value_span("quorum"),
        )
        return None

    def quorum_fits(
        self,
        approval: Approval,
        assignee: Assignee,
        escalations: tuple[Escalation, ...],
        *,
        where: Text,
    ) -> bool:
        """A quorum above 1 needs a role: one user, or the owner, is a single person, whether
        the step is assigned to them or an escalation reassigns it to them."""
        if not isinstance(approval.quorum, int) or approval.quorum <= 1:
            return True
        ok = True
        if assignee.kind is not AssigneeKind.ROLE:
            self.error(
                "quorum-single-person",
                text(
                    N_(
                        "the approval %(where)s needs %(quorum)d people, but the step is "
                        "assigned to a single person"
                    ),
                    where=where,
                    quorum=approval.quorum,
                ),
                approval.span,
                hint=text(N_("assign the step to a role, or use quorum: 1")),
            )
            ok = False
        for escalation in escalations:
            to = escalation.to
            if to is not None and to.kind is not AssigneeKind.ROLE:
                self.error(
                    "quorum-single-person",
                    text(
                        N_(
                            "escalation %(number)d %(where)s reassigns the step to a single "
                            "person, but its approval needs %(quorum)d people"
                        ),
                        number=escalation.level,
                        where=where,
                        quorum=approval.quorum,
                    ),
                    to.span,
                    hint=text(N_("escalate to a role, or use quorum: 1")),
                )
                ok = False
        return ok

    def comments_on_escalation(
        self, escalations: tuple[Escalation, ...], actions: Mapping[str, Action]
    ) -> None:
        for escalation in escalations:
            action = actions.get(escalation.action) if escalation.action else None
            if action is not None and action.requires_comment:
                self.diagnostics.append(
                    warning(
                        "comment-on-automatic-action",
                        text(
                            N_(
                                "action '%(action)s' requires a comment, but escalation %(number)d "
                                "takes it automatically: the system writes the comment itself"
                            ),
                            action=action.name,
                            number=escalation.level,
                        ),
                        escalation.span,
                    )
                )
