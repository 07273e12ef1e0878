"""The engine's exceptions: what a caller did that the engine refuses, in the business's words.

web/ turns each into one HTTP status (problem+json for the API, an error fragment for pages);
nothing downstream parses their messages.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class EngineError(Exception):
    """Base of every refusal; `title` sums it up, `detail` is the sentence shown to the user."""

    title = "Request refused"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFoundError(EngineError):
    title = "Not found"


class PermissionDeniedError(EngineError):
    title = "Not allowed"


class ConflictError(EngineError):
    """The thing changed meanwhile, or the request contradicts its state (e.g. terms on update)."""

    title = "Conflict"


class InvalidRequestError(EngineError):
    """A request that can never succeed as sent (unknown action, missing comment, bad time)."""

    title = "Invalid request"


class DataValidationError(EngineError):
    """Submitted data broke its form; `errors` lists every problem with its field path."""

    title = "Invalid data"

    def __init__(self, errors: Iterable[Any], detail: str | None = None) -> None:
        self.errors = tuple(errors)
        super().__init__(detail or f"{len(self.errors)} field(s) are invalid")


class NotConfiguredError(EngineError):
    """The workspace lacks a definition the request needs (no template imported yet)."""

    title = "Not configured"
