"""The activities' pages: the timeline's fragments (a kind, the next page) and the task actions, small htmx posts
that answer with the task's new line (or a plain post that goes back where it came from)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response

from huitong.engine.api.support import PathId, platform_of
from huitong.engine.errors import FieldError, bad_request
from huitong.engine.formatting import from_local_input
from huitong.engine.i18n import _
from huitong.engine.platform import PagePart, Platform
from huitong.engine.web.pages import PageRoute, redirect, safe_next
from huitong.engine.web.session import PageUser, page_user
from huitong.modules.activities import fragments, task_actions, timeline, visits

pages = APIRouter(route_class=PageRoute, include_in_schema=False)


@pages.get("/activities/timeline/{object_name}/{record_id}")
def timeline_items(object_name: str, record_id: PathId, request: Request,
                   user: PageUser = Depends(page_user)) -> Response:  # fmt: skip
    """The timeline's items of one kind (or all) from page ``page`` on, for htmx to put in place."""
    kind = request.query_params.get("kind") or None
    page = request.query_params.get("page") or "1"
    platform = platform_of(request)
    if (kind is not None and kind not in timeline.filters(platform)) or not page.isdigit():
        raise bad_request(_("There is no such timeline."), [FieldError("kind", "invalid_value", _("Unknown kind."))])
    with platform.records.reading_object(user.actor, object_name) as (connection, actor, schema, definition):
        row = platform.records.visible_row(connection, schema, actor, definition, record_id)  # 404 if not theirs
        part = PagePart(platform, request, user, connection, actor, schema, definition, row)
        context = timeline.context_of(platform, connection, actor, schema, object_name, record_id, kind,
                                      max(1, min(int(page), 1000)), part)  # fmt: skip
        name = "activities_timeline_more.html" if int(page) > 1 else "activities_timeline_items.html"
        return fragments.response(platform, request, user, name, context)


async def action_form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def answer(request: Request, user: PageUser, task_id: int, form: dict[str, str], note: str) -> Response:
    """htmx: the task's line as it now is (or nothing, once deleted); a plain form: back where it came from."""
    platform = platform_of(request)
    if request.headers.get("hx-request") != "true":
        return redirect(request, safe_next(form.get("next") or f"/records/task/{task_id}"))
    with platform.records.reading(user.actor) as (connection, actor, schema):
        found = timeline.activities(platform, connection, actor, schema, "task",
                                    {"field": "id", "op": "eq", "value": task_id}, ["id"], 1)  # fmt: skip
        context = task_context(platform, PagePart(platform, request, user, connection, actor, schema), found)
        context["note"] = note
        return fragments.response(platform, request, user, "activities_task_line.html", context)


def task_context(platform: Platform, part: PagePart, found: list[dict[str, Any]]) -> dict[str, Any]:
    schema = part.schema
    return {"task": found[0] if found else None, "schema": schema, "now": platform.now(),
            "editable": {"task": platform.access.may(part.actor, schema.objects["task"], "edit")}}  # fmt: skip


@pages.post("/activities/tasks/{task_id}/complete")
async def complete(task_id: PathId, request: Request, user: PageUser = Depends(page_user)) -> Response:
    form = await action_form(request)
    await run_in_threadpool(task_actions.complete, platform_of(request), user.actor, task_id)
    return answer(request, user, task_id, form, _("Completed."))


@pages.post("/activities/tasks/{task_id}/postpone")
async def postpone(task_id: PathId, request: Request, user: PageUser = Depends(page_user)) -> Response:
    form = await action_form(request)
    by = form.get("by", "")
    at = None
    if by == "custom" and form.get("at"):
        try:
            at = datetime.fromisoformat(from_local_input(form["at"]))
        except ValueError:
            message = _("Give a date and time.")
            raise bad_request(message, [FieldError("at", "invalid_value", message)]) from None
    await run_in_threadpool(task_actions.postpone, platform_of(request), user.actor, task_id, by, user.zone, at)
    return answer(request, user, task_id, form, _("Postponed."))


@pages.post("/activities/tasks/{task_id}/delete")
async def delete(task_id: PathId, request: Request, user: PageUser = Depends(page_user)) -> Response:
    form = await action_form(request)
    await run_in_threadpool(task_actions.delete, platform_of(request), user.actor, task_id)
    if request.headers.get("hx-request") != "true":
        return redirect(request, safe_next(form.get("next") or "/records/task"))
    return HTMLResponse("")


def task_panel(part: PagePart) -> str | None:
    """On a task's own page: its actions (complete, postpone, follow up)."""
    assert part.record is not None
    context = task_context(part.platform, part, [dict(part.record)])
    context["plain"] = True  # plain posts: the page reloads, so its details show the change too
    return fragments.html(part.platform, part.request, part.user, "activities_task_panel.html", context)


@pages.post("/activities/events/{event_id}/check-in")
async def check_in(event_id: PathId, request: Request, user: PageUser = Depends(page_user)) -> Response:
    form = await action_form(request)
    await run_in_threadpool(visits.check_in, platform_of(request), user.actor, event_id, form.get("latitude"),
                            form.get("longitude"), form.get("address"))  # fmt: skip
    return redirect(request, f"/records/event/{event_id}")


@pages.post("/activities/events/{event_id}/check-out")
async def check_out(event_id: PathId, request: Request, user: PageUser = Depends(page_user)) -> Response:
    await action_form(request)
    await run_in_threadpool(visits.check_out, platform_of(request), user.actor, event_id)
    return redirect(request, f"/records/event/{event_id}")


def visit_panel(part: PagePart) -> str | None:
    """On a visit's page: check in and out."""
    assert part.record is not None
    event = part.record
    if event.get("kind") != "visit" and not event.get("check_in_at"):
        return None
    editable = part.platform.access.may(part.actor, part.schema.objects["event"], "edit")
    context = {"event": event, "editable": editable}
    return fragments.html(part.platform, part.request, part.user, "activities_visit_panel.html", context)
