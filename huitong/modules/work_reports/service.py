"""The work reports' actions, shared by the API and the pages: the numbers a new report starts with, writing,
submitting and commenting (through the record service, so the hooks' rules hold), and reading one report with what
the page shows around it. Every read is as the signed-in user through the query engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, select

from huitong.engine.errors import FieldError, not_found, validation_failed
from huitong.engine.i18n import _
from huitong.engine.platform import Platform
from huitong.engine.query.listing import Listing
from huitong.engine.records.context import Actor
from huitong.engine.system_tables import users
from huitong.engine.web import cells
from huitong.modules.work_reports.numbers import Reader, Tally, tally
from huitong.modules.work_reports.objects import DAILY, DRAFT, NUMBER_FIELDS, SUBMITTED, TEXT_FIELDS, WEEKLY
from huitong.modules.work_reports.periods import Period, period_of

REPORT_FIELDS = ["name", "kind", "period_start", "period_end", "status", "submitted_at", "submitted_to", "owner",
                 "summary", "problems", "next_plan", "reviewed_at", "reviewed_by", "version"]  # fmt: skip


@dataclass
class Draft:
    """What the form of a new report shows: its period, the numbers and items counted so far, and the report the
    author already has for the period (then the page opens that one instead)."""

    period: Period
    tally: Tally
    existing: int | None = None


@dataclass
class Shown:
    """One report as a page shows it: the record, the numbers (counted now for a draft, the snapshot once
    submitted), the period's items, its comments and the names of the people it mentions."""

    report: dict[str, Any]
    period: Period
    tally: Tally
    comments: list[dict[str, Any]] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)


def zone_named(name: str | None, default: ZoneInfo) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else default
    except (ZoneInfoNotFoundError, ValueError):
        return default


def user_zone(platform: Platform, connection: Connection, user_id: int) -> ZoneInfo:
    name = connection.execute(select(users.c.time_zone).where(users.c.id == user_id)).scalar()
    return zone_named(name, platform.zone)


def reader_of(platform: Platform, connection: Connection, actor: Actor, schema: Any) -> Reader:
    return Reader(connection, actor, schema, platform.access, platform.filter_env())


def today(platform: Platform, zone: ZoneInfo) -> date:
    return platform.now().astimezone(zone).date()


def find(platform: Platform, connection: Connection, actor: Actor, schema: Any, author: int,
         period: Period) -> dict[str, Any] | None:  # fmt: skip
    """The author's report for ``period``, if the reader may read it."""
    definition = schema.objects.get("work_report")
    if definition is None or not platform.access.may(actor, definition, "read"):
        return None
    request = {"filter": {"field": "period_key", "op": "eq", "value": period.key(author)}, "fields": REPORT_FIELDS,
               "limit": 1}  # fmt: skip
    rows = Listing(schema, definition, actor, platform.access, platform.filter_env(), request).run(connection)
    return dict(rows["records"][0]) if rows["records"] else None


def prefill(platform: Platform, actor: Actor, kind: str, day: date | None) -> Draft:
    """The numbers and items of the signed-in user's period of ``kind`` containing ``day`` (today if None)."""
    with platform.records.reading_object(actor, "work_report", "create") as (connection, bound, schema, _d):
        zone = user_zone(platform, connection, bound.user_id)
        period = period_of(kind, day or today(platform, zone))
        existing = find(platform, connection, bound, schema, bound.user_id, period)
        counted = tally(reader_of(platform, connection, bound, schema), bound.user_id, period, zone)
        return Draft(period, counted, int(existing["id"]) if existing else None)


def texts(form: dict[str, Any]) -> dict[str, Any]:
    return {name: str(form.get(name) or "").strip() or None for name in TEXT_FIELDS if name in form}


def create(platform: Platform, actor: Actor, kind: str, day: date, written: dict[str, Any], send: bool) -> int:
    data = {"kind": kind, "period_start": day.isoformat(), **texts(written)}
    if send:
        data["status"] = SUBMITTED
    with platform.records.transaction(actor) as context:
        return int(platform.records.create_in(context, "work_report", data).values["id"])


def save(platform: Platform, actor: Actor, report_id: int, written: dict[str, Any], send: bool,
         version: int | None) -> None:  # fmt: skip
    data = texts(written)
    if send:
        data["status"] = SUBMITTED
    with platform.records.transaction(actor) as context:
        platform.records.update_in(context, "work_report", report_id, data, version)


def submit(platform: Platform, actor: Actor, report_id: int) -> dict[str, Any]:
    """Submit a draft: the hooks count the numbers again, name the manager and tell them."""
    with platform.records.transaction(actor) as context:
        stored = platform.records.visible_row(context.connection, context.schema, context.actor,
                                              context.schema.object("work_report"), report_id)  # fmt: skip
        if stored.get("status") == SUBMITTED:
            message = _("This report is already submitted.")
            raise validation_failed([FieldError("status", "already_submitted", message)])
        return platform.records.update_in(context, "work_report", report_id, {"status": SUBMITTED}, None).json()


def comment(platform: Platform, actor: Actor, report_id: int, body: str) -> int:
    with platform.records.transaction(actor) as context:
        platform.records.visible_row(
            context.connection, context.schema, context.actor, context.schema.object("work_report"), report_id
        )  # 404 unless theirs to read
        made = platform.records.create_in(context, "work_report_comment", {"work_report": report_id, "body": body})
        return int(made.values["id"])


def show(platform: Platform, connection: Connection, actor: Actor, schema: Any, report_id: int) -> Shown:
    """One report the reader may read (404 otherwise, as for a report that does not exist)."""
    definition = schema.object("work_report")
    request = {"filter": {"field": "id", "op": "eq", "value": report_id},
               "fields": [*REPORT_FIELDS, *NUMBER_FIELDS], "limit": 1}  # fmt: skip
    rows = Listing(schema, definition, actor, platform.access, platform.filter_env(), request).run(connection)
    if not rows["records"]:
        raise not_found(_("There is no such report."))
    report = dict(rows["records"][0])
    period = period_of(str(report["kind"]), date.fromisoformat(str(report["period_start"])))
    author = int(report["owner"])
    zone = user_zone(platform, connection, author)
    # The items are listed as the reader may read them. The author's own draft shows the numbers as of now; any
    # other reader, and every submitted report, the numbers as stored (the snapshot taken on submission).
    counted = tally(reader_of(platform, connection, actor, schema), author, period, zone)
    if not (report["status"] == DRAFT and actor.user_id == author):
        counted.numbers = {name: report.get(name) for name in NUMBER_FIELDS}
    found = Shown(report, period, counted, comments_of(platform, connection, actor, schema, report_id))
    people = [author, report.get("submitted_to"), report.get("reviewed_by"), *(c.get("owner") for c in found.comments)]
    found.names = cells.user_names(connection, people)
    return found


def comments_of(platform: Platform, connection: Connection, actor: Actor, schema: Any,
                report_id: int) -> list[dict[str, Any]]:  # fmt: skip
    definition = schema.objects.get("work_report_comment")
    if definition is None or not platform.access.may(actor, definition, "read"):
        return []
    request = {"filter": {"field": "work_report", "op": "eq", "value": report_id},
               "fields": ["body", "owner", "created_at"], "sort": ["created_at", "id"], "limit": 200}  # fmt: skip
    listing = Listing(schema, definition, actor, platform.access, platform.filter_env(), request)
    return [dict(row) for row in listing.run(connection)["records"]]


def mine(
    platform: Platform, connection: Connection, actor: Actor, schema: Any, limit: int = 60
) -> list[dict[str, Any]]:
    """The signed-in user's own reports, newest period first."""
    definition = schema.object("work_report")
    request = {"filter": {"field": "owner", "op": "eq", "value": actor.user_id},
               "fields": [*REPORT_FIELDS, "calls", "visits", "deals_won", "won_amount"],
               "sort": ["-period_start", "-id"], "limit": limit}  # fmt: skip
    listing = Listing(schema, definition, actor, platform.access, platform.filter_env(), request)
    return [dict(row) for row in listing.run(connection)["records"]]


def dailies(platform: Platform, connection: Connection, actor: Actor, schema: Any, author: int,
            period: Period) -> list[dict[str, Any]]:  # fmt: skip
    """For a week: the author's daily reports of that week the reader may read, Monday first — what a weekly
    report is written from."""
    if period.kind != WEEKLY:
        return []
    definition = schema.object("work_report")
    request = {"filter": {"and": [
        {"field": "owner", "op": "eq", "value": author}, {"field": "kind", "op": "eq", "value": DAILY},
        {"field": "period_start", "op": "between", "value": [period.start.isoformat(), period.end.isoformat()]},
    ]}, "fields": ["period_start", "status", "summary"], "sort": ["period_start"], "limit": 7}  # fmt: skip
    listing = Listing(schema, definition, actor, platform.access, platform.filter_env(), request)
    return [dict(row) for row in listing.run(connection)["records"]]
