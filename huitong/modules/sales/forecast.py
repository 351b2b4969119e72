"""The sales forecast per week, month or quarter, per owner or department (rolled up the department tree).

pipeline = Σ amount of open opportunities closing in the period; weighted = Σ amount × probability of those (each
deal keeps its ``weighted_amount``);
won = Σ amount of opportunities won with their close date in the period; forecast = won + weighted (the seed's
"销售预测值 = 各个销售阶段的加权销售额的汇总数" plus what is already signed). Every sum is an ``Aggregation`` run as
the signed-in user, so a manager's forecast counts exactly the opportunities they may see.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from huitong.engine.errors import FieldError, bad_request
from huitong.engine.i18n import _
from huitong.engine.platform import Platform
from huitong.engine.query.aggregate import Aggregation
from huitong.engine.query.listing import Listing
from huitong.engine.records.context import Actor
from huitong.engine.summaries.model import Summary
from huitong.modules.sales.process_store import list_records
from huitong.modules.sales.targets import Targets

PERIODS = ("week", "month", "quarter")
GROUPS = ("owner", "department")
CENTS = Decimal("0.01")
# Open deals the owner put in the "omitted" forecast category stay out of pipeline and weighted.
COUNTED = {"or": [{"field": "forecast_category", "op": "ne", "value": "omitted"},
                  {"field": "forecast_category", "op": "is_null", "value": True}]}  # fmt: skip
ZERO = Decimal(0)
# What the forecast reads at a million deals: their count, amount and weighted amount per owner, close month, status
# and forecast category (a few thousand rows a year), kept by the record service.
SUMMARY = Summary("opportunity_forecast", "opportunity",
                  ("owner", "status", "forecast_category"), "close_date", ("amount", "weighted_amount"))  # fmt: skip


@dataclass
class Totals:
    pipeline: Decimal = ZERO
    weighted: Decimal = ZERO
    won: Decimal = ZERO


def read_date(raw: str | None, where: str, default: date) -> date:
    if raw is None or raw == "":
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        message = _("Enter a date such as 2026-03-01.")
        raise bad_request(message, [FieldError(where, "invalid_date", message)]) from None


def read_choice(raw: str | None, where: str, allowed: tuple[str, ...]) -> str:
    if raw is None or raw == "":
        return allowed[0] if where != "period" else "month"
    if raw not in allowed:
        message = _("Choose one of: %(values)s.") % {"values": ", ".join(allowed)}
        raise bad_request(message, [FieldError(where, "invalid_choice", message)])
    return raw


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def default_range(today: date) -> tuple[date, date]:
    """The current quarter and the next one."""
    start = quarter_start(today)
    end = quarter_start(start + timedelta(days=190)) - timedelta(days=1)
    return start, end


def money(value: Decimal) -> str:
    return str(value.quantize(CENTS))


def forecast(platform: Platform, actor: Actor, params: Mapping[str, str | None]) -> dict[str, Any]:
    period = read_choice(params.get("period"), "period", PERIODS)
    group = read_choice(params.get("group_by"), "group_by", GROUPS)
    first, last = default_range(platform.now().astimezone(platform.zone).date())
    start = read_date(params.get("from"), "from", first)
    end = read_date(params.get("to"), "to", last)
    if end < start:
        message = _("The end of the range comes before its start.")
        raise bad_request(message, [FieldError("to", "invalid_range", message)])
    in_range = [
        {"field": "close_date", "op": "gte", "value": start.isoformat()},
        {"field": "close_date", "op": "lte", "value": end.isoformat()},
    ]
    bucket = {"field": "close_date", "bucket": period}
    with platform.records.reading(actor) as (connection, bound, schema):
        definition = schema.object("opportunity")
        platform.access.check_object(bound, definition, "read")

        def aggregate(request: dict[str, Any]) -> list[dict[str, Any]]:
            rows: list[dict[str, Any]] = Aggregation(
                schema, definition, bound, platform.access, platform.filter_env(), request,
                summaries=platform.records.summaries,
            ).run(connection)["rows"]  # fmt: skip
            return rows

        open_rows = aggregate({
            "filter": {"and": [*in_range, {"field": "status", "op": "eq", "value": "open"}, COUNTED]},
            "group_by": ["owner", bucket],
            "measures": [{"fn": "sum", "field": "amount", "as": "amount"},
                         {"fn": "sum", "field": "weighted_amount", "as": "weighted"}],
        })  # fmt: skip
        won_rows = aggregate({
            "filter": {"and": [*in_range, {"field": "status", "op": "eq", "value": "won"}]},
            "group_by": ["owner", bucket],
            "measures": [{"fn": "sum", "field": "amount", "as": "amount"}],
        })  # fmt: skip
        splits = split_rows(schema, bound, platform, connection, in_range, period)
        model = bound.model
        targets = read_targets(connection, schema, bound, platform, start, end)
    totals: dict[tuple[str, int | None], Totals] = {}
    above: dict[int | None, list[int | None]] = {}  # owner → their department and those above it, looked up once

    def keys(owner: int | None) -> list[int | None]:
        if group == "owner":
            return [owner]
        if owner not in above:
            above[owner] = departments_of(model, owner)
        return above[owner]

    for row in open_rows:
        amount, weighted = Decimal(row["amount"] or 0), Decimal(row["weighted"] or 0)
        for key in keys(row["owner"]):
            entry = totals.setdefault((row["close_date"], key), Totals())
            entry.pipeline += amount
            entry.weighted += weighted
    # won, split-adjusted: the owner keeps what the team's revenue splits do not give to its members
    for owner, period_key, amount in [
        (r["owner"], r["close_date"], Decimal(r["amount"] or 0)) for r in won_rows
    ] + splits:
        for key in keys(owner):
            totals.setdefault((period_key, key), Totals()).won += amount
    rows = []
    for (period_key, key), t in sorted(totals.items(), key=lambda item: (item[0][0], item[0][1] or 0)):
        target = None if key is None else targets.of("user" if group == "owner" else "department", key, period_key)
        rows.append({
            "period": period_key, group: key, "pipeline": money(t.pipeline), "weighted": money(t.weighted),
            "won": money(t.won), "forecast": money(t.won + t.weighted),
            "target": None if target is None else money(target),
            "attainment": round(float(t.won / target), 4) if target else None,
        })  # fmt: skip
    return {"period": period, "group_by": group, "from": start.isoformat(), "to": end.isoformat(), "rows": rows}


def split_rows(schema: Any, actor: Actor, platform: Platform, connection: Any, in_range: list[dict[str, Any]],
               period: str) -> list[tuple[int | None, str, Decimal]]:  # fmt: skip
    """(user, period, amount) moving won revenue from owners (negative) to the team members it is split to."""
    definition = schema.object("opportunity_team_member")
    if not platform.access.may(actor, definition, "read") or not any_split(schema, actor, platform, connection):
        return []
    won = [{**condition, "field": f"opportunity.{condition['field']}"} for condition in in_range]
    won.append({"field": "opportunity.status", "op": "eq", "value": "won"})
    bucket = {"field": "opportunity.close_date", "bucket": period}
    found: list[tuple[int | None, str, Decimal]] = []
    for holder, sign in (("opportunity.owner", -1), ("user", 1)):
        request = {"filter": {"and": won}, "group_by": [holder, bucket],
                   "measures": [{"fn": "sum", "field": "split_amount", "as": "amount"}]}  # fmt: skip
        rows = Aggregation(schema, definition, actor, platform.access, platform.filter_env(), request).run(connection)
        found += [(r[holder], r["opportunity.close_date"], sign * Decimal(r["amount"] or 0)) for r in rows["rows"]]
    return found


def any_split(schema: Any, actor: Actor, platform: Platform, connection: Any) -> bool:
    """Whether the user reads any revenue split at all: most companies split no deal, and the split query starts
    from the won deals of the range, which at a million deals costs half a second on SQLite for nothing."""
    request = {"filter": {"field": "split_amount", "op": "is_null", "value": False}, "fields": ["id"], "limit": 1}
    found = Listing(schema, schema.object("opportunity_team_member"), actor, platform.access, platform.filter_env(),
                    request).run(connection)  # fmt: skip
    return bool(found["records"])


def read_targets(connection: Any, schema: Any, actor: Actor, platform: Platform, start: date, end: date) -> Targets:
    """The targets the user may see for the years the range touches."""
    definition = schema.object("sales_target")
    if not platform.access.may(actor, definition, "read"):
        return Targets([], actor.model)
    years = [str(year) for year in range(start.year, end.year + 1)][:20]
    request = {"filter": {"or": [{"field": "period", "op": "starts_with", "value": year} for year in years]},
               "fields": ["user", "department", "period", "amount"]}  # fmt: skip
    return Targets(list_records(connection, schema, actor, platform.access, platform.filter_env(), "sales_target",
                                request), actor.model)  # fmt: skip


def departments_of(model: Any, owner: int | None) -> list[int | None]:
    """The owner's department and every department above it (a department's forecast includes its children's)."""
    user = None if owner is None else model.users.get(owner)
    if user is None or user.department_id is None:
        return [None]
    path = model.department_paths.get(user.department_id, "")
    found = [department for department, above in model.department_paths.items() if path.startswith(above)]
    return sorted(found, key=lambda d: len(model.department_paths[d])) or [user.department_id]
