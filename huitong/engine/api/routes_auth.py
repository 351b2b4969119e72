"""Signing in: API tokens for programs, cookie sessions for browsers, and managing one's tokens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from huitong.engine.api.support import PathId, current_actor, json_body, json_response, platform_of
from huitong.engine.errors import FieldError, bad_request, forbidden, validation_failed
from huitong.engine.i18n import _
from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor
from huitong.engine.security import sessions
from huitong.engine.security.users import SignIn, authenticate, create_token, list_tokens, revoke_token, token_owner

router = APIRouter(prefix="/api/v1")


def sign_in(platform: Platform, request: Request, body: Any, start: Any) -> Any:
    """Check the credentials; on success run ``start(connection, user_id)`` in the same transaction.

    A failed attempt is committed (history, lock-out counter) before it is refused.
    """
    if not isinstance(body, dict):
        raise bad_request(_("Send a JSON object."))

    def work() -> Any:
        with platform.db.write() as connection:
            outcome = authenticate(
                connection, body.get("username"), body.get("password"), now=platform.now(),
                address=request.client.host if request.client else None, user_agent=request.headers.get("user-agent"),
            )  # fmt: skip
            if outcome.reason is not None:
                return outcome
            return start(connection, outcome.raise_if_failed())

    return work


@router.post("/auth/token")
async def issue_token(request: Request, body: Any = Depends(json_body)) -> Response:
    platform = platform_of(request)
    result = await run_in_threadpool(
        sign_in(platform, request, body, lambda c, user: create_token(c, user, "sign-in", platform.settings.token_days))
    )
    if isinstance(result, SignIn):
        result.raise_if_failed()
    return json_response({"token": result})


@router.post("/auth/session")
async def open_session(request: Request, body: Any = Depends(json_body)) -> Response:
    """Sign a browser in: sets the session cookie and answers the CSRF token to send with every change."""
    platform = platform_of(request)
    result = await run_in_threadpool(sign_in(platform, request, body, session_starter(platform, request)))
    if isinstance(result, SignIn):
        result.raise_if_failed()
    cookie, csrf = result
    return with_session_cookies(json_response({"csrf_token": csrf}), request, cookie, csrf)


def session_starter(platform: Platform, request: Request) -> Callable[[Any, int], tuple[str, str]]:
    """What a successful sign-in does for a browser: open a session (cookie value, CSRF token)."""

    def start(connection: Any, user_id: int) -> tuple[str, str]:
        return sessions.open_session(
            connection, user_id, now=platform.now(), address=request.client.host if request.client else None,
            user_agent=request.headers.get("user-agent"),
        )  # fmt: skip

    return start


def with_session_cookies(response: Response, request: Request, cookie: str, csrf: str) -> Response:
    """The session cookie (HttpOnly) and the CSRF token's cookie (readable by the page's script)."""
    secure = request.url.scheme == "https"
    lifetime = int(sessions.LIFETIME.total_seconds())
    response.set_cookie(sessions.COOKIE, cookie, max_age=lifetime, httponly=True, samesite="lax", secure=secure)
    response.set_cookie(sessions.CSRF_COOKIE, csrf, max_age=lifetime, httponly=False, samesite="lax", secure=secure)
    return response


@router.post("/auth/logout")
def close_session(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    platform = platform_of(request)
    cookie = request.cookies.get(sessions.COOKIE)
    if cookie:
        with platform.db.write() as connection:
            sessions.close_session(connection, cookie, now=platform.now())
    response = Response(status_code=204)
    response.delete_cookie(sessions.COOKIE)
    response.delete_cookie(sessions.CSRF_COOKIE)
    return response


@router.get("/auth/tokens")
def my_tokens(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    """One's own API tokens; an administrator may ask for everyone's with ``?all=true``."""
    everyone = request.query_params.get("all") == "true"
    if everyone and not actor.is_admin:
        raise forbidden()
    with platform_of(request).db.read() as connection:
        return json_response({"tokens": list_tokens(connection, None if everyone else actor.user_id)})


@router.post("/auth/tokens")
def new_token(request: Request, body: Any = Depends(json_body), actor: Actor = Depends(current_actor)) -> Response:
    """A token for a program acting as oneself; it is shown once."""
    name, days = (body.get("name"), body.get("days")) if isinstance(body, dict) else (None, None)
    if not isinstance(name, str) or not name.strip() or len(name) > 150:
        raise validation_failed([FieldError("name", "invalid_name", _("A name has 1 to 150 characters."))])
    if days is not None and (not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 3650):
        raise validation_failed([FieldError("days", "invalid", _("days is a whole number from 1 to 3650."))])
    platform = platform_of(request)
    with platform.db.write() as connection:
        token = create_token(connection, actor.user_id, name.strip(), days or platform.settings.token_days)
    return json_response({"token": token}, status=201)


@router.delete("/auth/tokens/{token_id}")
def remove_token(token_id: PathId, request: Request, actor: Actor = Depends(current_actor)) -> Response:
    with platform_of(request).db.write() as connection:
        if token_owner(connection, token_id) != actor.user_id and not actor.is_admin:
            raise forbidden()
        revoke_token(connection, token_id)
    return Response(status_code=204)
