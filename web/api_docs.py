"""The interactive API documentation at /api/v1/docs, served without the internet.

Swagger UI's script and stylesheet (Swagger UI 5, which reads the OpenAPI 3.1 FastAPI writes)
come from the `fastapi-offline` package, which ships them for this purpose (mounted at
`/static/swagger-ui`), and the page starts it with `/static/swagger-init.js`: FastAPI's own docs
page loads them from a CDN and starts them with an inline script, which the
Content-Security-Policy (web.middleware) refuses.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Final

import fastapi_offline
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_URL: Final = "/api/v1/docs"
ASSETS_URL: Final = "/static/swagger-ui"
SWAGGER_UI_FILES: Final = Path(fastapi_offline.__file__).parent / "static"

_PAGE: Final = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{title}</title>
  <link rel="stylesheet" href="{assets}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
  <script src="{assets}/swagger-ui-bundle.js"></script>
  <script src="/static/swagger-init.js"></script>
</body>
</html>
"""


def install_api_docs(app: FastAPI) -> None:
    """Serve the docs page and Swagger UI's files; call before mounting `/static` itself, so
    `/static/swagger-ui` is matched first. The app must be built with `docs_url=None`."""
    app.mount(ASSETS_URL, StaticFiles(directory=SWAGGER_UI_FILES), name="swagger-ui")
    page = _PAGE.format(
        title=escape(f"{app.title} API"),
        assets=ASSETS_URL,
        openapi_url=escape(app.openapi_url or ""),
    )

    @app.get(DOCS_URL, include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return HTMLResponse(page)
