"""The duplicates page of a lead, account or contact: its look-alikes side by side, the values to keep chosen field
by field, and the merge (through merge.py, so the same checks as the API)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.responses import Response

from huitong.engine.api.support import platform_of
from huitong.engine.errors import HuitongError, not_found
from huitong.engine.i18n import localized
from huitong.engine.query.listing import Listing
from huitong.engine.web import cells
from huitong.engine.web.render import field_label, navigation, render
from huitong.engine.web.session import PageUser
from huitong.modules.sales import duplicates

MAX_SHOWN = 4  # look-alikes beside the record: more do not fit a screen, and a merge takes few at a time


def show(
    request: Request, user: PageUser, object_name: str, record_id: int, *, error: HuitongError | None = None
) -> Response:
    if object_name not in duplicates.RULES:
        raise not_found()
    platform = platform_of(request)
    with platform.records.reading(user.actor) as (connection, actor, schema):
        definition = schema.object(object_name)
        platform.access.check_object(actor, definition, "read")
        columns = [f for f in definition.user_fields if f.writable and not f.name.startswith("converted_")]
        records = read(platform, connection, schema, actor, definition, columns, [record_id])
        if not records:
            platform.records.visible_row(connection, schema, actor, definition, record_id)  # 404, as a record page
        record = records[0]
        nav = navigation(platform, schema, actor)
    found = duplicates.find(platform, user.actor, object_name, record, exclude=record_id)[:MAX_SHOWN]
    with platform.records.reading(user.actor) as (connection, actor, schema):
        others = read(platform, connection, schema, actor, definition, columns, [m["id"] for m in found])
        everyone = [record, *sorted(others, key=lambda r: [m["id"] for m in found].index(r["id"]))]
        names = cells.user_names(connection, cells.users_on(everyone, columns))
    rows = []
    for field in columns:
        shown = [cells.cell(schema, field, r, names) for r in everyone]
        if not any(c.text for c in shown):
            continue
        # by default each value comes from the kept record, or the first look-alike that has one
        source = next((r["id"] for r, c in zip(everyone, shown, strict=True) if c.text), record_id)
        rows.append({"field": field, "cells": list(zip(everyone, shown, strict=True)), "source": source,
                     "differs": len({c.text for c in shown}) > 1})  # fmt: skip
    label = localized(definition.label, object_name)
    context = {
        "definition": definition, "label": label, "record": record, "matches": found, "others": others,
        "rows": rows, "error": error, "nav": nav, "field_label": field_label,
        "title": str(record.get(definition.title_field) or f"#{record_id}"),
    }  # fmt: skip
    return render(request, "customers_duplicates.html", context, user=user, status=422 if error else 200)


def read(
    platform: Any, connection: Any, schema: Any, actor: Any, definition: Any, columns: list[Any], ids: list[int]
) -> list[dict[str, Any]]:
    """The records with the columns' values and their lookups' titles, through the same access as lists."""
    if not ids:
        return []
    query = {"filter": {"field": "id", "op": "in", "value": ids}, "fields": cells.listing_fields(schema, columns),
             "limit": len(ids)}  # fmt: skip
    listing = Listing(schema, definition, actor, platform.access, platform.filter_env(), query)
    return [dict(found) for found in listing.run(connection)["records"]]
