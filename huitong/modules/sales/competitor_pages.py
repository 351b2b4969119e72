"""Win/loss by competitor: the API and the page (a table and a bar chart), from the same function, as the user."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from huitong.engine.api.support import current_actor, json_response, platform_of
from huitong.engine.i18n import _
from huitong.engine.records.context import Actor
from huitong.engine.web.pages import PageRoute
from huitong.engine.web.render import navigation, render
from huitong.engine.web.session import PageUser, page_user
from huitong.modules.sales.competitor_analysis import analysis

api = APIRouter(prefix="/api/v1/sales", tags=["sales"])
pages = APIRouter(route_class=PageRoute, include_in_schema=False)


@api.get("/competitors/analysis")
async def read_analysis(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    params = dict(request.query_params)
    return json_response(await run_in_threadpool(analysis, platform_of(request), actor, params))


@pages.get("/sales/competitors")
def competitors_page(request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform = platform_of(request)
    params = dict(request.query_params)
    numbers = analysis(platform, user.actor, {"from": params.get("from"), "to": params.get("to")})
    with platform.records.reading(user.actor) as (_connection, actor, schema):
        amount = schema.object("opportunity").fields["amount"]
        nav = navigation(platform, schema, actor)
        may_create = platform.access.may(actor, schema.object("competitor"), "create")

    def money(value: str | None) -> str:
        return "" if value is None else amount.field_type.display(amount, Decimal(value))

    shown = numbers["competitors"][:15]  # the chart shows the competitors met most; the table lists them all
    chart = {
        "names": [row["name"] for row in shown],
        "won": [row["won"] for row in shown],
        "lost_to": [row["lost_to"] for row in shown],
        "lost_other": [row["lost"] - row["lost_to"] for row in shown],
        "open": [row["open"] for row in shown],
        "labels": {"won": _("Won against them"), "lost_to": _("Lost to them"),
                   "lost_other": _("Lost to others"), "open": _("Open")},
    }  # fmt: skip
    context = {"numbers": numbers, "money": money, "chart": chart, "nav": nav, "may_create": may_create}
    return render(request, "competitors.html", context, user=user)


router = APIRouter()
router.include_router(api)
router.include_router(pages)
