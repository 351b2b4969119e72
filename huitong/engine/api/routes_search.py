"""Global search: ``GET /api/v1/search?q=zs&limit=20`` — records of every object the user may read, by object."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from huitong.engine.api.support import current_actor, json_response, platform_of
from huitong.engine.errors import FieldError, bad_request
from huitong.engine.i18n import _
from huitong.engine.records.context import Actor
from huitong.engine.search.query import DEFAULT_LIMIT, MAX_LIMIT, search

router = APIRouter(prefix="/api/v1")


@router.get("/search")
async def search_records(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    params = request.query_params
    unknown = sorted(set(params) - {"q", "limit", "objects"})
    if unknown:
        raise bad_request(_("Unknown parameter."), [FieldError(unknown[0], "unknown_key", _("Unknown parameter."))])
    limit_text = params.get("limit", str(DEFAULT_LIMIT))
    if not (limit_text.isascii() and limit_text.isdigit()) or not 1 <= int(limit_text) <= MAX_LIMIT:
        message = _("limit is a whole number from 1 to %(limit)s.") % {"limit": MAX_LIMIT}
        raise bad_request(message, [FieldError("limit", "invalid_limit", message)])
    objects = params.get("objects")
    names = [name.strip() for name in objects.split(",") if name.strip()] if objects is not None else None
    hits = await run_in_threadpool(
        search, platform_of(request).records, actor, params.get("q", ""), int(limit_text), names
    )
    return json_response({"results": [hit.as_json() for hit in hits]})
