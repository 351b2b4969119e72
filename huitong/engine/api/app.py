"""The ASGI application: generic routes for every object, modules' routers, errors as problem+json."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from huitong import __version__
from huitong.engine.api import (
    routes_auth,
    routes_meta,
    routes_records,
    routes_search,
    routes_security,
    routes_sharing,
)
from huitong.engine.api.openapi import build_openapi
from huitong.engine.api.support import LocaleMiddleware, install_error_handlers, json_response, platform_of
from huitong.engine.platform import Platform
from huitong.engine.web.routes import ROUTERS as PAGE_ROUTERS

STATIC = Path(__file__).resolve().parent.parent.parent / "static"


def create_app(platform: Platform) -> FastAPI:
    app = FastAPI(title="Huitong CRM", version=__version__, openapi_url=None, docs_url=None, redoc_url=None)
    app.state.platform = platform
    app.add_middleware(LocaleMiddleware)
    install_error_handlers(app)
    app.include_router(routes_auth.router)
    app.include_router(routes_meta.router)
    app.include_router(routes_records.router)
    app.include_router(routes_security.router)
    app.include_router(routes_sharing.router)
    app.include_router(routes_search.router)
    for module in platform.modules:
        for router in module.routers:
            app.include_router(router)
    app.add_api_route("/api/v1/openapi.json", openapi_document, methods=["GET"])
    app.add_api_route("/api/docs", api_docs, methods=["GET"])
    for router in PAGE_ROUTERS:
        app.include_router(router)
    if STATIC.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def openapi_document(request: Request) -> Response:
    platform = platform_of(request)
    with platform.db.read() as connection:
        schema = platform.cache.current(connection)
    return json_response(build_openapi(schema))


def api_docs() -> Response:
    return get_swagger_ui_html(
        openapi_url="/api/v1/openapi.json",
        title="Huitong CRM API",
        swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
    )
