"""Forecast snapshots (SALES-6): once a week the forecast of this month and the next two is kept per owner, so that
when a month is over its forecast, as it stood week by week, can be set beside what was actually won.

The snapshot is a record per (owner, month, week) owned by that owner: whoever reads the owner's deals through
the hierarchy (their managers) reads their snapshots, so a manager's accuracy adds up exactly their team.
The weekly job runs daily and does nothing when this week's snapshot exists, so a missed day or a second worker
changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from huitong.engine.errors import FieldError, bad_request
from huitong.engine.i18n import _
from huitong.engine.meta.declare import field, standard_object
from huitong.engine.platform import PeriodicJob, Platform
from huitong.engine.query.aggregate import Aggregation
from huitong.engine.records.context import Actor
from huitong.modules.sales.forecast import forecast, money
from huitong.modules.sales.process_store import list_records

log = logging.getLogger("huitong.sales.snapshots")
MONTHS_AHEAD = 3  # this month and the next two

forecast_snapshot = standard_object(
    "forecast_snapshot", "Forecast snapshot", "预测快照",
    [
        field("name", "text", "Snapshot", "快照", max_length=64),
        field("taken_on", "date", "Taken on", "快照日期", required=True, indexed=True),
        field("period", "text", "Month", "月份", required=True, indexed=True, max_length=7),
        field("pipeline", "currency", "Pipeline", "管道金额", currency="CNY"),
        field("weighted", "currency", "Weighted", "加权金额", currency="CNY"),
        field("won", "currency", "Won so far", "已赢单", currency="CNY"),
        field("forecast", "currency", "Forecast", "预测", currency="CNY"),
        field("target", "currency", "Target", "目标", currency="CNY"),
        field("snapshot_key", "text", "Key", "唯一键", unique=True, max_length=64),
    ],
    module="sales",
    title_field="name",
)  # fmt: skip


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def months_from(day: date, count: int) -> tuple[date, date]:
    first = day.replace(day=1)
    last = first
    for _month in range(count):
        last = (last.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, last - timedelta(days=1)


def take(platform: Platform) -> int:
    """This week's snapshot, unless it is taken; the number of snapshot records written."""
    keeper = platform.job_actor("forecast snapshot")
    if keeper is None:
        return 0
    today = platform.now().astimezone(platform.zone).date()
    monday = week_start(today)
    if taken(platform, keeper, monday):
        return 0
    first, last = months_from(today, MONTHS_AHEAD)
    numbers = forecast(platform, keeper, {"period": "month", "group_by": "owner", "from": first.isoformat(),
                                          "to": last.isoformat()})  # fmt: skip
    records = [
        {"name": f"{row['period']} @ {monday.isoformat()}", "taken_on": monday.isoformat(), "period": row["period"],
         "owner": row["owner"], "pipeline": row["pipeline"], "weighted": row["weighted"], "won": row["won"],
         "forecast": row["forecast"], "target": row["target"],
         "snapshot_key": f"{monday.isoformat()}:{row['period']}:{row['owner']}"}
        for row in numbers["rows"] if row["owner"] is not None
    ]  # fmt: skip
    with platform.records.transaction(keeper) as context:
        system = context.records.system_context(context)
        for record in records:
            system.records.create_in(system, "forecast_snapshot", record)
    log.info("forecast snapshot of %s: %s records", monday, len(records))
    return len(records)


def taken(platform: Platform, keeper: Actor, monday: date) -> bool:
    with platform.records.reading(keeper) as (connection, actor, schema):
        request = {"filter": {"field": "taken_on", "op": "eq", "value": monday.isoformat()}, "limit": 1}
        return bool(list_records(connection, schema, actor, platform.access, platform.filter_env(),
                                 "forecast_snapshot", request))  # fmt: skip


def accuracy(platform: Platform, actor: Actor, params: Mapping[str, str | None]) -> dict[str, Any]:
    """A month's forecast as each weekly snapshot had it, beside what was won in the month (what ``actor`` reads)."""
    period = params.get("period") or previous_month(platform.now().astimezone(platform.zone).date())
    try:
        first = date.fromisoformat(f"{period}-01")
    except ValueError:
        message = _("Give a month such as 2026-03.")
        raise bad_request(message, [FieldError("period", "invalid_period", message)]) from None
    _start, last = months_from(first, 1)
    actual = forecast(platform, actor, {"period": "month", "group_by": "owner", "from": first.isoformat(),
                                        "to": last.isoformat()})  # fmt: skip
    won = sum((Decimal(row["won"]) for row in actual["rows"]), Decimal(0))
    with platform.records.reading(actor) as (connection, bound, schema):
        platform.access.check_object(bound, schema.object("forecast_snapshot"), "read")
        request = {"filter": {"field": "period", "op": "eq", "value": period}, "group_by": ["taken_on"],
                   "measures": [{"fn": "sum", "field": field_name, "as": field_name}
                                for field_name in ("forecast", "won", "weighted", "pipeline")]}  # fmt: skip
        rows = Aggregation(schema, schema.object("forecast_snapshot"), bound, platform.access, platform.filter_env(),
                           request).run(connection)["rows"]  # fmt: skip
    snapshots = []
    for row in rows:
        said = Decimal(row["forecast"] or 0)
        snapshots.append({
            "taken_on": row["taken_on"], "forecast": money(said), "won_then": money(Decimal(row["won"] or 0)),
            "weighted": money(Decimal(row["weighted"] or 0)), "pipeline": money(Decimal(row["pipeline"] or 0)),
            "error": round(float((said - won) / won), 4) if won else None,
        })  # fmt: skip
    return {"period": period, "won": money(won), "snapshots": snapshots}


def previous_month(today: date) -> str:
    return (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


JOB = PeriodicJob("sales.forecast_snapshot", take, daily_at=(1, 30))
