"""The API docs page (``/docs``): Swagger UI served from files shipped in this package.

No request of the page leaves the server: the Swagger UI bundle and stylesheet are
vendored (``vendor/``, with their licence), the page loads the app's own OpenAPI
spec, and its Content-Security-Policy allows only the server's own origin.

Assets are answered under ``/docs/assets/<digest>/<name>``, where ``<digest>`` is a
hash of every asset's bytes: a new version is a new URL, so browsers may cache
them for a year; the page itself is never cached.
"""

from __future__ import annotations

import hashlib
import html
from importlib.resources import files

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

VENDOR = "vendor/swagger-ui-dist-5.35.0"
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
CSP = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    # no 'unsafe-inline': Swagger UI styles elements through the DOM (React), which CSP allows;
    # the browser test fails on any refusal, so a version that needs more is caught
    "style-src 'self'",
    "img-src 'self' data:",  # the stylesheet's icons are data: URIs
    "connect-src 'self'",  # the spec and "Try it out" requests
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def _assets() -> dict[str, bytes]:
    here = files(__package__)
    vendor = here.joinpath(VENDOR)
    return {
        "swagger-ui-bundle.js": vendor.joinpath("swagger-ui-bundle.js").read_bytes(),
        "swagger-ui.css": vendor.joinpath("swagger-ui.css").read_bytes(),
        "init.js": here.joinpath("init.js").read_bytes(),
    }


def mount_docs(app: FastAPI, openapi_url: str, path: str = "/docs") -> None:
    """Serve the docs page at ``path`` and its assets below ``path/assets/``.

    The page loads the spec from ``openapi_url`` (prefixed with the request's
    ``root_path``, as FastAPI's own docs do). Unknown asset names answer ``404``.
    """
    assets = _assets()
    digest = hashlib.sha256(b"".join(hashlib.sha256(v).digest() for v in assets.values())).hexdigest()[:16]
    template = files(__package__).joinpath("docs.html").read_text(encoding="utf-8")
    title = html.escape(app.title)

    @app.get(path, include_in_schema=False)
    async def docs_page(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        page = template.format(title=title, assets=html.escape(f"{root}{path}/assets/{digest}"), openapi=html.escape(root + openapi_url))
        return HTMLResponse(page, headers={"Content-Security-Policy": CSP, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})

    @app.get(path + "/assets/{version}/{name}", include_in_schema=False)
    async def docs_asset(version: str, name: str) -> Response:
        body = assets.get(name)
        if body is None or version != digest:
            raise HTTPException(404, "no such docs asset")
        return Response(body, media_type=TYPES[name[name.rindex("."):]],
                        headers={"Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"})
