"""The global search box: hits as you type, grouped by object, through the same search the API serves."""

from __future__ import annotations

from itertools import groupby

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from huitong.engine.api.support import platform_of
from huitong.engine.i18n import localized
from huitong.engine.search.query import search
from huitong.engine.web.pages import PageRoute
from huitong.engine.web.render import navigation, render
from huitong.engine.web.session import PageUser, page_user

router = APIRouter(route_class=PageRoute, include_in_schema=False)
AS_YOU_TYPE = 5  # per object
PAGE = 50  # per object, the most the search serves


@router.get("/search")
async def search_page(request: Request, q: str = "", user: PageUser = Depends(page_user)) -> Response:
    """A fragment under the box for htmx; the whole page (more hits) when the search is opened on its own."""
    platform = platform_of(request)
    partial = request.headers.get("hx-request") == "true"
    text = q.strip()[:100]
    hits = (
        await run_in_threadpool(search, platform.records, user.actor, text, AS_YOU_TYPE if partial else PAGE)
        if text
        else []
    )
    with platform.records.reading(user.actor) as (_connection, actor, schema):
        groups = [
            (localized(schema.objects[name].plural_label, localized(schema.objects[name].label, name)), list(found))
            for name, found in groupby(sorted(hits, key=lambda hit: hit.object), key=lambda hit: hit.object)
            if name in schema.objects
        ]
        context = {"groups": groups, "q": text, "nav": [] if partial else navigation(platform, schema, actor)}
    return render(request, "search_results.html" if partial else "search.html", context, user=user)
