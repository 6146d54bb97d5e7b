"""``create_app(store, settings)``: the portal, feeds, sitemaps and JSON API as one FastAPI app.

Cross-cutting concerns live here: security headers (a strict CSP: no inline script, nothing
from another origin except article images), gzip, the error pages/bodies, static files and the
self-hosted API docs.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bawaba.config import Settings
from bawaba.errors import BawabaError, NotFoundError
from bawaba.store.base import Store
from bawaba.web import api, feeds, pages, search, stories
from bawaba.web.cache import PageCache
from bawaba.web.context import BadCursor, Portal

CSP = (
    "default-src 'self'; img-src 'self' data: http: https:; script-src 'self'; style-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
]
STATIC_CACHE = (b"cache-control", b"public, max-age=86400")


class SecurityHeaders:
    """Pure ASGI middleware (no per-request task like BaseHTTPMiddleware) adding the headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith(("/static/", "/api/docs/assets/"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
                if static and b"cache-control" not in present:
                    headers.append(STATIC_CACHE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_json(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"status": status, "message": message}}, status_code=status)


def _swagger_dir() -> Path | None:
    """Swagger UI's assets from the ``swagger-ui-bundle`` package, when installed."""
    try:
        import swagger_ui_bundle
    except ImportError:
        return None
    path = Path(swagger_ui_bundle.swagger_ui_path)
    return path if (path / "swagger-ui-bundle.js").is_file() else None


def create_app(store: Store, settings: Settings) -> FastAPI:
    portal = Portal(store=store, settings=settings, cache=PageCache(settings.web_cache_s))
    app = FastAPI(
        title=f"{settings.site_name} API",
        version="1",
        description="Articles, sources, categories and counters of the portal (read-only).",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    # Swagger UI 4 (the locally bundled one) renders only OpenAPI 3.0 documents; the schema
    # FastAPI generates for these simple read-only operations is valid 3.0 apart from nullables.
    app.openapi_version = "3.0.3"
    app.state.portal = portal

    def not_found_page(request: Request, status: int = 404) -> Response:
        path = request.url.path
        body = portal.env.get_template("404.html").render(canonical=path, rss="/feed.xml", atom="/atom.xml")
        return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})

    @app.exception_handler(pages.PageNotFound)
    @app.exception_handler(feeds.FeedNotFound)
    @app.exception_handler(NotFoundError)
    async def missing(request: Request, exc: Exception) -> Response:
        if _is_api(request):
            return _error_json(404, "not found")
        return not_found_page(request)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request) or exc.status_code != 404:
            response = _error_json(exc.status_code, str(exc.detail))
            if exc.headers:
                response.headers.update(exc.headers)
            return response
        return not_found_page(request)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err.get('loc', ()))}: {err.get('msg', 'invalid')}"
            for err in exc.errors()
        )
        if _is_api(request):
            return _error_json(422, problems or "invalid parameters")
        in_path = any(err.get("loc", ("",))[0] == "path" for err in exc.errors())
        return not_found_page(request, 404 if in_path else 422)

    @app.exception_handler(BadCursor)
    async def bad_cursor(request: Request, exc: BadCursor) -> Response:
        if _is_api(request):
            return _error_json(422, "invalid cursor")
        return not_found_page(request)

    @app.exception_handler(BawabaError)
    async def store_failure(request: Request, exc: BawabaError) -> Response:
        if _is_api(request):
            return _error_json(503, "the store is unavailable")
        return HTMLResponse("<h1>الخدمة غير متاحة مؤقتا</h1>", status_code=503)

    app.include_router(pages.build_router(portal))
    app.include_router(feeds.build_router(portal))
    app.include_router(api.build_router(portal))
    app.include_router(stories.build_router(portal))
    app.include_router(search.build_router(portal))

    app.mount("/static", StaticFiles(directory=str(files("bawaba.web").joinpath("static"))), name="static")
    swagger = _swagger_dir()
    if swagger is not None:
        app.mount("/api/docs/assets", StaticFiles(directory=str(swagger)), name="swagger")

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        operations: list[dict[str, Any]] = [
            {"method": method.upper(), "path": path, "summary": op.get("summary", "")}
            for path, item in app.openapi()["paths"].items()
            for method, op in item.items()
        ]
        body = portal.env.get_template("api_docs.html").render(
            swagger=swagger is not None,
            operations=operations,
            canonical="/api/docs",
            rss="/feed.xml",
            atom="/atom.xml",
        )
        return HTMLResponse(body)

    app.add_middleware(GZipMiddleware, minimum_size=800)
    app.add_middleware(SecurityHeaders)
    return app
