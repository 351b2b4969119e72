"""Merging duplicates: one record is kept with the values chosen field by field, every record that pointed at the
others points at it, and the others go to the recycle bin. One transaction, through the record service."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from huitong.engine.errors import FieldError, bad_request, forbidden
from huitong.engine.i18n import _
from huitong.engine.meta.model import ObjectDef
from huitong.engine.platform import Platform
from huitong.engine.query.listing import MAX_LIMIT, Listing
from huitong.engine.records.context import Actor, WriteContext
from huitong.engine.records.values import record_json, row_values
from huitong.modules.sales.conversion import is_id
from huitong.modules.sales.duplicates import RULES
from huitong.modules.sales.hooks_customers import acting

MAX_MERGED = 10  # a merge is a person's decision about a few records, not a bulk operation


def read_request(body: Any) -> tuple[int, list[int], dict[str, int]]:
    """``{"keep": id, "merge": [ids], "values": {field: id to take it from}}``."""
    if not isinstance(body, dict):
        raise bad_request(_("Send a JSON object."))
    errors = [FieldError(key, "unknown_key", _("Unknown property.")) for key in sorted(set(body) - {"keep", "merge",
              "values"})]  # fmt: skip
    keep: Any = body.get("keep")
    merged: Any = body.get("merge")
    values: Any = body.get("values") or {}
    if not is_id(keep):
        errors.append(FieldError("keep", "invalid_type", _("Give the id of the record to keep.")))
    if (
        not isinstance(merged, list)
        or not 1 <= len(merged) <= MAX_MERGED
        or not all(is_id(item) for item in merged)
        or len(set(merged)) != len(merged)
        or keep in merged
    ):
        message = _("Give the ids of 1 to %(limit)s other records to merge into the one kept.") % {"limit": MAX_MERGED}
        errors.append(FieldError("merge", "invalid_value", message))
    if not isinstance(values, dict) or not all(is_id(v) for v in values.values()):
        errors.append(
            FieldError("values", "invalid_type", _("Give, for each field, the id of the record to take it from."))
        )
    if errors:
        raise bad_request(_("The merge request is not valid."), errors, code="invalid_merge")
    return int(keep), [int(item) for item in merged], dict(values)


def merge(platform: Platform, actor: Actor, object_name: str, body: Any) -> dict[str, Any]:
    """Merge; returns ``{"id": kept id, "merged": [ids], "moved": number of related records moved}``."""
    if object_name not in RULES:
        raise bad_request(_("Leads, accounts and contacts can be merged."), code="unknown_object")
    keep, merged, chosen = read_request(body)
    records = platform.records
    with records.transaction(actor) as context, acting("merge"):
        definition = context.schema.object(object_name)
        rows = {keep: records.load_for_write(context, definition, keep, "edit")}
        for record_id in merged:
            rows[record_id] = records.load_for_write(context, definition, record_id, "delete")
        changes = taken_values(definition, rows, chosen, keep, merged)
        if changes:
            records.update_in(context, object_name, keep, changes, None)
        moved = move_related(platform, context, object_name, keep, merged)
        for record_id in merged:
            records.delete_in(context, object_name, record_id, None)
    return {"id": keep, "merged": merged, "moved": moved}


def taken_values(
    definition: ObjectDef, rows: dict[int, dict[str, Any]], chosen: dict[str, int], keep: int, merged: list[int]
) -> dict[str, Any]:
    """The kept record's new values: each chosen field from the record chosen for it."""
    errors = []
    changes: dict[str, Any] = {}
    for name, source in chosen.items():
        field = definition.fields.get(name)
        if field is None or not field.writable:
            errors.append(FieldError(f"values.{name}", "unknown_field", _("This object has no such field.")))
        elif source not in rows:
            errors.append(FieldError(f"values.{name}", "invalid_value", _("Take values from the records merged.")))
        else:
            value = record_json(definition, row_values(definition, rows[source])).get(name)
            if field.type == "lookup" and field.options.get("target") == definition.name and value in [keep, *merged]:
                value = None  # never at itself, nor at the records about to go
            changes[name] = value
    if errors:
        raise bad_request(_("The merge request is not valid."), errors, code="invalid_merge")
    return changes


def move_related(platform: Platform, context: WriteContext, object_name: str, keep: int, merged: list[int]) -> int:
    """Point every record that points at a merged record at the kept one instead, through the record service (so
    history, hooks and access apply). Records the user may not change would keep pointing at a deleted record: the
    merge is refused instead."""
    moved = 0
    for child, field in context.schema.lookups_to(object_name):
        if not platform.access.may(context.actor, child, "read"):
            continue
        while True:
            ids = pointing(platform, context, child, field.name, merged, child.name == object_name)
            if not ids:
                break
            for record_id in ids:
                value = None if (child.name == object_name and record_id == keep) else keep
                platform.records.update_in(context, child.name, record_id, {field.name: value}, None)
                moved += 1
    left = still_pointing(platform, context, object_name, merged)
    if left:
        raise forbidden(
            _("%(count)s related records you may not change point at the records being merged; ask an "
              "administrator to merge them.") % {"count": left}
        )  # fmt: skip
    return moved


def pointing(
    platform: Platform, context: WriteContext, child: ObjectDef, field: str, merged: list[int], same_object: bool
) -> list[int]:
    """Ids of records the user may read whose ``field`` points at one of ``merged`` (not those being merged)."""
    conditions: list[dict[str, Any]] = [{"field": field, "op": "in", "value": merged}]
    if same_object:
        conditions.append({"field": "id", "op": "not_in", "value": merged})
    request = {"filter": {"and": conditions}, "fields": ["id"], "limit": MAX_LIMIT, "sort": ["id"]}
    listing = Listing(context.schema, child, context.actor, platform.access, platform.filter_env(), request)
    return [int(record["id"]) for record in listing.run(context.connection)["records"]]


def still_pointing(platform: Platform, context: WriteContext, object_name: str, merged: list[int]) -> int:
    """How many live records still point at the merged ones, whoever may see them (fields the user's view hides
    too): a count for the integrity of the data, not a list shown to the user."""
    schema = platform.cache.current(context.connection, context.schema.version)
    left = 0
    for child, field in schema.lookups_to(object_name):
        table = schema.table(child.name)
        query = select(func.count()).where(table.c[field.name].in_(merged), table.c.deleted_at.is_(None))
        if child.name == object_name:
            query = query.where(table.c.id.not_in(merged))
        left += int(context.connection.execute(query).scalar_one())
    return left
