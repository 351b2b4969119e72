"""Comment actions shared by the API and the pages: post one, read a record's, and the people the @ type-ahead
offers. The rules themselves are hooks (comments.py), so the generic records API keeps them too."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from huitong.engine.errors import FieldError, validation_failed
from huitong.engine.i18n import _
from huitong.engine.notices import may_read_record
from huitong.engine.platform import Platform, TimelineCursor
from huitong.engine.records.context import Actor, WriteContext
from huitong.modules.collaboration import entries, mentions

LIMIT = 50


def post(platform: Platform, actor: Actor, data: Mapping[str, Any]) -> dict[str, Any]:
    """A new comment ({"object", "record", "body", "mentions", "parent"}; no object and record: a post)."""
    body = data.get("body")
    if not isinstance(body, str) or not body.strip():
        message = _("Write something first.")
        raise validation_failed([FieldError("body", "required", message)], message)
    values = {"body": body, "object_name": data.get("object") or None, "record_id": data.get("record"),
              "mentions": mentions.stored(mentions.parse_ids(data.get("mentions"))), "parent": data.get("parent")}  # fmt: skip
    if values["record_id"] in ("", None):
        values["record_id"] = None
    with platform.records.transaction(actor) as context:
        record = platform.records.create_in(context, "comment", values)
    return record.values


def of_record(platform: Platform, actor: Actor, object_name: str, record_id: int, before: TimelineCursor | None,
              limit: int = LIMIT) -> tuple[list[dict[str, Any]], TimelineCursor | None]:  # fmt: skip
    """A record's comments, newest first, once the reader may read the record (404 otherwise, as for the record)."""
    with platform.records.reading_object(actor, object_name) as (connection, bound, schema, definition):
        platform.records.visible_row(connection, schema, bound, definition, record_id)
        rows = entries.read(platform, connection, bound, schema, {object_name: [record_id]}, before, limit + 1)
    shown = rows[:limit]
    last = shown[-1] if shown else None
    more = None if len(rows) <= limit or last is None else TimelineCursor(entries.aware(last["created_at"]),
                                                                         entries.KIND, int(last["id"]))  # fmt: skip
    return [entries.as_json(row) for row in shown], more


def people(platform: Platform, actor: Actor, text: str, object_name: str | None,
           record_id: int | None) -> list[dict[str, Any]]:  # fmt: skip
    """Active colleagues matching ``text``, and whether each may read the record (when the asker may read it: the
    hint says no more than the refusal would)."""
    with platform.records.reading(actor) as (connection, bound, schema):
        found = mentions.suggest(connection, text)
        context = WriteContext(connection, schema, bound, platform.now(), records=platform.records)
        check = (object_name is not None and record_id is not None and object_name in schema.objects
                 and may_read_record(context, platform.access, bound.user_id, object_name, record_id))  # fmt: skip
        return [{"id": person.id, "name": person.name, "username": person.username, "department": person.department,
                 "may_read": (not check) or may_read_record(context, platform.access, person.id, str(object_name),
                                                            int(record_id or 0))}
                for person in found]  # fmt: skip


def delete(platform: Platform, actor: Actor, comment_id: int) -> None:
    """Delete a comment: the record service lets only its author (and administrators) do so (decisions/0013)."""
    with platform.records.transaction(actor) as context:
        platform.records.delete_in(context, "comment", comment_id, None)
