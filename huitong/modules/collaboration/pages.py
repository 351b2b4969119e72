"""The module's pages: posting a comment from a record's timeline (htmx, CSRF from the page), the follow button,
the @ type-ahead's people, and the work circle feed with its post box."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response

from huitong.engine.api.support import PathId, json_response, platform_of
from huitong.engine.errors import HuitongError
from huitong.engine.platform import PagePart
from huitong.engine.web.pages import PageRoute, redirect, safe_next
from huitong.engine.web.render import navigation, render
from huitong.engine.web.session import PageUser, page_user
from huitong.modules.collaboration import feed, follows, fragments, service
from huitong.modules.collaboration.api import record_of

pages = APIRouter(route_class=PageRoute, include_in_schema=False)
TIMELINE_CHANGED = '{"huitong:timeline": true}'  # htmx reloads the record's timeline on this event


async def form_of(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def problems(error: HuitongError) -> list[str]:
    return [item.message for item in error.errors] or [error.detail]


def box(request: Request, user: PageUser, object_name: str, record_id: int, form: dict[str, str],
        errors: list[str]) -> Response:  # fmt: skip
    """The comment box again: empty once posted, or with what was written and why it was refused."""
    platform = platform_of(request)
    with platform.records.reading(user.actor) as (connection, actor, schema):
        comment = schema.objects.get("comment")
        context = {
            "object_name": object_name, "record_id": record_id, "errors": errors,
            "body": form.get("body", "") if errors else "", "mentions": form.get("mentions", "") if errors else "",
            "may_comment": comment is not None and platform.access.may(actor, comment, "create"),
            "following": follows.is_following(connection, schema, actor.user_id, object_name, record_id),
        }  # fmt: skip
    headers = {} if errors else {"HX-Trigger": TIMELINE_CHANGED}
    return fragments.response(platform, request, user, "collaboration_box_form.html", context, headers)


@pages.post("/collaboration/comments")
async def post_comment(request: Request, user: PageUser = Depends(page_user)) -> Response:
    form = await form_of(request)
    object_name, record_id = record_of(form)
    parent = form.get("parent", "")
    data = {"object": object_name, "record": record_id, "body": form.get("body", ""),
            "mentions": form.get("mentions", ""), "parent": int(parent) if parent.isdigit() else None}  # fmt: skip
    try:
        await run_in_threadpool(service.post, platform_of(request), user.actor, data)
    except HuitongError as error:
        if not is_htmx(request) or error.status != 422:
            raise
        return box(request, user, object_name, record_id, form, problems(error))
    if not is_htmx(request):
        return redirect(request, safe_next(form.get("next") or f"/records/{object_name}/{record_id}"))
    return box(request, user, object_name, record_id, form, [])


@pages.post("/collaboration/comments/{comment_id}/delete")
async def delete_comment(comment_id: PathId, request: Request, user: PageUser = Depends(page_user)) -> Response:
    """The author takes a comment back (to the recycle bin, as any record); htmx: the comment's place empties."""
    form = await form_of(request)
    await run_in_threadpool(service.delete, platform_of(request), user.actor, comment_id)
    if not is_htmx(request):
        return redirect(request, safe_next(form.get("next") or "/collaboration/feed"))
    return HTMLResponse("")


@pages.post("/collaboration/follow")
async def toggle_follow(request: Request, user: PageUser = Depends(page_user)) -> Response:
    form = await form_of(request)
    object_name, record_id = record_of(form)
    platform = platform_of(request)
    if form.get("action") == "unfollow":
        await run_in_threadpool(follows.unfollow, platform, user.actor, object_name, record_id)
    else:
        await run_in_threadpool(follows.follow, platform, user.actor, object_name, record_id)
    if not is_htmx(request):
        return redirect(request, safe_next(form.get("next") or f"/records/{object_name}/{record_id}"))
    context = {"object_name": object_name, "record_id": record_id, "following": form.get("action") != "unfollow"}
    return fragments.response(platform, request, user, "collaboration_follow.html", context)


@pages.get("/collaboration/people")
def people(request: Request, user: PageUser = Depends(page_user)) -> Response:
    """The @ type-ahead: ``?q=&object=&record=``."""
    params = request.query_params
    object_name, record_id = record_of(params) if params.get("object") else (None, None)
    found = service.people(platform_of(request), user.actor, params.get("q", ""), object_name, record_id)
    return json_response({"results": found})


@pages.get("/collaboration/feed")
def feed_page(request: Request, user: PageUser = Depends(page_user)) -> Response:
    """The work circle; with ``before`` (htmx), the next page's entries only."""
    platform = platform_of(request)
    cursor = feed.decode(request.query_params.get("before"))
    with platform.records.reading(user.actor) as (connection, actor, schema):
        part = PagePart(platform, request, user, connection, actor, schema)
        found = feed.page(part, cursor)
        comment = schema.objects.get("comment")
        context: dict[str, Any] = {
            "entries": found.entries, "next": feed.encode(found.next_cursor) if found.next_cursor else None,
            "first": cursor is None, "may_post": comment is not None and platform.access.may(actor, comment, "create"),
            "errors": [], "body": "",
        }  # fmt: skip
        if cursor is not None:
            return fragments.response(platform, request, user, "collaboration_feed_items.html", context)
        context["nav"] = navigation(platform, schema, actor)
    return render(request, "collaboration_feed.html", context, user=user)


@pages.post("/collaboration/posts")
async def post_to_colleagues(request: Request, user: PageUser = Depends(page_user)) -> Response:
    form = await form_of(request)
    data = {"body": form.get("body", ""), "mentions": form.get("mentions", "")}
    try:
        await run_in_threadpool(service.post, platform_of(request), user.actor, data)
    except HuitongError as error:
        if error.status != 422:
            raise
        platform = platform_of(request)
        with platform.records.reading(user.actor) as (connection, actor, schema):
            found = feed.page(PagePart(platform, request, user, connection, actor, schema), None)
            context = {"entries": found.entries, "next": feed.encode(found.next_cursor) if found.next_cursor else None,
                       "first": True, "may_post": True, "errors": problems(error), "body": form.get("body", ""),
                       "nav": navigation(platform, schema, actor)}  # fmt: skip
        return render(request, "collaboration_feed.html", context, user=user, status=422)
    return redirect(request, "/collaboration/feed")
