"""The forecast and funnel page: the forecast table (and its chart) and the funnel chart with its numbers, from the
same functions the API answers with, as the signed-in user."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from huitong.engine.api.support import platform_of
from huitong.engine.i18n import _
from huitong.engine.web import cells
from huitong.engine.web.pages import PageRoute
from huitong.engine.web.render import navigation, render
from huitong.engine.web.session import PageUser, page_user
from huitong.modules.sales import forecast_snapshots
from huitong.modules.sales.forecast import forecast
from huitong.modules.sales.funnel import funnel
from huitong.modules.sales.process_store import read_processes

router = APIRouter(route_class=PageRoute, include_in_schema=False)
FORECAST_KEYS = ("period", "group_by", "from", "to")


def period_choices() -> dict[str, str]:
    return {"month": _("Month"), "quarter": _("Quarter"), "week": _("Week")}


def group_choices() -> dict[str, str]:
    return {"owner": _("By owner"), "department": _("By department")}


@router.get("/sales/forecast")
def forecast_page(request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform = platform_of(request)
    params = dict(request.query_params)
    numbers = forecast(platform, user.actor, {key: params.get(key) for key in FORECAST_KEYS})
    shape = funnel(platform, user.actor, {"process": params.get("process"), "from": params.get("funnel_from"),
                                          "to": params.get("funnel_to")})  # fmt: skip
    processes = read_processes(platform, user.actor)
    accuracy = forecast_snapshots.accuracy(platform, user.actor, {"period": params.get("accuracy_period")})
    group = numbers["group_by"]
    with platform.records.reading(user.actor) as (connection, actor, schema):
        amount = schema.object("opportunity").fields["amount"]
        keys = [{group if group == "department" else "user": row[group]} for row in numbers["rows"]]
        names = cells.principal_names(connection, keys)
        nav = navigation(platform, schema, actor)

    def money(value: str | None) -> str:
        return "" if value is None else amount.field_type.display(amount, Decimal(value))

    kind = "department" if group == "department" else "user"
    rows = [
        {**row, "who": names.get((kind, row[group]), "") if row[group] is not None else _("No department")}
        for row in numbers["rows"]
    ]
    # Department rows include their children's: the chart adds up the owners' rows, each deal once.
    flat = (
        numbers["rows"]
        if group == "owner"
        else forecast(platform, user.actor, {**{key: params.get(key) for key in FORECAST_KEYS}, "group_by": "owner"})[
            "rows"
        ]
    )
    periods = sorted({row["period"] for row in flat})
    chart = {
        "periods": periods,
        "won": [float(sum(Decimal(r["won"]) for r in flat if r["period"] == p)) for p in periods],
        "weighted": [float(sum(Decimal(r["weighted"]) for r in flat if r["period"] == p)) for p in periods],
        "funnel": [{"name": s["label"], "value": s["reached"]} for s in shape["stages"]],
        "labels": {"won": _("Won"), "weighted": _("Weighted")},
    }  # fmt: skip
    context = {
        "numbers": numbers, "rows": rows, "funnel": shape, "processes": processes, "money": money, "chart": chart,
        "periods": period_choices(), "groups": group_choices(), "params": params, "nav": nav,
        "accuracy": accuracy,
    }  # fmt: skip
    return render(request, "forecast_page.html", context, user=user)
