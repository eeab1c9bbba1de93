"""The OpenAPI page at /docs: Swagger UI served from the installed package, under a strict CSP.

FastAPI's own page loads Swagger UI from a CDN and starts it with an inline script, which a
strict Content-Security-Policy cannot allow. Here the page, its script and its start-up code
are all files of this origin: the assets are the ones the ``fastapi-offline`` package ships
(the same files the CDN serves), and ``script-src 'self'`` is the whole script policy.
"""

from __future__ import annotations

import html
import json
from functools import cache
from importlib import resources

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from fincast.api.problems import responses
from fincast.errors import NotFoundError

#: What /docs may load: its own files, pictures inlined in the stylesheet, the API itself.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon.png": "image/png",
}
_ASSET_CACHE = "public, max-age=86400"

router = APIRouter(include_in_schema=False)


@cache
def _asset(name: str) -> bytes:
    return resources.files("fastapi_offline").joinpath("static", name).read_bytes()


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


@router.get("/docs")
def docs_page(request: Request) -> HTMLResponse:
    """The Swagger UI page for this API's OpenAPI schema."""
    root = html.escape(_root(request), quote=True)
    title = html.escape(f"{request.app.title} - Swagger UI")
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" type="text/css" href="{root}/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="{root}/docs/assets/favicon.png">
<title>{title}</title>
</head>
<body>
<div id="swagger-ui"></div>
<script src="{root}/docs/assets/swagger-ui-bundle.js"></script>
<script src="{root}/docs/init.js"></script>
</body>
</html>
"""
    return HTMLResponse(page, headers={"Content-Security-Policy": DOCS_CSP})


@router.get("/docs/init.js")
def docs_init(request: Request) -> Response:
    """The script that starts Swagger UI (a file, so the page needs no inline script)."""
    openapi = json.dumps(f"{_root(request)}{request.app.openapi_url}")
    script = f"""window.ui = SwaggerUIBundle({{
  url: {openapi},
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
}});
"""
    return Response(script, media_type="text/javascript; charset=utf-8")


@router.get("/docs/assets/{name}", responses=responses(404))
def docs_asset(name: str) -> Response:
    """One of Swagger UI's files."""
    media_type = _ASSETS.get(name)
    if media_type is None:
        raise NotFoundError(f"no docs asset {name!r}")
    return Response(_asset(name), media_type=media_type, headers={"Cache-Control": _ASSET_CACHE})
