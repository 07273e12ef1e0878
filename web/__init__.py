"""Adapters over the engine: the REST API, the server-rendered pages and the `riskdesk` CLI.

Nothing imports `web`. Build the application with `create_app(settings)` at startup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from web.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    # Imported on first use, so `riskdesk --help` does not load FastAPI.
    if name == "create_app":
        from web.app import create_app

        return create_app
    raise AttributeError(f"module 'web' has no attribute '{name}'")
