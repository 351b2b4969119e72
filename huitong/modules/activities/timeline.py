"""A record's timeline (COL-1): the activities about it, the changes of its tracked fields and what other modules
add through ``Module.timeline_sources`` (comments …), newest first, filtered by kind, a page at a time. Activities
are read through the query engine as the reader, so one they may not read never shows; changes of fields hidden
from them are left out; each source reads its entries as the reader too.

Every record page has it; the quick buttons for activities show on the pages of the records activities are about."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy import Connection

from huitong.engine.i18n import _, localized
from huitong.engine.meta.schema import Schema
from huitong.engine.platform import PagePart, Platform, TimelineCursor, TimelineEntry, TimelineQuery, TimelineSource
from huitong.engine.query.listing import Listing
from huitong.engine.records import history
from huitong.engine.records.context import Actor
from huitong.engine.web import cells
from huitong.modules.activities import fragments
from huitong.modules.activities.moments import instant
from huitong.modules.activities.objects import KINDS, RELATIONS

PAGE = 10
FILTERS = (*KINDS, "change")
# What a timeline item shows of each kind (those the reader may see).
SHOWN = {
    "task": ["subject", "status", "priority", "due_at", "completed_at", "description"],
    "event": ["subject", "kind", "start_at", "end_at", "all_day", "location", "check_in_at", "check_in_address"],
    "call": ["subject", "direction", "phone", "outcome", "duration_seconds", "recording_url", "notes"],
    "note": ["title", "body"],
    "message": ["subject", "channel", "direction", "to_addresses", "body"],
}
COMMON = ["id", "version", "owner", "activity_at", *RELATIONS]


@dataclass
class Item:
    kind: str  # task, event, call, note, change, or a source's kind
    when: datetime
    record: dict[str, Any]
    html: Any = None  # a source's entry, rendered by its module


def sources(platform: Platform) -> list[TimelineSource]:
    """Other modules' timeline sources (this module's own entries are read here directly)."""
    return [source for module in platform.modules for source in module.timeline_sources
            if source.entries is not entries and source.kind not in FILTERS]  # fmt: skip


def entries(query: TimelineQuery) -> list[TimelineEntry]:
    """This module's timeline source, for others' timelines (the work circle feed asks with the records a user
    follows): the activities about the asked records, newest first after the cursor, as the reader may read them."""
    part = query.part
    found: list[TimelineEntry] = []
    task = part.schema.objects.get("task")
    editable = {"task": task is not None and part.platform.access.may(part.actor, task, "edit")}
    for kind in KINDS:
        about = [{"field": name, "op": "in", "value": sorted(ids)} for name, ids in query.records.items()
                 if name in RELATIONS and ids]  # fmt: skip
        if not about:
            continue
        conditions: list[Any] = [{"or": about}]
        if query.before is not None:
            conditions.append(older(query.before, kind))
        records = activities(part.platform, part.connection, part.actor, part.schema, kind, {"and": conditions},
                             ["-activity_at", "-id"], query.limit)  # fmt: skip
        names = cells.user_names(part.connection, [record.get("owner") for record in records])
        for record in records:
            item = Item(kind, instant(record.get("activity_at")), record)
            context = {"item": item, "schema": part.schema, "names": names, "now": part.platform.now(),
                       "editable": editable}  # fmt: skip
            html = fragments.html(part.platform, part.request, part.user, "activities_timeline_entry.html", context)
            found.append(TimelineEntry(item.when, kind, int(record["id"]), html, *about_record(record)))
    return found


def about_record(record: dict[str, Any]) -> tuple[str | None, int | None]:
    for name in ("opportunity", "contact", "account", "lead"):
        if record.get(name):
            return name, int(record[name])
    return None, None


def older(cursor: TimelineCursor, kind: str) -> dict[str, Any]:
    """``TimelineCursor.older`` as a filter of the query engine, on ``activity_at``."""
    if kind != cursor.kind:
        return {"field": "activity_at", "op": "lte" if kind < cursor.kind else "lt", "value": cursor.when}
    return {"or": [{"field": "activity_at", "op": "lt", "value": cursor.when},
                   {"and": [{"field": "activity_at", "op": "eq", "value": cursor.when},
                            {"field": "id", "op": "lt", "value": cursor.id}]}]}  # fmt: skip


def filters(platform: Platform) -> set[str]:
    return {*FILTERS, *(source.kind for source in sources(platform))}


def activities(platform: Platform, connection: Connection, actor: Actor, schema: Schema, kind: str,
               filter_: Any, sort: list[str], limit: int) -> list[dict[str, Any]]:  # fmt: skip
    """The ``kind`` records matching ``filter_`` the reader may read, with the titles of what they point at; none
    when a field the filter or the order names is hidden from them (field-level security)."""
    definition = schema.objects.get(kind)
    if definition is None or not platform.access.may(actor, definition, "read"):
        return []
    if not {name.lstrip("-") for name in sort} | fields_in(filter_) <= set(definition.fields):
        return []
    columns = cells.columns_named(definition, [*COMMON, *SHOWN[kind]])
    request = {"filter": filter_, "fields": cells.listing_fields(schema, columns), "sort": sort, "limit": limit}
    listing = Listing(schema, definition, actor, platform.access, platform.filter_env(), request)
    return [dict(record) for record in listing.run(connection)["records"]]


def fields_in(filter_: Any) -> set[str]:
    if isinstance(filter_, dict):
        found = {filter_["field"]} if "field" in filter_ else set()
        for part in filter_.get("and", []) + filter_.get("or", []):
            found |= fields_in(part)
        return found
    return set()


def items(platform: Platform, connection: Connection, actor: Actor, schema: Schema, object_name: str,
          record_id: int, kind: str | None, page: int, part: PagePart | None = None) -> tuple[list[Item], bool]:  # fmt: skip
    """Page ``page`` (from 1) of the record's timeline, and whether there is more; ``part`` (the page) for the
    sources of other modules, which render their entries."""
    wanted = PAGE * page + 1  # each source's newest up to the end of this page, and one more to know
    found: list[Item] = []
    for name in KINDS:
        if kind in (None, name) and object_name in RELATIONS:
            about = {"field": object_name, "op": "eq", "value": record_id}
            for record in activities(platform, connection, actor, schema, name, about, ["-activity_at", "-id"],
                                     wanted):  # fmt: skip
                found.append(Item(name, instant(record.get("activity_at") or record.get("created_at")), record))
    if kind in (None, "change"):
        found += changes(platform, connection, schema, object_name, record_id, wanted)
    for source in sources(platform):
        if part is not None and kind in (None, source.kind):
            query = TimelineQuery(part, {object_name: [record_id]}, None, wanted)
            found += [Item(entry.kind, entry.when, {"id": entry.id}, Markup(entry.html))  # rendered by its module
                      for entry in source.entries(query)]  # fmt: skip
    found.sort(key=lambda item: item.when, reverse=True)
    return found[PAGE * (page - 1) : PAGE * page], len(found) > PAGE * page


def changes(platform: Platform, connection: Connection, schema: Schema, object_name: str, record_id: int,
            limit: int) -> list[Item]:  # fmt: skip
    definition = schema.object(object_name)
    every = platform.cache.current(connection, schema.version).object(object_name)
    hidden = [name for name in every.fields if name not in definition.fields]
    found = history.history_of(connection, object_name, record_id, limit=limit, hidden=hidden)
    shown = cells.shown_changes(connection, schema, definition, found)  # labels, names, links: as the page shows
    return [Item("change", instant(change["changed_at"]), change) for change in shown]


def kind_labels(schema: Schema) -> dict[str, str]:
    labels = {name: localized(schema.objects[name].plural_label or schema.objects[name].label, name)
              for name in KINDS if name in schema.objects}  # fmt: skip
    return {**labels, "change": _("Field changes")}


def context_of(platform: Platform, connection: Connection, actor: Actor, schema: Schema, object_name: str,
               record_id: int, kind: str | None, page: int, part: PagePart | None = None) -> dict[str, Any]:  # fmt: skip
    shown, more = items(platform, connection, actor, schema, object_name, record_id, kind, page, part)
    owners = [item.record.get("owner") for item in shown]
    names = cells.user_names(connection, [*owners, *(i.record.get("changed_by") for i in shown)])
    creatable = [name for name in KINDS if name in schema.objects and object_name in RELATIONS
                 and platform.access.may(actor, schema.objects[name], "create")]  # fmt: skip
    task = schema.objects.get("task")
    return {
        "items": shown, "more": more, "page": page, "kind": kind, "names": names, "schema": schema,
        "object_name": object_name, "record_id": record_id, "creatable": creatable,
        "kinds": {**(kind_labels(schema) if object_name in RELATIONS else {"change": _("Field changes")}),
                  **{source.kind: localized(source.label, source.kind) for source in sources(platform)}},
        "definition": schema.object(object_name), "now": platform.now(),
        "editable": {"task": task is not None and platform.access.may(actor, task, "edit")},
    }  # fmt: skip


def panel(part: PagePart) -> str | None:
    """The timeline card of a record page (with the boxes sources add above it, such as the comment box)."""
    assert part.definition is not None and part.record is not None
    context = context_of(part.platform, part.connection, part.actor, part.schema, part.definition.name,
                         int(part.record["id"]), None, 1, part)  # fmt: skip
    context["prefill"] = prefill(part.definition.name, part.record)
    boxes = [source.composer(part) for source in sources(part.platform) if source.composer is not None]
    context["composers"] = [Markup(box) for box in boxes if box]  # each module renders (and escapes) its own
    return fragments.html(part.platform, part.request, part.user, "activities_timeline.html", context)


def prefill(object_name: str, record: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """What each quick button's form starts with: the record it is about (and its account), and for a call the
    record's phone number; saving returns to the record (``next``)."""
    about: dict[str, Any] = {object_name: record["id"], "next": f"/records/{object_name}/{record['id']}"}
    if object_name in ("contact", "opportunity") and record.get("account"):
        about["account"] = record["account"]
    phone = record.get("mobile") or record.get("phone")
    return {
        "call": {**about, **({"phone": phone} if phone else {})},
        "note": about, "task": about, "event": about,
        "message": {**about, **({"to_addresses": record["email"]} if record.get("email") else {})},
    }  # fmt: skip
