"""The sales funnel of one process for the opportunities created in a period.

Per stage: how many of them reached it (their furthest stage is it or a later one; won is the last), their amount,
the share of those that went on to the next stage (``conversion``), and the average days a deal spent in the stage
(each deal keeps its days per stage as it leaves one). ``win_rate`` = won / (won + lost) and ``avg_cycle_days``
(creation to close, won deals) over the same opportunities. Read with ``Aggregation`` as the signed-in user, so
access applies; at scale the summary ``SUMMARY`` answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from huitong.engine.errors import FieldError, bad_request
from huitong.engine.i18n import _
from huitong.engine.platform import Platform
from huitong.engine.query.aggregate import Aggregation
from huitong.engine.records.context import Actor
from huitong.engine.summaries.model import Summary
from huitong.modules.sales.forecast import money, read_date
from huitong.modules.sales.opportunities import STAGE_DAYS
from huitong.modules.sales.process_store import ensure_default, process_in

TENTH = Decimal("0.1")
# The funnel's cohort at a million deals: count, amount, days to close and days in each stage per owner, creation
# month, process, furthest stage, stage and status.
SUMMARY = Summary("opportunity_funnel", "opportunity",
                  ("owner", "sales_process", "furthest_stage", "stage", "status"), "created_at",
                  ("amount", "days_to_close", *(f"stage_days_{n}" for n in range(1, STAGE_DAYS + 1))))  # fmt: skip


def average(rows: list[dict[str, Any]], name: str, keep: Any = None) -> Decimal | None:
    """The average of ``name`` over the records of ``rows`` (the kept ones), from each row's sum and count."""
    chosen = [row for row in rows if keep is None or keep(row)]
    counted = sum(row[f"count_{name}"] for row in chosen)
    if not counted:
        return None
    total = sum((Decimal(row[f"sum_{name}"] or 0) for row in chosen), Decimal(0))
    return (total / counted).quantize(TENTH, rounding=ROUND_HALF_UP)


def read_process_id(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    if not raw.isascii() or not raw.isdigit():
        message = _("Give the id of a sales process.")
        raise bad_request(message, [FieldError("process", "invalid_type", message)])
    return int(raw)


def funnel(platform: Platform, actor: Actor, params: Mapping[str, str | None]) -> dict[str, Any]:
    today = platform.now().astimezone(platform.zone).date()
    start = read_date(params.get("from"), "from", date(today.year - 1, today.month, 1))
    end = read_date(params.get("to"), "to", today)
    if end < start:
        message = _("The end of the range comes before its start.")
        raise bad_request(message, [FieldError("to", "invalid_range", message)])
    ensure_default(platform, actor)
    with platform.records.reading(actor) as (connection, bound, schema):
        env = platform.filter_env()
        process = process_in(connection, schema, bound, platform.access, env, read_process_id(params.get("process")))

        def aggregate(object_name: str, request: dict[str, Any]) -> list[dict[str, Any]]:
            definition = schema.object(object_name)
            platform.access.check_object(bound, definition, "read")
            rows: list[dict[str, Any]] = Aggregation(
                schema, definition, bound, platform.access, env, request, summaries=platform.records.summaries
            ).run(connection)["rows"]
            return rows

        cohort: list[dict[str, Any]] = [
            {"field": "sales_process", "op": "eq", "value": process.id},
            {"field": "created_at", "op": "gte", "value": start.isoformat()},
            {"field": "created_at", "op": "lt", "value": (end + timedelta(days=1)).isoformat()},
        ]
        # One aggregate for all of it (a manager's deals shared by a rule are read live, once): per group the count
        # and amount, and sums and counts of the days to close and in each stage, averaged below.
        places = range(1, min(len(process.open_stages), STAGE_DAYS) + 1)
        summed = ["days_to_close", *(f"stage_days_{n}" for n in places)]
        reached_rows = aggregate("opportunity", {
            "filter": {"and": cohort}, "group_by": ["furthest_stage", "stage", "status"],
            "measures": [{"fn": "count", "as": "count"}, {"fn": "sum", "field": "amount", "as": "amount"},
                         *({"fn": fn, "field": name, "as": f"{fn}_{name}"} for name in summed for fn in ("sum", "count"))],
        })  # fmt: skip
        cycle = average(reached_rows, "days_to_close", lambda row: row["status"] == "won")
        days: dict[str, Any] = {process.open_stages[n - 1].value: average(reached_rows, f"stage_days_{n}")
                                for n in places}  # fmt: skip
        if len(process.open_stages) > STAGE_DAYS:  # the places past the deal's own fields: from the stage history
            via = [{**condition, "field": f"opportunity.{condition['field']}"} for condition in cohort]
            later = [stage.value for stage in process.open_stages[STAGE_DAYS:]]
            days |= {row["stage"]: row["days"] for row in aggregate("opportunity_stage_history", {
                "filter": {"and": [*via, {"field": "stage", "op": "in", "value": later},
                                   {"field": "days_in_stage", "op": "is_null", "value": False}]},
                "group_by": ["stage"], "measures": [{"fn": "avg", "field": "days_in_stage", "as": "days"}],
            })}  # fmt: skip
    funnel_stages = [*process.open_stages, process.closing("won")]
    reached = [0] * len(funnel_stages)
    amounts = [Decimal(0)] * len(funnel_stages)
    won = lost = 0
    for row in reached_rows:
        furthest = row["furthest_stage"] if process.stage(row["furthest_stage"]) else row["stage"]
        depth = process.order(furthest) if furthest else -1
        for index in range(depth + 1):
            reached[index] += row["count"]
            amounts[index] += Decimal(row["amount"] or 0)
        won += row["count"] if row["status"] == "won" else 0
        lost += row["count"] if row["status"] == "lost" else 0
    average_days = {stage: float(value) for stage, value in days.items() if value is not None}
    stages = []
    for index, stage in enumerate(funnel_stages):
        following = reached[index + 1] if index + 1 < len(funnel_stages) else None
        conversion = None if following is None or not reached[index] else round(following / reached[index], 4)
        stages.append({
            "stage": stage.value, "label": stage.title, "probability": stage.probability, "reached": reached[index],
            "amount": money(amounts[index]), "conversion": conversion, "avg_days": average_days.get(stage.value),
        })  # fmt: skip
    return {
        "process": process.id, "from": start.isoformat(), "to": end.isoformat(), "stages": stages,
        "win_rate": round(won / (won + lost), 4) if won + lost else None,
        "avg_cycle_days": None if cycle is None else float(cycle),
    }  # fmt: skip
