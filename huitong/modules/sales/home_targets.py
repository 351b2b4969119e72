"""The home workbench's numbers (SALES-5, COL-4): this month's won against target, the forecast and the open
pipeline — the user's own, and their team's when they manage one — from the same forecast the forecast page shows,
read as the user (a manager's team is what they may read)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from huitong.engine.i18n import current_locale
from huitong.engine.platform import PagePart
from huitong.engine.web.render import environment
from huitong.modules.sales.forecast import forecast


def month_of(today: date) -> tuple[date, date]:
    first = today.replace(day=1)
    return first, (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Won, weighted, forecast, pipeline and target added up; attainment = won / target."""
    total = {name: sum((Decimal(row[name] or 0) for row in rows), Decimal(0))
             for name in ("won", "weighted", "forecast", "pipeline", "target")}  # fmt: skip
    has_target = any(row["target"] is not None for row in rows)
    target = total["target"] if has_target else None
    attainment = float(total["won"] / target) if target else None
    return {**total, "target": target, "attainment": attainment}


def widget(part: PagePart) -> str | None:
    schema = part.schema
    if "opportunity" not in schema.objects or not part.platform.access.may(part.actor, schema.objects["opportunity"],
                                                                             "read"):  # fmt: skip
        return None
    first, last = month_of(part.platform.now().astimezone(part.user.zone).date())
    numbers = forecast(part.platform, part.actor, {"period": "month", "group_by": "owner", "from": first.isoformat(),
                                                   "to": last.isoformat()})  # fmt: skip
    me = part.actor.user_id
    mine = figures([row for row in numbers["rows"] if row["owner"] == me])
    team = figures(numbers["rows"]) if any(row["owner"] != me for row in numbers["rows"]) else None
    amount = schema.objects["opportunity"].fields["amount"]

    def money(value: Decimal | None) -> str:
        return "—" if value is None else amount.field_type.display(amount, value)

    folders = tuple(str(module.templates) for module in part.platform.modules if module.templates)
    template = environment(folders).get_template("sales_home_target.html")
    return template.render(request=part.request, user=part.user, locale=current_locale.get(), mine=mine, team=team,
                           money=money, month=first.strftime("%Y-%m"))  # fmt: skip
