"""Win/loss analysis by competitor (OPP-6): per competitor, the deals we met them in and how those ended.

Read from ``opportunity_competitor`` joined to its opportunity (close date in the range) with one ``Aggregation`` as
the signed-in user, so a rep's analysis counts only the deals the rep may read (a detail row is readable exactly
when its opportunity is). Per competitor: deals met (open, won, lost), won against them (our won deals they were
in), lost to them (our lost deals they won), win rate = won / (won + lost) of the closed deals they were in, and the
amounts of those groups.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from huitong.engine.errors import FieldError, bad_request
from huitong.engine.i18n import _
from huitong.engine.platform import Platform
from huitong.engine.query.aggregate import Aggregation
from huitong.engine.records.context import Actor
from huitong.modules.sales.forecast import default_range, money, read_date
from huitong.modules.sales.process_store import list_records

ZERO = Decimal(0)


@dataclass
class Tally:
    """One competitor's deals: counts and amounts per outcome (``lost_to``: the lost deals they won)."""

    counts: dict[str, int] = field(default_factory=lambda: {"open": 0, "won": 0, "lost": 0, "lost_to": 0})
    amounts: dict[str, Decimal] = field(
        default_factory=lambda: {"open": ZERO, "won": ZERO, "lost": ZERO, "lost_to": ZERO}
    )

    def add(self, outcome: str, count: int, amount: Decimal) -> None:
        self.counts[outcome] += count
        self.amounts[outcome] += amount

    def as_json(self) -> dict[str, Any]:
        counts, amounts = self.counts, self.amounts
        closed = counts["won"] + counts["lost"]
        return {
            "met": counts["open"] + closed, "open": counts["open"], "won": counts["won"], "lost": counts["lost"],
            "lost_to": counts["lost_to"], "win_rate": round(counts["won"] / closed, 4) if closed else None,
            "amount_met": money(amounts["open"] + amounts["won"] + amounts["lost"]),
            "amount_open": money(amounts["open"]), "amount_won": money(amounts["won"]),
            "amount_lost": money(amounts["lost"]), "amount_lost_to": money(amounts["lost_to"]),
        }  # fmt: skip


def read_range(platform: Platform, params: Mapping[str, str | None]) -> tuple[date, date]:
    """From the first of the month a year ago to the end of next quarter unless given."""
    today = platform.now().astimezone(platform.zone).date()
    start = read_date(params.get("from"), "from", date(today.year - 1, today.month, 1))
    end = read_date(params.get("to"), "to", default_range(today)[1])
    if end < start:
        message = _("The end of the range comes before its start.")
        raise bad_request(message, [FieldError("to", "invalid_range", message)])
    return start, end


def analysis(platform: Platform, actor: Actor, params: Mapping[str, str | None]) -> dict[str, Any]:
    """``GET /api/v1/sales/competitors/analysis?from=&to=``."""
    start, end = read_range(platform, params)
    request = {
        "filter": {"and": [
            {"field": "opportunity.close_date", "op": "gte", "value": start.isoformat()},
            {"field": "opportunity.close_date", "op": "lte", "value": end.isoformat()},
            {"field": "opportunity.status", "op": "in", "value": ["open", "won", "lost"]},
        ]},
        "group_by": ["competitor", "opportunity.status", "status"],
        "measures": [{"fn": "count", "as": "deals"}, {"fn": "sum", "field": "opportunity.amount", "as": "amount"}],
    }  # fmt: skip
    with platform.records.reading(actor) as (connection, bound, schema):
        env = platform.filter_env()
        definition = schema.object("opportunity_competitor")
        platform.access.check_object(bound, definition, "read")
        rows = Aggregation(schema, definition, bound, platform.access, env, request).run(connection)["rows"]
        ids = sorted({row["competitor"] for row in rows if row["competitor"] is not None})
        lookup = {"filter": {"field": "id", "op": "in", "value": ids or [0]}, "fields": ["name"]}
        named = list_records(connection, schema, bound, platform.access, env, "competitor", lookup)
    names = {found["id"]: found["name"] for found in named}
    tallies: dict[int, Tally] = {}
    for row in rows:
        if row["competitor"] is None:
            continue
        tally = tallies.setdefault(row["competitor"], Tally())
        outcome, amount = row["opportunity.status"], Decimal(row["amount"] or 0)
        tally.add(outcome, row["deals"], amount)
        if outcome == "lost" and row["status"] == "won":
            tally.add("lost_to", row["deals"], amount)
    found = [{"competitor": key, "name": names.get(key, ""), **tally.as_json()} for key, tally in tallies.items()]
    found.sort(key=lambda item: (-item["met"], item["name"]))
    return {"from": start.isoformat(), "to": end.isoformat(), "competitors": found}
