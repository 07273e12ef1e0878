"""The exceptions of the workflows package: a refused definition, a refused action, bad state."""

from __future__ import annotations

from dsl import DiagnosticsError
from dsl.texts import Text


class WorkflowError(DiagnosticsError):
    """A workflow definition that cannot be loaded; `diagnostics` lists every problem found."""


class CaseActionError(Exception):
    """An action refused on a case; `reason` says why in the user's words (English), `message`
    (when given) is the same sentence as a message id and params, to say in any language."""

    def __init__(self, reason: str, *, action: str, step: str, message: Text | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.action = action
        self.step = step
        self.message = message


class ActionNotAllowed(CaseActionError):
    """The action does not exist at the case's step, the case is closed, or the actor lacks the role
    the step is currently assigned to."""


class CommentRequired(CaseActionError):
    """The action requires a comment and none (or only blanks) was given."""


class FourEyesRefused(CaseActionError):
    """On a four-eyes step, the approving action by the person who moved the case into the step
    (the proposer) or who acted on it last."""


class AlreadyVoted(CaseActionError):
    """A second approval by a person whose approval is already counted at this visit of the step."""


class CaseStateError(ValueError):
    """Stored case state that cannot be read back: unknown version, missing key, bad value."""
