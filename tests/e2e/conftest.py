"""The end-to-end tests reuse the web layer's live server and API clients."""

from tests.web.conftest import api, live_server

__all__ = ["api", "live_server"]
