"""The engine's exceptions: what a caller did that the engine refuses, in the business's words.

web/ turns each into one HTTP status (problem+json for the API, an error fragment for pages);
nothing downstream parses their messages.

A refusal's sentence is an English message id with `%(name)s` placeholders and the values that fill
them: `NotFoundError(N_("there is no customer '%(ref)s'"), ref=ref)`. `detail` is the English
sentence (logs, the CLI); web/ translates `message` through its catalogs (web/i18n.py) and fills
in the same `params`, so the engine never knows the language of a request. `N_` only marks a
message id for extraction (babel.cfg); the values stay as given, untranslated.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def N_(message: str) -> str:
    """Mark `message` as a message id for the catalogs, unchanged (translated by web/)."""
    return message


class EngineError(Exception):
    """Base of every refusal; `title` sums it up, `detail` is the English sentence shown to the
    user: `message` (a message id) filled with `params`. With no params, `message` is the
    sentence as is (a `%` in it stays)."""

    title = "Request refused"

    def __init__(self, message: str, **params: Any) -> None:
        self.message = message
        self.params = params
        self.detail = message % params if params else message
        super().__init__(self.detail)


class NotFoundError(EngineError):
    title = "Not found"


class PermissionDeniedError(EngineError):
    title = "Not allowed"


class ConflictError(EngineError):
    """The thing changed meanwhile, or the request contradicts its state (e.g. terms on update)."""

    title = "Conflict"


class CaseAlreadyOpenError(ConflictError):
    """The customer already has an open case of the workflow asked for; `case_id` names it (a
    page links to it)."""

    def __init__(self, message: str, *, case_id: int, **params: Any) -> None:
        self.case_id = case_id
        super().__init__(message, id=case_id, **params)


class ReadersBlockError(ConflictError):
    """A form version that published rulesets or workflows still read fields of;
    `diagnostics` are the readings, each at its own position (engine.draft_checks)."""

    def __init__(self, message: str, *, diagnostics: Iterable[Any], **params: Any) -> None:
        self.diagnostics = tuple(diagnostics)
        super().__init__(message, **params)


class InvalidRequestError(EngineError):
    """A request that can never succeed as sent (unknown action, missing comment, bad time)."""

    title = "Invalid request"


class DataValidationError(EngineError):
    """Submitted data broke its form; `errors` lists every problem with its field path."""

    title = "Invalid data"

    def __init__(self, errors: Iterable[Any]) -> None:
        self.errors = tuple(errors)
        super().__init__(N_("%(count)d field(s) are invalid"), count=len(self.errors))


class NotConfiguredError(EngineError):
    """The workspace lacks a definition the request needs (no template imported yet)."""

    title = "Not configured"
