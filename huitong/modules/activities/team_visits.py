"""The day's visits (ACT-2): the customer visits planned for a day, with who checked in when and where — the
user's own, or all those they may see (a manager: their team's, through the role hierarchy). Read through the
query engine as the user."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from huitong.engine.api.support import platform_of
from huitong.engine.errors import FieldError, bad_request
from huitong.engine.i18n import _
from huitong.engine.web import cells
from huitong.engine.web.pages import PageRoute
from huitong.engine.web.render import navigation, render
from huitong.engine.web.session import PageUser, page_user
from huitong.modules.activities.home import iso
from huitong.modules.activities.timeline import activities

pages = APIRouter(route_class=PageRoute, include_in_schema=False)
SHOWN = 500


def read_day(raw: str | None, today: date) -> date:
    if not raw:
        return today
    try:
        return date.fromisoformat(raw)
    except ValueError:
        message = _("Give the day as YYYY-MM-DD.")
        raise bad_request(message, [FieldError("day", "invalid_value", message)]) from None


@pages.get("/activities/visits")
def visits_page(request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform = platform_of(request)
    mine = request.query_params.get("scope") != "team"
    day = read_day(request.query_params.get("day"), platform.now().astimezone(user.zone).date())
    start = datetime.combine(day, time(0), tzinfo=user.zone)
    condition: list[Any] = [{"field": "kind", "op": "eq", "value": "visit"},
                            {"field": "start_at", "op": "gte", "value": iso(start)},
                            {"field": "start_at", "op": "lt", "value": iso(start + timedelta(days=1))}]  # fmt: skip
    if mine:
        condition.append({"field": "owner", "op": "eq", "value": user.actor.user_id})
    with platform.records.reading_object(user.actor, "event") as (connection, actor, schema, _definition):
        visits = activities(platform, connection, actor, schema, "event", {"and": condition},
                            ["owner", "start_at", "id"], SHOWN)  # fmt: skip
        names = cells.user_names(connection, [visit.get("owner") for visit in visits])
        context = {
            "visits": visits, "names": names, "mine": mine, "day": day, "schema": schema,
            "previous": day - timedelta(days=1), "next": day + timedelta(days=1),
            "checked_in": sum(1 for visit in visits if visit.get("check_in_at")),
            "nav": navigation(platform, schema, actor),
        }  # fmt: skip
    return render(request, "activities_visits.html", context, user=user)
