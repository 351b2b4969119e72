"""Records each user opened lately, for the home page; titles are read through the access check, so a record the
user may no longer see drops off the list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from huitong.engine.i18n import localized
from huitong.engine.meta.schema import Schema
from huitong.engine.platform import Platform
from huitong.engine.query.listing import Listing
from huitong.engine.records.context import Actor
from huitong.engine.web.tables import recent_records as table

KEEP = 50


@dataclass(frozen=True)
class RecentRecord:
    object_name: str
    object_label: str
    record_id: int
    title: str


def remember(connection: Connection, user_id: int, object_name: str, record_id: int, now: datetime) -> None:
    key = (table.c.user_id == user_id) & (table.c.object_name == object_name) & (table.c.record_id == record_id)
    if connection.execute(update(table).where(key).values(viewed_at=now)).rowcount == 0:
        connection.execute(insert(table).values(user_id=user_id, object_name=object_name, record_id=record_id,
                                                viewed_at=now))  # fmt: skip
        oldest = (
            select(table.c.viewed_at).where(table.c.user_id == user_id)
            .order_by(table.c.viewed_at.desc()).offset(KEEP).limit(1).scalar_subquery()
        )  # fmt: skip
        connection.execute(delete(table).where(table.c.user_id == user_id, table.c.viewed_at <= oldest))


def recent_records(
    connection: Connection, platform: Platform, schema: Schema, actor: Actor, limit: int
) -> list[RecentRecord]:
    rows = connection.execute(
        select(table.c.object_name, table.c.record_id)
        .where(table.c.user_id == actor.user_id)
        .order_by(table.c.viewed_at.desc())
        .limit(limit * 2)
    ).all()
    by_object: dict[str, list[int]] = {}
    for row in rows:
        by_object.setdefault(row.object_name, []).append(int(row.record_id))
    titles: dict[tuple[str, int], str] = {}
    for name, ids in by_object.items():
        definition = schema.objects.get(name)
        if definition is None or not platform.access.may(actor, definition, "read"):
            continue
        title = definition.title_field
        request = {"filter": {"field": "id", "op": "in", "value": ids}, "fields": ["id", title], "limit": len(ids)}
        listing = Listing(schema, definition, actor, platform.access, platform.filter_env(), request)
        for record in listing.run(connection)["records"]:
            shown = definition.fields[title].field_type.display(definition.fields[title], record.get(title))
            titles[(name, int(record["id"]))] = shown or f"#{record['id']}"
    return [
        RecentRecord(row.object_name, localized(schema.objects[row.object_name].label), int(row.record_id), titles[key])
        for row in rows
        if (key := (row.object_name, int(row.record_id))) in titles
    ][:limit]
