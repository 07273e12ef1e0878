"""Request bodies are standard, storable JSON: refused values come back with their paths.

Python's `json.loads` (which Starlette uses) accepts the bare words `NaN`, `Infinity` and
`-Infinity`, which JSON does not have. Let through, they would be stored (PostgreSQL refuses them
in a json column with a server error; SQLite keeps text no other reader accepts) or compared as
numbers that are neither big nor small. JSON also allows `\\u0000` and unpaired surrogates
(`\\ud800`), which PostgreSQL cannot store and no UTF-8 text holds, and nesting to any depth. Every
API route reads its body through `StrictJSONRoute`, which refuses all of these before the body
reaches a route.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, Final

from fastapi import Request, Response
from fastapi.routing import APIRoute

import forms
from web.errors import JsonBodyError
from web.i18n import N_

# Deeper than any request shape needs; a deeper body is refused before validation walks it.
MAX_DEPTH: Final = 32

_Path = tuple[str | int, ...]
_Error = tuple[_Path, str | forms.Text, str]


def non_finite_paths(value: Any, path: _Path = ()) -> Iterator[_Path]:
    """The path of every float in `value` (parsed JSON) that is NaN or infinite."""
    if isinstance(value, float):
        if not math.isfinite(value):
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from non_finite_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from non_finite_paths(item, (*path, index))


def too_deep_path(value: Any, limit: int = MAX_DEPTH) -> _Path | None:
    """The path of the first container nested deeper than `limit` in `value`, or None
    (counted without recursion, so any depth json.loads reads is safe to check)."""
    stack: list[tuple[Any, _Path]] = [(value, ())]
    while stack:
        item, path = stack.pop()
        if isinstance(item, dict):
            children: list[tuple[Any, _Path]] = [(v, (*path, k)) for k, v in item.items()]
        elif isinstance(item, list):
            children = [(v, (*path, i)) for i, v in enumerate(item)]
        else:
            continue
        if len(path) >= limit:
            return path
        stack.extend(children)
    return None


def body_errors(value: Any) -> list[_Error]:
    """Everything refused in a parsed body, each as (path, message, code)."""
    deep = too_deep_path(value)
    if deep is not None:
        message = forms.text(N_("the body nests deeper than %(max)d levels"), max=MAX_DEPTH)
        return [(deep, message, "too-deep")]
    errors: list[_Error] = [
        (path, "not a finite number: JSON has no NaN or Infinity", "finite_number")
        for path in non_finite_paths(value)
    ]
    errors.extend((e.path, e.wording or e.message, e.code) for e in forms.json_text_errors(value))
    return errors


class StrictJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            value = json.loads(await self.body())
            errors = body_errors(value)
            if errors:
                raise JsonBodyError(errors)
            self._json = value
        return self._json


class StrictJSONRoute(APIRoute):
    """An API route whose JSON body may hold only finite numbers and storable text."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict_handler(request: Request) -> Response:
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return strict_handler
