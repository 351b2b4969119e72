"""The period's numbers and activities of one author, counted through the query engine as the author.

Reading as the author (their bound actor and their view of the schema) means a record they may not read counts
for nothing, a field hidden from them sums nothing, and an object that is not installed or not readable is left
out (None) instead of failing: the work reports module names the activities' and sales' objects only by api name
and never imports those modules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from huitong.engine.errors import HuitongError
from huitong.engine.i18n import localized
from huitong.engine.meta.schema import Schema
from huitong.engine.meta.types.base import FilterEnv
from huitong.engine.query.aggregate import Aggregation
from huitong.engine.query.listing import Listing
from huitong.engine.records.context import Actor
from huitong.engine.security.access import AccessPolicy
from huitong.modules.work_reports.objects import NUMBER_FIELDS
from huitong.modules.work_reports.periods import Period, iso

SHOWN = 50  # items of one kind listed under the numbers; the numbers themselves count them all


@dataclass(frozen=True)
class Reader:
    """Who counts: the author bound to the security model, their schema, on an open connection."""

    connection: Connection
    actor: Actor
    schema: Schema
    access: AccessPolicy
    env: FilterEnv


@dataclass(frozen=True)
class Item:
    """One line of the period's activity list: what (kind), which record, its title and when."""

    kind: str
    object: str
    id: int
    title: str
    at: str | None
    detail: str = ""


@dataclass
class Tally:
    numbers: dict[str, Any] = field(default_factory=dict)  # field → int or amount text; None: not countable
    items: list[Item] = field(default_factory=list)

    def stored(self) -> dict[str, Any]:
        """The numbers as the report's fields keep them (a number that could not be counted is kept as empty)."""
        return {name: self.numbers.get(name) for name in NUMBER_FIELDS}


@dataclass(frozen=True)
class Count:
    """One number: the records of ``object`` matching ``conditions``; ``at`` the field dating them; ``amount``
    the number field that sums their ``amount``."""

    number: str
    object: str
    at: str
    conditions: tuple[Mapping[str, Any], ...]
    mine: str = "owner"  # whose records: the owner (who did it) or created_by (who brought it in)
    amount: str | None = None
    dated: bool = False  # ``at`` is a date field, not an instant

    def filter(self, author: int, period: Period, zone: ZoneInfo) -> dict[str, Any]:
        if self.dated:
            window = [{"field": self.at, "op": "gte", "value": period.start.isoformat()},
                      {"field": self.at, "op": "lte", "value": period.end.isoformat()}]  # fmt: skip
        else:
            start, end = period.instants(zone)
            window = [{"field": self.at, "op": "gte", "value": iso(start)},
                      {"field": self.at, "op": "lt", "value": iso(end)}]  # fmt: skip
        return {"and": [{"field": self.mine, "op": "eq", "value": author}, *self.conditions, *window]}


COUNTS = (
    Count("calls", "call", "started_at", ()),
    # a visit counts once the salesperson checked in on site, not when it was planned
    Count("visits", "event", "check_in_at", ({"field": "kind", "op": "eq", "value": "visit"},)),
    Count("tasks_completed", "task", "completed_at", ({"field": "status", "op": "eq", "value": "completed"},)),
    Count("notes", "note", "created_at", ()),
    Count("new_leads", "lead", "created_at", (), mine="created_by"),
    Count("new_accounts", "account", "created_at", (), mine="created_by"),
    Count("new_opportunities", "opportunity", "created_at", (), mine="created_by", amount="new_opportunity_amount"),
    # a won deal belongs to its owner, on the day it closed
    Count("deals_won", "opportunity", "close_date", ({"field": "status", "op": "eq", "value": "won"},),
          amount="won_amount", dated=True),
)  # fmt: skip


def tally(reader: Reader, author: int, period: Period, zone: ZoneInfo) -> Tally:
    """Every number of the report and the items behind them, as ``reader`` (the author) may read them."""
    found = Tally()
    for count in COUNTS:
        totals = aggregate(reader, count, count.filter(author, period, zone))
        found.numbers[count.number] = None if totals is None else int(totals.get("count") or 0)
        if count.amount:
            found.numbers[count.amount] = None if totals is None else amount_text(totals.get("amount"))
        if totals:
            found.items += items(reader, count, count.filter(author, period, zone))
    moved, moved_items = opportunities_moved(reader, author, period, zone)
    found.numbers["opportunities_moved"] = moved
    found.items += moved_items
    found.items.sort(key=lambda item: (item.at or "", item.kind, item.id))
    return found


def readable(reader: Reader, object_name: str, fields: tuple[str, ...]) -> bool:
    definition = reader.schema.objects.get(object_name)
    if definition is None or not reader.access.may(reader.actor, definition, "read"):
        return False
    return all(name in definition.fields for name in fields)  # field security may hide one from the author


def aggregate(reader: Reader, count: Count, filter_: Any) -> dict[str, Any] | None:
    wanted = (count.at, count.mine, *(str(c["field"]) for c in count.conditions))
    if not readable(reader, count.object, wanted + (("amount",) if count.amount else ())):
        return None
    measures: list[dict[str, Any]] = [{"fn": "count", "as": "count"}]
    if count.amount:
        measures.append({"fn": "sum", "field": "amount", "as": "amount"})
    definition = reader.schema.object(count.object)
    try:
        request = {"filter": filter_, "measures": measures}
        rows = Aggregation(reader.schema, definition, reader.actor, reader.access, reader.env, request).run(
            reader.connection
        )["rows"]
    except HuitongError:  # an administrator changed the object (a field removed, a picklist value renamed)
        return None
    return rows[0] if rows else {"count": 0}


def listed(reader: Reader, object_name: str, filter_: Any, fields: list[str], limit: int) -> list[dict[str, Any]]:
    definition = reader.schema.object(object_name)
    request = {"filter": filter_, "fields": fields, "sort": ["id"], "limit": limit}
    try:
        listing = Listing(reader.schema, definition, reader.actor, reader.access, reader.env, request)
        return [dict(row) for row in listing.run(reader.connection)["records"]]
    except HuitongError:
        return []


def items(reader: Reader, count: Count, filter_: Any) -> list[Item]:
    definition = reader.schema.object(count.object)
    title = definition.title_field if definition.title_field in definition.fields else "id"
    fields = list(dict.fromkeys([title, count.at, *(["amount"] if count.amount else [])]))
    kind = "visit" if count.object == "event" else count.number if count.object == "opportunity" else count.object
    return [
        Item(kind, count.object, int(row["id"]), str(row.get(title) or f"#{row['id']}"), row.get(count.at),
             (amount_text(row.get("amount")) or "") if count.amount else "")
        for row in listed(reader, count.object, filter_, fields, SHOWN)
    ]  # fmt: skip


def opportunities_moved(reader: Reader, author: int, period: Period, zone: ZoneInfo) -> tuple[int | None, list[Item]]:
    """The opportunities whose stage the author changed in the period (each counted once): the stage history rows
    they wrote then, less an opportunity's first stay (it was created in that stage, not moved to it)."""
    history = "opportunity_stage_history"
    if not readable(reader, history, ("opportunity", "stage", "entered_at", "created_by")) or not readable(
        reader, "opportunity", ("name",)
    ):
        return None, []
    start, end = period.instants(zone)
    stays = listed(reader, history, {"and": [
        {"field": "created_by", "op": "eq", "value": author},
        {"field": "entered_at", "op": "gte", "value": iso(start)},
        {"field": "entered_at", "op": "lt", "value": iso(end)},
    ]}, ["opportunity", "stage", "entered_at"], 1000)  # fmt: skip
    ids = sorted({int(stay["opportunity"]) for stay in stays if stay.get("opportunity")})
    if not ids:
        return 0, []
    first = first_stays(reader, history, ids)
    deals = {int(row["id"]): row for row in listed(reader, "opportunity", {"field": "id", "op": "in", "value": ids},
                                                   ["name"], len(ids))}  # fmt: skip
    stage_labels = picklist_labels(reader.schema, "opportunity", "stage")
    moved: dict[int, Item] = {}
    for stay in stays:
        deal = deals.get(int(stay["opportunity"] or 0))
        if deal is None or first.get(int(deal["id"])) == int(stay["id"]):
            continue
        stage = str(stay.get("stage") or "")
        moved[int(deal["id"])] = Item("opportunities_moved", "opportunity", int(deal["id"]), str(deal.get("name")),
                                      stay.get("entered_at"), stage_labels.get(stage, stage))  # fmt: skip
    return len(moved), list(moved.values())


def first_stays(reader: Reader, history: str, ids: list[int]) -> dict[int, int]:
    """Opportunity → the id of its first stage history row (written when it was created)."""
    request = {"filter": {"field": "opportunity", "op": "in", "value": ids}, "group_by": ["opportunity"],
               "measures": [{"fn": "min", "field": "id", "as": "first"}]}  # fmt: skip
    try:
        rows = Aggregation(reader.schema, reader.schema.object(history), reader.actor, reader.access, reader.env,
                           request).run(reader.connection)["rows"]  # fmt: skip
    except HuitongError:
        return {}
    return {int(row["opportunity"]): int(row["first"]) for row in rows if row.get("opportunity") is not None}


def picklist_labels(schema: Schema, object_name: str, field_name: str) -> dict[str, str]:
    definition = schema.objects.get(object_name)
    found = definition.fields.get(field_name) if definition else None
    values = found.options.get("values", []) if found else []
    return {str(value.get("value")): localized(value.get("label"), str(value.get("value")))
            for value in values if isinstance(value, dict)}  # fmt: skip


def amount_text(value: Any) -> str | None:
    """A sum as the currency field stores it ("12500.00"); nothing summed is zero."""
    if value is None:
        return "0.00"
    return str(Decimal(str(value)).quantize(Decimal("0.01")))
