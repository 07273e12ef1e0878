"""Request bodies are standard JSON: NaN and Infinity are refused with their paths.

Python's `json.loads` (which Starlette uses) accepts the bare words `NaN`, `Infinity` and
`-Infinity`, which JSON does not have. Let through, they would be stored (PostgreSQL refuses them
in a json column with a server error; SQLite keeps text no other reader accepts) or compared as
numbers that are neither big nor small. Every API route reads its body through `StrictJSONRoute`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from web.errors import NonFiniteNumberError


def non_finite_paths(
    value: Any, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[str | int, ...]]:
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


class StrictJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            value = json.loads(await self.body())
            paths = list(non_finite_paths(value))
            if paths:
                raise NonFiniteNumberError(paths)
            self._json = value
        return self._json


class StrictJSONRoute(APIRoute):
    """An API route whose JSON body may hold only finite numbers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict_handler(request: Request) -> Response:
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return strict_handler
