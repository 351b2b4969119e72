"""The notification centre's reads and writes, as the user, on their own notifications only.

A person's inbox is theirs whatever their profile allows on other records: the rule for notifications is "the
owner, and nobody else" — not the administrator (whose bell is their own, though they may read every record), not
the manager. That rule is a small access policy (``OwnerOnly``) given to the query engine and the record service,
so every read and write here goes through them with it. Someone else's notification is "not found", never
"forbidden": its existence is none of the asker's business."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table

from huitong.engine.errors import FieldError, HuitongError, bad_request, not_found
from huitong.engine.i18n import _
from huitong.engine.meta.model import ObjectDef
from huitong.engine.meta.schema import Schema
from huitong.engine.platform import Platform
from huitong.engine.query.listing import Listing
from huitong.engine.records.context import Actor
from huitong.engine.records.service import RecordService
from huitong.engine.security.access import AccessPolicy
from huitong.modules.notifications.messages import shown

FIELDS = ["id", "kind", "message", "params", "body", "target_object", "target_id", "link", "actor", "read_at",
          "created_at"]  # fmt: skip
PAGE = 20
MAX_PAGE = 100
READ_ALL_BATCH = 500


class OwnerOnly(AccessPolicy):
    """Each user reads and changes their own records of the object, nobody else's."""

    def read_filter(self, actor: Actor, definition: ObjectDef, table: Table) -> ColumnElement[bool] | None:
        return table.c.owner == actor.user_id

    def write_filter(
        self, actor: Actor, definition: ObjectDef, table: Table, action: str
    ) -> ColumnElement[bool] | None:
        return table.c.owner == actor.user_id


OWNER_ONLY = OwnerOnly()


def inbox(platform: Platform) -> RecordService:
    """The record service with the owner-only rule (hooks, audit columns and versions as everywhere)."""
    return RecordService(platform.db, platform.cache, platform.hooks, OWNER_ONLY, platform.zone, platform.clock,
                         platform.notices)  # fmt: skip


@contextmanager
def reading(platform: Platform) -> Iterator[tuple[Connection, Schema, ObjectDef]]:
    with platform.db.read() as connection:
        schema = platform.cache.current(connection)
        yield connection, schema, schema.object("notification")


def listing(platform: Platform, schema: Schema, actor: Actor, request: dict[str, Any]) -> Listing:
    return Listing(schema, schema.object("notification"), actor, OWNER_ONLY, platform.filter_env(), request)


def own(actor: Actor, unread: bool = False) -> dict[str, Any]:
    conditions: list[dict[str, Any]] = [{"field": "owner", "op": "eq", "value": actor.user_id}]
    if unread:
        conditions.append({"field": "read_at", "op": "is_null", "value": True})
    return {"and": conditions}


def page(platform: Platform, actor: Actor, *, unread: bool = False, offset: int = 0, limit: int = PAGE,
         count: bool = True) -> dict[str, Any]:  # fmt: skip
    """A page of the user's notifications, newest first, rendered in the current locale; with the unread count."""
    if not 0 <= offset <= 100_000 or not 1 <= limit <= MAX_PAGE:
        message = _("Give a page within range.")
        raise bad_request(message, [FieldError("offset", "invalid_value", message)])
    with reading(platform) as (connection, schema, _definition):
        request = {"filter": own(actor, unread), "fields": FIELDS, "sort": ["-created_at", "-id"],
                   "limit": limit, "offset": offset, "count": count}  # fmt: skip
        answer = listing(platform, schema, actor, request).run(connection)
        unread_count = unread_total(platform, connection, schema, actor)
    return {
        "notifications": [shown(record) for record in answer["records"]],
        "total": answer.get("total"),
        "unread": unread_count,
        "offset": offset,
        "limit": limit,
        "more": offset + limit < int(answer.get("total") or 0),
    }


def unread_total(platform: Platform, connection: Connection, schema: Schema, actor: Actor) -> int:
    return listing(platform, schema, actor, {"filter": own(actor, True), "fields": ["id"], "limit": 1}).total(
        connection
    )


def unread_count(platform: Platform, actor: Actor) -> tuple[int, dict[str, Any] | None]:
    """The unread count and the newest unread notification (for the bell's live updates)."""
    with reading(platform) as (connection, schema, _definition):
        count = unread_total(platform, connection, schema, actor)
        newest = None
        if count:
            request = {"filter": own(actor, True), "fields": FIELDS, "sort": ["-created_at", "-id"], "limit": 1}
            records = listing(platform, schema, actor, request).run(connection)["records"]
            newest = shown(records[0]) if records else None
    return count, newest


def mark_read(platform: Platform, actor: Actor, notification_id: int) -> dict[str, Any]:
    """Mark one of the user's notifications read (already read: unchanged); 404 for anyone else's."""
    service = inbox(platform)
    with service.transaction(actor) as context:
        request = {"filter": {"and": [*own(actor)["and"], {"field": "id", "op": "eq", "value": notification_id}]},
                   "fields": FIELDS, "limit": 1}  # fmt: skip
        records = listing(platform, context.schema, actor, request).run(context.connection)["records"]
        if not records:
            raise not_found(_("This notification does not exist or is not yours."))
        row = dict(records[0])
        if row["read_at"] is None:
            service.update_in(context, "notification", notification_id, {"read_at": context.now}, None)
            row["read_at"] = context.now.isoformat()
    return shown(row)


def mark_all_read(platform: Platform, actor: Actor) -> int:
    """Mark every unread notification of the user read; returns how many (in batches)."""
    service = inbox(platform)
    marked = 0
    while True:
        with service.transaction(actor) as context:
            request = {"filter": own(actor, True), "fields": ["id"], "limit": READ_ALL_BATCH}
            ids = [record["id"] for record in listing(platform, context.schema, actor, request).run(
                context.connection)["records"]]  # fmt: skip
            for notification_id in ids:
                try:
                    service.update_in(context, "notification", notification_id, {"read_at": context.now}, None)
                except HuitongError:
                    continue  # gone meanwhile
            marked += len(ids)
        if len(ids) < READ_ALL_BATCH:
            return marked
