"""The dashboard's web pages: server-rendered Jinja2 shells with Alpine.js for what moves.

Front-end approach (one for every page: ``/agent``, ``/admin``, ``/wallboard``):

* a page is a Jinja2 template under ``templates/`` extending ``base.html``; its live parts
  are Alpine.js components (``static/*.js``) that call the REST API with the user's bearer
  token and follow the WebSocket event channel. No build step.
* Every asset is served by this app -- nothing from a CDN (the machines have no internet).
  Libraries come from npm (``package.json`` here, installed by ``make install`` into
  ``node_modules/``) and are served under ``/static/vendor/<name>`` from the whitelist
  ``VENDOR_FILES``; our own files under ``/static/``.
* The interactive API docs (``/docs``) use the same local Swagger UI assets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "node_modules"

# Public name under /static/vendor/ -> the file in node_modules. Only these are served.
VENDOR_FILES: dict[str, str] = {
    "alpine.js": "alpinejs/dist/cdn.min.js",
    "chart.js": "chart.js/dist/chart.umd.min.js",
    "swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
    "swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
    "swagger-favicon.png": "swagger-ui-dist/favicon-32x32.png",
}

templates = Jinja2Templates(directory=str(HERE / "templates"))


def page(request: Request, template: str, **context: Any) -> HTMLResponse:
    """Render one of the page shells (``templates/<template>``)."""
    return templates.TemplateResponse(request, template, context)


def install(app: FastAPI) -> None:
    """Mount the static files, the vendor whitelist and the local API docs on ``app``
    (created with ``docs_url=None``)."""

    @app.get("/static/vendor/{name}", include_in_schema=False)
    def vendor(name: str) -> FileResponse:
        relative = VENDOR_FILES.get(name)
        path = NODE_MODULES / relative if relative else None
        if path is None or not path.is_file():
            # Unknown names are 404; a known one missing means `make install` was not run.
            raise HTTPException(404, f"no vendor asset {name!r} (run `make install`)")
        return FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - API",
            swagger_js_url="/static/vendor/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui.css",
            swagger_favicon_url="/static/vendor/swagger-favicon.png",
        )
