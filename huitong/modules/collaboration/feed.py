"""The work circle (工作圈): what happened on the records a user follows — comments, changes of tracked fields, and
the entries other modules add (activities) — and what colleagues posted, newest first, a page at a time.

Each source reads at most a page and one more entry after the cursor, in the order of an index, so page 100 costs
what page 1 does; the sources are merged by (when, kind, id). The followed records are checked once per page
through the query engine as the reader: a record they may no longer read drops out with everything about it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select

from huitong.engine.errors import FieldError, bad_request
from huitong.engine.i18n import _
from huitong.engine.platform import PagePart, TimelineCursor, TimelineEntry, TimelineQuery
from huitong.engine.query.compiler import QueryBuilder
from huitong.engine.system_tables import field_history
from huitong.engine.web import cells
from huitong.engine.web.render import field_label
from huitong.modules.collaboration import entries, follows, fragments
from huitong.modules.collaboration.objects import OWN

PAGE = 20
CHANGE = "change"


def encode(cursor: TimelineCursor) -> str:
    text = json.dumps([cursor.when.isoformat(), cursor.kind, cursor.id])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(raw: str | None) -> TimelineCursor | None:
    if not raw:
        return None
    try:
        when, kind, number = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        moment = datetime.fromisoformat(when)
        if moment.tzinfo is None or not isinstance(kind, str) or not isinstance(number, int):
            raise ValueError
        return TimelineCursor(moment, kind, number)
    except (ValueError, TypeError, UnicodeDecodeError):
        message = _("This cursor is not valid for this list; start again without it.")
        raise bad_request(message, [FieldError("cursor", "invalid_cursor", message)]) from None


def followed(part: PagePart) -> dict[str, dict[int, str]]:
    """The records the reader follows and may read, by object, with their titles (the newest follows first)."""
    rows = follows.follow_rows(part.connection, part.schema, part.actor.user_id, limit=follows.FEED_FOLLOWS)
    wanted: dict[str, set[int]] = {}
    for row in rows:
        wanted.setdefault(str(row["object_name"]), set()).add(int(row["record_id"]))
    found: dict[str, dict[int, str]] = {}
    for name, ids in wanted.items():
        definition = part.schema.objects.get(name)
        if definition is None or name in OWN or not part.platform.access.may(part.actor, definition, "read"):
            continue
        builder = QueryBuilder(part.schema, definition, part.actor, part.platform.access)
        title = definition.title_field if definition.title_field in definition.fields else "id"
        query = builder.select(builder.table.c.id, builder.table.c[title]).where(builder.table.c.id.in_(sorted(ids)))
        found[name] = {int(row[0]): str(row[1] if row[1] not in (None, "") else f"#{row[0]}")
                       for row in part.connection.execute(query)}  # fmt: skip
    return found


def changes(part: PagePart, records: Mapping[str, Mapping[int, str]], before: TimelineCursor | None,
            limit: int, details: dict[tuple[str, int], dict[str, Any]]) -> list[TimelineEntry]:  # fmt: skip
    """Changes of tracked fields of the followed records, without fields hidden from the reader."""
    every = part.platform.cache.current(part.connection, part.schema.version)
    about = []
    for name, ids in records.items():
        if not ids:
            continue
        shown = part.schema.object(name)
        hidden = sorted(field for field in every.object(name).fields if field not in shown.fields)
        condition = and_(field_history.c.object_name == name, field_history.c.record_id.in_(sorted(ids)))
        about.append(and_(condition, field_history.c.field_name.not_in(hidden)) if hidden else condition)
    if not about:
        return []
    query = select(field_history).where(or_(*about))
    if before is not None:
        query = query.where(before.older(CHANGE, field_history.c.changed_at, field_history.c.id))
    query = query.order_by(field_history.c.changed_at.desc(), field_history.c.id.desc()).limit(limit)
    rows = list(part.connection.execute(query).mappings())
    names = cells.user_names(part.connection, [row["changed_by"] for row in rows])
    found = []
    for row in rows:
        definition = part.schema.object(row["object_name"])
        change = {"field": row["field_name"], "old": row["old_value"], "new": row["new_value"]}
        cells.shown_changes(part.connection, part.schema, definition, [change])
        field = definition.fields.get(row["field_name"])
        context = {"change": change, "row": row, "who": names.get(row["changed_by"], ""),
                   "field": field_label(field) if field else row["field_name"],
                   "title": records[row["object_name"]].get(int(row["record_id"]), "")}  # fmt: skip
        html = fragments.html(part.platform, part.request, part.user, "collaboration_change.html", context)
        details[(CHANGE, int(row["id"]))] = {"field": row["field_name"], "old": row["old_value"],
                                             "new": row["new_value"], "by": row["changed_by"]}  # fmt: skip
        found.append(TimelineEntry(entries.aware(row["changed_at"]), CHANGE, int(row["id"]), html,
                                   row["object_name"], int(row["record_id"])))  # fmt: skip
    return found


class Page:
    """A page of the work circle: its entries, the cursor of the next page (None at the end), and what the API
    shows of the module's own entries (a comment's text, a change's values) by (kind, id)."""

    def __init__(self, shown: list[TimelineEntry], next_cursor: TimelineCursor | None,
                 details: dict[tuple[str, int], dict[str, Any]]) -> None:  # fmt: skip
        self.entries = shown
        self.next_cursor = next_cursor
        self.details = details


def page(part: PagePart, before: TimelineCursor | None, limit: int = PAGE) -> Page:
    """A page of the reader's work circle."""
    records = followed(part)
    ids: dict[str, Sequence[int]] = {name: sorted(found) for name, found in records.items() if found}
    titles = {(name, record_id): title for name, found in records.items() for record_id, title in found.items()}
    wanted = limit + 1
    rows = entries.read(part.platform, part.connection, part.actor, part.schema, ids, before, wanted, posts=True)
    merged = entries.render(part, rows, titles)
    details: dict[tuple[str, int], dict[str, Any]] = {(entries.KIND, int(row["id"])): entries.as_json(row)
                                                      for row in rows}  # fmt: skip
    merged += changes(part, records, before, wanted, details)
    query = TimelineQuery(part, ids, before, wanted)
    for module in part.platform.modules:
        for source in module.timeline_sources:
            if source.entries is not entries.entries and ids:
                merged += [entry for entry in source.entries(query) if entry.kind not in (entries.KIND, CHANGE)]
    merged.sort(key=lambda entry: entry.cursor, reverse=True)
    shown = merged[:limit]
    return Page(shown, shown[-1].cursor if len(merged) > limit and shown else None, details)


def as_json(entry: TimelineEntry, details: Mapping[tuple[str, int], dict[str, Any]]) -> dict[str, Any]:
    return {"kind": entry.kind, "id": entry.id, "when": entry.when.isoformat().replace("+00:00", "Z"),
            "object": entry.object, "record": entry.record_id, **details.get((entry.kind, entry.id), {})}  # fmt: skip
