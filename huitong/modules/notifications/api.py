"""The notification centre's JSON API: one's own notifications, marking them read, one's channel choices.

Any signed-in user may use it whatever their profile: it only ever touches their own notifications (center.py).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from huitong.engine.api.support import PathId, current_actor, json_body, json_response, platform_of
from huitong.engine.errors import FieldError, bad_request
from huitong.engine.i18n import _
from huitong.engine.records.context import Actor
from huitong.modules.notifications import center, preferences

api = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])


def whole(raw: str | None, name: str, default: int, low: int, high: int) -> int:
    """A whole number from the query string within [low, high]; a 400 that names it otherwise."""
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        message = _("Give a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}
        raise bad_request(message, [FieldError(name, "invalid_value", message)])
    return int(raw)


def flag(raw: str | None, name: str) -> bool:
    if raw in (None, "", "false", "0"):
        return False
    if raw in ("true", "1"):
        return True
    message = _("Enter true or false.")
    raise bad_request(message, [FieldError(name, "invalid_value", message)])


@api.get("")
async def list_notifications(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    """``?unread=true&offset=0&limit=20``: the user's own notifications, newest first, in their language."""
    query = request.query_params
    unread = flag(query.get("unread"), "unread")
    offset = whole(query.get("offset"), "offset", 0, 0, 100_000)
    limit = whole(query.get("limit"), "limit", center.PAGE, 1, center.MAX_PAGE)
    answer = await run_in_threadpool(center.page, platform_of(request), actor, unread=unread, offset=offset,
                                     limit=limit)  # fmt: skip
    return json_response(answer)


@api.get("/unread-count")
async def unread(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    count, newest = await run_in_threadpool(center.unread_count, platform_of(request), actor)
    return json_response({"unread": count, "newest": newest})


@api.post("/read-all")
async def read_all(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    marked = await run_in_threadpool(center.mark_all_read, platform_of(request), actor)
    return json_response({"marked": marked})


@api.post("/{notification_id}/read")
async def read_one(notification_id: PathId, request: Request, actor: Actor = Depends(current_actor)) -> Response:
    return json_response(await run_in_threadpool(center.mark_read, platform_of(request), actor, notification_id))


@api.get("/preferences")
async def read_preferences(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    found = await run_in_threadpool(preferences.load, platform_of(request), actor.user_id)
    return json_response(found.as_json())


@api.put("/preferences")
async def write_preferences(request: Request, body: Any = Depends(json_body),
                            actor: Actor = Depends(current_actor)) -> Response:  # fmt: skip
    """``{"channels": {"mention": ["in_app", "email"], …}, "birthday_time": "08:30"}``; kinds not named keep theirs."""
    saved = await run_in_threadpool(preferences.save, platform_of(request), actor, body)
    return json_response(saved.as_json())
