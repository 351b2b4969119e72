"""Announcements on screen: the list (newest first, with one's own read state and, for the author and
administrators, how many have read it), a form to write one to the company or to departments, the card on an
announcement's page (its text as HTML and the read receipts), and the receipts through the API.

Viewing an announcement's page counts as reading it: the page marks the viewer's notification about it read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Depends, Request
from markupsafe import Markup
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from huitong.engine.api.support import PathId, current_actor, json_response, platform_of
from huitong.engine.errors import HuitongError, forbidden
from huitong.engine.i18n import _, current_locale
from huitong.engine.meta.types.rich import clean_html
from huitong.engine.platform import PagePart, Platform
from huitong.engine.query.listing import Listing
from huitong.engine.records.context import Actor
from huitong.engine.security.tables import departments
from huitong.engine.web import cells
from huitong.engine.web.pages import PageRoute, redirect
from huitong.engine.web.render import environment, navigation, render
from huitong.engine.web.session import PageUser, page_user
from huitong.modules.notifications import announcements, center

api = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])
pages = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE = 20
FIELDS = ["id", "title", "published_at", "audience", "owner", "audience_size", "status"]


def may_see_receipts(actor: Actor, announcement: Mapping[str, Any]) -> bool:
    return actor.is_admin or announcement.get("owner") == actor.user_id


def receipts_of(platform: Platform, actor: Actor, announcement_id: int) -> dict[str, Any]:
    """The receipts of an announcement the actor may read (404 otherwise) and wrote or administers (403)."""
    with platform.records.reading_object(actor, "announcement") as (connection, bound, schema, definition):
        row = platform.records.visible_row(connection, schema, bound, definition, announcement_id)
        if not may_see_receipts(bound, row):
            raise forbidden(_("Only its author and administrators see who has read an announcement."))
        table = platform.cache.current(connection).table("notification")
        return {"announcement": announcement_id, **announcements.receipts(connection, table, announcement_id)}


@api.get("/announcements/{announcement_id}/receipts")
async def read_receipts(announcement_id: PathId, request: Request, actor: Actor = Depends(current_actor)) -> Response:
    return json_response(await run_in_threadpool(receipts_of, platform_of(request), actor, announcement_id))


@pages.get("/announcements")
def announcements_page(request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform = platform_of(request)
    raw = request.query_params.get("page") or "1"
    number = max(1, min(int(raw), 5000)) if raw.isdigit() else 1
    with platform.records.reading_object(user.actor, "announcement") as (connection, actor, schema, definition):
        request_body = {"filter": {"field": "status", "op": "eq", "value": "published"}, "fields": FIELDS,
                        "sort": ["-published_at", "-id"], "limit": PAGE, "offset": (number - 1) * PAGE,
                        "count": True}  # fmt: skip
        answer = Listing(schema, definition, actor, platform.access, platform.filter_env(), request_body).run(
            connection
        )
        rows = answer["records"]
        table = platform.cache.current(connection).table("notification")
        ids = [row["id"] for row in rows]
        mine = {
            int(found.target_id): found.read_at
            for found in connection.execute(
                select(table.c.target_id, table.c.read_at).where(
                    table.c.owner == actor.user_id, table.c.target_object == "announcement",
                    table.c.target_id.in_(ids), table.c.deleted_at.is_(None),
                )
            )
        }  # fmt: skip
        counts = {
            row["id"]: announcements.receipts(connection, table, row["id"])
            for row in rows
            if may_see_receipts(actor, row)
        }
        context = {
            "rows": rows, "mine": mine, "counts": counts, "number": number,
            "more": number * PAGE < int(answer.get("total") or 0),
            "names": cells.user_names(connection, [row.get("owner") for row in rows]),
            "may_create": platform.access.may(actor, definition, "create"),
            "nav": navigation(platform, schema, actor),
        }  # fmt: skip
    return render(request, "announcements_list.html", context, user=user)


def department_choices(platform: Platform) -> list[tuple[int, str, int]]:
    """(id, name, depth) in tree order, for the audience checkboxes."""
    with platform.db.read() as connection:
        rows = connection.execute(select(departments.c.id, departments.c.name, departments.c.path)).all()
    return [(int(row.id), row.name, row.path.count("/") - 2) for row in sorted(rows, key=lambda row: row.path)]


@pages.get("/announcements/new")
def new_announcement(request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform = platform_of(request)
    with platform.records.reading_object(user.actor, "announcement", "create") as (_c, actor, schema, _d):
        nav = navigation(platform, schema, actor)
    context = {"departments": department_choices(platform), "values": {"audience": "company"}, "nav": nav}
    return render(request, "announcements_form.html", context, user=user)


@pages.post("/announcements")
async def create_announcement(request: Request, user: PageUser = Depends(page_user)) -> Response:
    form = await request.form()
    platform = platform_of(request)
    values = {
        "title": str(form.get("title") or ""),
        "body": str(form.get("body") or ""),
        "audience": str(form.get("audience") or "company"),
        "departments": ",".join(str(value) for value in form.getlist("departments")),
        "status": "draft" if form.get("draft") else "published",
    }
    try:
        created = await run_in_threadpool(platform.records.create, user.actor, "announcement", values)
    except HuitongError as error:
        if error.status != 422:
            raise
        with platform.records.reading(user.actor) as (_connection, actor, schema):
            nav = navigation(platform, schema, actor)
        context = {"departments": department_choices(platform), "values": values, "error": error, "nav": nav,
                   "chosen": {int(str(v)) for v in form.getlist("departments") if str(v).isdigit()}}  # fmt: skip
        return render(request, "announcements_form.html", context, user=user, status=422)
    return redirect(request, f"/records/announcement/{created.values['id']}")


def panel(part: PagePart) -> str | None:
    """On an announcement's page: its text as HTML, and who has read it (to its author and administrators). The
    viewer's own notification about it is marked read: they are reading it."""
    assert part.record is not None
    record = dict(part.record)
    platform = part.platform
    table = platform.cache.current(part.connection).table("notification")
    context = {
        "announcement": record,
        # the page marks it read once shown (a post from the browser: the record page is drawn inside its own
        # transaction, which a second writer would wait for on SQLite)
        "unread": announcements.count_unread(part.connection, table, part.actor.user_id, int(record["id"])) > 0,
        "body": Markup(clean_html(str(record.get("body") or ""))),  # cleaned on write; again on the way out
        "receipts": announcements.receipts(part.connection, table, int(record["id"]))
        if may_see_receipts(part.actor, record) else None,
    }  # fmt: skip
    folders = tuple(str(module.templates) for module in platform.modules if module.templates)
    template = environment(folders).get_template("announcements_panel.html")
    return template.render(request=part.request, user=part.user, locale=current_locale.get(), **context)


@pages.post("/announcements/{announcement_id}/read")
async def read_announcement(announcement_id: PathId, request: Request, user: PageUser = Depends(page_user)) -> Response:
    """The viewer has seen the announcement: their notification about it is read (htmx, when its page loads)."""
    await request.form()
    await run_in_threadpool(mark_read, platform_of(request), user.actor, announcement_id)
    return Response(status_code=204)


def mark_read(platform: Platform, actor: Actor, announcement_id: int) -> None:
    service = center.inbox(platform)
    with service.transaction(actor) as context:
        request = {"filter": {"and": [*center.own(actor, True)["and"],
                                      {"field": "target_object", "op": "eq", "value": "announcement"},
                                      {"field": "target_id", "op": "eq", "value": announcement_id}]},
                   "fields": ["id"], "limit": 10}  # fmt: skip
        for found in center.listing(platform, context.schema, actor, request).run(context.connection)["records"]:
            service.update_in(context, "notification", found["id"], {"read_at": context.now}, None)
