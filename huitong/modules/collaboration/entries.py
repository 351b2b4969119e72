"""Comments as timeline entries: read as the reader through the query engine (the access policy reads a comment
exactly when its record is readable), newest first after a cursor, rendered with the module's template; and the
comment box with the follow button that a record page's timeline shows above its entries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from huitong.engine.meta.schema import Schema
from huitong.engine.platform import PagePart, Platform, TimelineCursor, TimelineEntry, TimelineQuery
from huitong.engine.query.compiler import QueryBuilder
from huitong.engine.records.context import Actor
from huitong.modules.collaboration import follows, fragments, mentions
from huitong.modules.collaboration.objects import OWN

KIND = "comment"
COLUMNS = ("id", "body", "owner", "created_at", "mentions", "parent", "object_name", "record_id")


def aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def read(platform: Platform, connection: Connection, actor: Actor, schema: Schema,
         records: Mapping[str, Sequence[int]], before: TimelineCursor | None, limit: int,
         *, posts: bool = False) -> list[dict[str, Any]]:  # fmt: skip
    """Comments on ``records`` (and posts, with ``posts``) the reader may read, newest first, after ``before``."""
    definition = schema.objects.get("comment")
    if definition is None or not platform.access.may(actor, definition, "read"):
        return []
    if not set(COLUMNS) <= set(definition.fields):  # a field hidden from the reader: comments are not theirs
        return []
    builder = QueryBuilder(schema, definition, actor, platform.access)
    table = builder.table
    about = [and_(table.c.object_name == name, table.c.record_id.in_(sorted({int(i) for i in ids})))
             for name, ids in records.items() if ids]  # fmt: skip
    if posts:
        about.append(table.c.object_name.is_(None))
    if not about:
        return []
    query = builder.select(*(table.c[name] for name in COLUMNS)).where(or_(*about))
    if before is not None:
        query = query.where(before.older(KIND, table.c.created_at, table.c.id))
    query = query.order_by(table.c.created_at.desc(), table.c.id.desc()).limit(limit)
    return [dict(row) for row in connection.execute(query).mappings()]


def render(part: PagePart, found: list[dict[str, Any]], titles: Mapping[tuple[str, int], str] | None = None
           ) -> list[TimelineEntry]:  # fmt: skip
    """Each comment as an entry: author, time, text with mentions marked, the comment it answers; with ``titles``
    (in the feed), a link to the record it is about."""
    parents = authors_of(part, [int(row["parent"]) for row in found if row["parent"] is not None])
    people = mentions.people(part.connection, [
        *(row["owner"] for row in found if row["owner"] is not None), *parents.values(),
        *(user_id for row in found for user_id in mentions.parse_ids(row["mentions"])),
    ])  # fmt: skip
    shown = []
    for row in found:
        mentioned = [people[user_id] for user_id in mentions.parse_ids(row["mentions"]) if user_id in people]
        author = people.get(int(row["owner"])) if row["owner"] is not None else None
        key = (row["object_name"], int(row["record_id"])) if row["object_name"] else None
        answered = people.get(parents.get(int(row["parent"]), 0)) if row["parent"] is not None else None
        context = {"c": row, "author": author.name if author else "", "text": fragments.marked(row["body"], mentioned),
                   "reply_to": answered.name if answered else None,
                   "title": (titles or {}).get(key) if key else None, "in_feed": titles is not None}  # fmt: skip
        html = fragments.html(part.platform, part.request, part.user, "collaboration_comment.html", context)
        shown.append(TimelineEntry(aware(row["created_at"]), KIND, int(row["id"]), html, row["object_name"],
                                   row["record_id"]))  # fmt: skip
    return shown


def authors_of(part: PagePart, ids: list[int]) -> dict[int, int]:
    """Who wrote the comments replied to (each on the same record as its reply, so as readable as the reply)."""
    if not ids or "comment" not in part.schema.objects:
        return {}
    table = part.schema.table("comment")
    rows = part.connection.execute(select(table.c.id, table.c.owner).where(table.c.id.in_(sorted(set(ids)))))
    return {int(row.id): int(row.owner) for row in rows if row.owner is not None}


def entries(query: TimelineQuery) -> list[TimelineEntry]:
    """The timeline source: comments on the asked records."""
    part = query.part
    records = {name: ids for name, ids in query.records.items() if name not in OWN}
    found = read(part.platform, part.connection, part.actor, part.schema, records, query.before, query.limit)
    return render(part, found)


def composer(part: PagePart) -> str | None:
    """Above a record's timeline: the comment box (for those who may comment) and the follow button."""
    if part.definition is None or part.record is None or part.definition.name in OWN:
        return None
    comment = part.schema.objects.get("comment")
    record_id = int(part.record["id"])
    context = {
        "object_name": part.definition.name, "record_id": record_id,
        "may_comment": comment is not None and part.platform.access.may(part.actor, comment, "create"),
        "following": follows.is_following(part.connection, part.schema, part.actor.user_id, part.definition.name,
                                          record_id) if "follow" in part.schema.objects else False,
        "body": "", "errors": [],
    }  # fmt: skip
    return fragments.html(part.platform, part.request, part.user, "collaboration_box.html", context)


def as_json(row: Mapping[str, Any]) -> dict[str, Any]:
    """A comment as the API shows it."""
    created = aware(row["created_at"]).isoformat().replace("+00:00", "Z")
    return {"id": row["id"], "body": row["body"], "author": row["owner"], "created_at": created,
            "mentions": mentions.parse_ids(row["mentions"]), "parent": row["parent"], "object": row["object_name"],
            "record": row["record_id"]}  # fmt: skip
