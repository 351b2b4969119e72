"""What every route uses: JSON in and out, problem+json errors, the signed-in actor, the request's locale."""

from __future__ import annotations

import logging
from typing import Annotated, Any

import orjson
from fastapi import Path, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from huitong.engine.errors import FieldError, HuitongError, bad_request, unauthorized
from huitong.engine.i18n import _, current_locale, negotiate
from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor
from huitong.engine.security import sessions
from huitong.engine.security.users import actor_for_token

log = logging.getLogger("huitong.api")
MAX_BODY = 64 * 1024 * 1024
PROBLEM = "application/problem+json"
# An id in a path: one JSON clients can hold exactly, as the document says; anything else is a bad request (400),
# not a database error.
PathId = Annotated[int, Path(ge=1, le=2**53 - 1)]


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)


def problem_response(error: HuitongError) -> Response:
    body = {
        "type": f"/problems/{error.code}",
        "title": error.title(),
        "status": error.status,
        "detail": error.detail,
        "code": error.code,
        "errors": [item.as_json() for item in error.errors],
        **error.extra,
    }
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    return Response(orjson.dumps(body), status_code=error.status, media_type=PROBLEM, headers=headers)


def platform_of(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


async def json_body(request: Request) -> Any:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise HuitongError(_("The request body is too large."), status=413, code="too_large")
    if not raw.strip():
        raise bad_request(_("Send a JSON body."), code="invalid_json")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise bad_request(_("The body is not valid JSON."), code="invalid_json") from None


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def current_actor(request: Request) -> Actor:
    """The user of an API token (``Authorization: Bearer``) or of a browser session cookie."""
    platform = platform_of(request)
    header = request.headers.get("authorization", "")
    scheme, _sep, token = header.partition(" ")
    cookie = request.cookies.get(sessions.COOKIE)
    if scheme.lower() == "bearer" and token.strip():
        with platform.db.read() as connection:
            return actor_for_token(connection, token.strip(), now=platform.now())
    if cookie:
        with platform.db.read() as connection:
            return sessions.actor_for_session(
                connection, cookie, now=platform.now(), csrf=request.headers.get("x-csrf-token"),
                unsafe=request.method not in SAFE_METHODS,
            )  # fmt: skip
    raise unauthorized()


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise HuitongError(_("Only administrators may do this."), status=403, code="forbidden")


class LocaleMiddleware:
    """Serve each request in the language its Accept-Language asks for (zh_CN or en)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = dict(scope.get("headers") or []).get(b"accept-language", b"").decode("latin-1")
        token = current_locale.set(negotiate(header))
        try:
            await self.app(scope, receive, send)
        finally:
            current_locale.reset(token)


def install_error_handlers(app: Any) -> None:
    @app.exception_handler(HuitongError)
    async def on_huitong_error(_request: Request, error: HuitongError) -> Response:
        return problem_response(error)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(_request: Request, error: RequestValidationError) -> Response:
        errors = [
            FieldError(
                ".".join(str(part) for part in item.get("loc", ())[1:]) or None,
                "invalid_parameter",
                _("This value is not valid here."),
            )
            for item in error.errors()
        ]
        return problem_response(
            bad_request(_("A parameter of the request is not valid."), errors, code="invalid_parameter")
        )

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(_request: Request, error: StarletteHTTPException) -> Response:
        detail = {404: _("There is nothing at this address."), 405: _("This method is not allowed here.")}
        return problem_response(
            HuitongError(
                detail.get(error.status_code, _("The request cannot be served.")),
                status=error.status_code,
                code="http_error",
            )
        )

    @app.exception_handler(Exception)
    async def on_unexpected(_request: Request, error: Exception) -> Response:
        log.exception("unexpected error", exc_info=error)
        return problem_response(
            HuitongError(_("Something went wrong on our side; it has been logged."), status=500, code="internal_error")
        )
