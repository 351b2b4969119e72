"""The module's JSON API: a record's comments, posting one, following, and the work circle feed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from huitong.engine.api.support import current_actor, json_body, json_response, platform_of
from huitong.engine.errors import FieldError, bad_request
from huitong.engine.i18n import _
from huitong.engine.platform import PagePart
from huitong.engine.records.context import Actor
from huitong.modules.collaboration import entries, feed, follows, service

api = APIRouter(prefix="/api/v1/collaboration", tags=["collaboration"])
MAX_ID = 2**53 - 1


def record_of(params: Any, object_key: str = "object", record_key: str = "record") -> tuple[str, int]:
    """``object`` and ``record`` from a query or body: a name and an id (400 naming the one that is wrong)."""
    object_name, record = params.get(object_key), params.get(record_key)
    if not isinstance(object_name, str) or not object_name:
        raise bad_request(_("Name the object."), [FieldError(object_key, "required", _("Name the object."))])
    text = str(record) if isinstance(record, int | str) and not isinstance(record, bool) else ""
    if not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        raise bad_request(
            _("Give the record's id."), [FieldError(record_key, "invalid_value", _("Give the record's id."))]
        )
    return object_name, int(text)


def limit_of(raw: str | None, default: int, most: int) -> int:
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= most:
        message = _("limit is a whole number from 1 to %(most)s.") % {"most": most}
        raise bad_request(message, [FieldError("limit", "invalid_value", message)])
    return int(raw)


@api.get("/comments")
async def list_comments(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    """A record's comments, newest first: ``?object=account&record=12&limit=&cursor=``."""
    params = request.query_params
    object_name, record_id = record_of(params)
    limit = limit_of(params.get("limit"), service.LIMIT, 200)
    cursor = feed.decode(params.get("cursor"))
    found, more = await run_in_threadpool(service.of_record, platform_of(request), actor, object_name, record_id,
                                          cursor, limit)  # fmt: skip
    return json_response({"comments": found, "next_cursor": feed.encode(more) if more else None})


@api.post("/comments")
async def post_comment(request: Request, body: Any = Depends(json_body),
                       actor: Actor = Depends(current_actor)) -> Response:  # fmt: skip
    """``{"body", "object", "record", "mentions": [user ids], "parent"}``; leave out object and record to post to
    colleagues. 422 names each mentioned person who may not read the record."""
    if not isinstance(body, dict):
        raise bad_request(_("Send a JSON object."), [FieldError(None, "invalid_body", _("Send a JSON object."))])
    data = dict(body)
    if data.get("object") is not None or data.get("record") is not None:
        data["object"], data["record"] = record_of(data)
    values = await run_in_threadpool(service.post, platform_of(request), actor, data)
    return json_response(entries.as_json(values), 201)


@api.post("/follow")
async def follow(request: Request, body: Any = Depends(json_body), actor: Actor = Depends(current_actor)) -> Response:
    """``{"object", "record"}``: follow a record one may read (again: nothing changes)."""
    object_name, record_id = record_of(body if isinstance(body, dict) else {})
    added = await run_in_threadpool(follows.follow, platform_of(request), actor, object_name, record_id)
    return json_response({"object": object_name, "record": record_id, "following": True}, 201 if added else 200)


@api.delete("/follow")
async def unfollow(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    """``?object=&record=`` (or the same JSON body): stop following."""
    raw = await request.body()
    params: Any = dict(request.query_params)
    if raw.strip() and not params:
        params = await json_body(request)
    object_name, record_id = record_of(params if isinstance(params, dict) else {})
    await run_in_threadpool(follows.unfollow, platform_of(request), actor, object_name, record_id)
    return Response(status_code=204)


@api.get("/feed")
async def read_feed(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    """The work circle, newest first: ``?limit=&cursor=``. Entries: ``kind`` (comment, change, or another
    module's: task, event, call, note), ``id``, ``when``, ``object`` and ``record``; a comment's text and author, a
    change's field and values."""
    params = request.query_params
    limit = limit_of(params.get("limit"), feed.PAGE, 100)
    cursor = feed.decode(params.get("cursor"))
    platform = platform_of(request)

    def read() -> dict[str, Any]:
        with platform.records.reading(actor) as (connection, bound, schema):
            part = PagePart(platform, request, None, connection, bound, schema)
            found = feed.page(part, cursor, limit)
            return {"entries": [feed.as_json(entry, found.details) for entry in found.entries],
                    "next_cursor": feed.encode(found.next_cursor) if found.next_cursor else None}  # fmt: skip

    return json_response(await run_in_threadpool(read))
