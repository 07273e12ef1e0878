"""The exceptions of the workflows package: a refused definition, a refused action, bad state."""

from __future__ import annotations

from dsl import DiagnosticsError


class WorkflowError(DiagnosticsError):
    """A workflow definition that cannot be loaded; `diagnostics` lists every problem found."""


class CaseActionError(Exception):
    """An action refused on a case; `reason` says why in the user's words."""

    def __init__(self, reason: str, *, action: str, step: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.action = action
        self.step = step


class ActionNotAllowed(CaseActionError):
    """The action does not exist at the case's step, the case is closed, or the actor lacks the role
    the step is currently assigned to."""


class CommentRequired(CaseActionError):
    """The action requires a comment and none (or only blanks) was given."""


class CaseStateError(ValueError):
    """Stored case state that cannot be read back: unknown version, missing key, bad value."""
