"""This week's visits (ACC-5, ACC-6): the accounts due a visit (next visit due by the end of this week, not yet
contacted this week), those contacted this week, and those not contacted this week — of the signed-in user's
accounts by default, or of every account they may see. Read through the query engine as that user."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import Connection
from starlette.responses import Response

from huitong.engine import formatting
from huitong.engine.api.support import current_actor, json_response, platform_of
from huitong.engine.errors import FieldError, bad_request
from huitong.engine.i18n import _
from huitong.engine.platform import Platform
from huitong.engine.query.listing import Listing
from huitong.engine.records.context import Actor
from huitong.engine.web.pages import PageRoute
from huitong.engine.web.render import navigation, render
from huitong.engine.web.session import PageUser, page_user

router = APIRouter()
pages = APIRouter(route_class=PageRoute, include_in_schema=False)
SHOWN = 30
FIELDS = ["name", "level", "owner", "last_contacted_at", "next_visit_due", "visit_cycle_days"]
NOT_THIS_WEEK = {"or": [{"field": "last_contacted_at", "op": "is_null", "value": True},
                        {"field": "last_contacted_at", "op": "lt", "value": "this_week"}]}  # fmt: skip
LISTS: dict[str, Any] = {
    # due by Sunday (overdue ones too) and nobody has been there this week
    "due": {"and": [{"field": "next_visit_due", "op": "lt", "value": "next_week"}, NOT_THIS_WEEK]},
    "contacted": {"field": "last_contacted_at", "op": "eq", "value": "this_week"},
    "not_contacted": NOT_THIS_WEEK,
}


def visit_lists(platform: Platform, connection: Connection, actor: Actor, schema: Any, mine: bool) -> dict[str, Any]:
    definition = schema.object("account")
    platform.access.check_object(actor, definition, "read")
    found = {}
    for name, condition in LISTS.items():
        scoped = {"and": [condition, {"field": "owner", "op": "eq", "value": actor.user_id}]} if mine else condition
        sort = ["next_visit_due", "id"] if name == "due" else ["-last_contacted_at", "id"]
        request = {"filter": scoped, "fields": [f for f in FIELDS if f in definition.fields], "sort": sort,
                   "limit": SHOWN, "count": True}  # fmt: skip
        found[name] = Listing(schema, definition, actor, platform.access, platform.filter_env(), request).run(
            connection
        )
    return found


def read_scope(raw: str | None) -> bool:
    if raw not in (None, "mine", "all"):
        message = _("scope is mine or all.")
        raise bad_request(message, [FieldError("scope", "invalid_value", message)])
    return raw != "all"


@router.get("/api/v1/sales/visits")
def visits_api(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    """``?scope=mine|all`` → ``{"due": {"records", "total"}, "contacted": …, "not_contacted": …}``."""
    platform = platform_of(request)
    mine = read_scope(request.query_params.get("scope"))
    with platform.records.reading(actor) as (connection, actor, schema):
        found = visit_lists(platform, connection, actor, schema, mine)
    return json_response({name: {"records": body["records"], "total": body["total"]} for name, body in found.items()})


@pages.get("/sales/visits")
def visits_page(request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform = platform_of(request)
    mine = read_scope(request.query_params.get("scope"))
    with platform.records.reading(user.actor) as (connection, actor, schema):
        found = visit_lists(platform, connection, actor, schema, mine)
        definition = schema.object("account")
        context = {"lists": found, "mine": mine, "definition": definition, "day": formatting.day,
                   "nav": navigation(platform, schema, actor)}  # fmt: skip
    return render(request, "customers_visits.html", context, user=user)
