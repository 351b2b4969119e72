"""How a record's values appear on a page: each field type displays its own values; references (lookups and
users) show the title of what they point at, read in the same query (lookups) or one query per page (users)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from huitong.engine.meta.model import FieldDef, ObjectDef
from huitong.engine.meta.schema import Schema
from huitong.engine.records.values import HIDDEN_IN_RECORDS
from huitong.engine.security.tables import departments, groups, roles
from huitong.engine.system_tables import users

REFERENCES = frozenset({"lookup", "user"})
# What a list shows when no view chose its columns: the title, then the first fields people fill in.
DEFAULT_COLUMNS = 6
NOT_IN_LISTS = frozenset({"textarea", "richtext", "multiselect"})


@dataclass(frozen=True)
class Cell:
    text: str
    href: str | None = None


def title_path(schema: Schema, field: FieldDef) -> str | None:
    """``account.name`` for a lookup to account, when the reader may see the target's title field."""
    target = schema.objects.get(str(field.options.get("target", "")))
    if target is None or target.title_field not in target.fields:
        return None
    return f"{field.name}.{target.title_field}"


def default_columns(definition: ObjectDef) -> list[FieldDef]:
    chosen = [definition.fields[definition.title_field]] if definition.title_field in definition.fields else []
    for field in definition.user_fields:
        if len(chosen) >= DEFAULT_COLUMNS:
            break
        if field not in chosen and field.field_type.widget not in NOT_IN_LISTS:
            chosen.append(field)
    if "owner" in definition.fields:
        chosen.append(definition.fields["owner"])
    return chosen


def columns_named(definition: ObjectDef, names: Iterable[str]) -> list[FieldDef]:
    """The named columns the reader may see (a saved view may name a field since hidden from them)."""
    return [definition.fields[name] for name in names if name in definition.fields]


def listing_fields(schema: Schema, columns: Sequence[FieldDef]) -> list[str]:
    fields = ["id", "version"]
    for field in columns:
        if field.name in HIDDEN_IN_RECORDS:
            continue
        fields.append(field.name)
        if field.field_type.widget == "lookup" and (path := title_path(schema, field)):
            fields.append(path)
    return list(dict.fromkeys(fields))


def user_names(connection: Connection, ids: Iterable[Any]) -> dict[int, str]:
    wanted = {int(value) for value in ids if value is not None}
    if not wanted:
        return {}
    rows = connection.execute(select(users.c.id, users.c.display_name).where(users.c.id.in_(sorted(wanted))))
    return {int(row.id): row.display_name for row in rows}


def principal_names(connection: Connection, shares: Iterable[Mapping[str, Any]]) -> dict[tuple[str, int], str]:
    """Names of whom records are shared with: users, roles, departments and groups, one query per kind."""
    tables = {"user": (users, users.c.display_name), "role": (roles, roles.c.name),
              "department": (departments, departments.c.name), "group": (groups, groups.c.name)}  # fmt: skip
    wanted: dict[str, set[int]] = {}
    for share in shares:
        for kind in tables:
            if share.get(kind) is not None:
                wanted.setdefault(kind, set()).add(int(share[kind]))
    names = {}
    for kind, ids in wanted.items():
        table, name = tables[kind]
        for row in connection.execute(select(table.c.id, name).where(table.c.id.in_(sorted(ids)))):
            names[(kind, int(row[0]))] = str(row[1])
    return names


def users_on(records: Iterable[Mapping[str, Any]], columns: Sequence[FieldDef]) -> set[Any]:
    names = [field.name for field in columns if field.field_type.widget == "user"]
    return {record.get(name) for record in records for name in names}


def cell(schema: Schema, field: FieldDef, record: Mapping[str, Any], names: Mapping[int, str]) -> Cell:
    value = record.get(field.name)
    if value is None or value == "" or value == []:
        return Cell("")
    if field.field_type.widget == "user":
        return Cell(names.get(int(value), f"#{value}"))
    if field.field_type.widget == "lookup":
        path = title_path(schema, field)
        label = record.get(path) if path else None
        target = field.options.get("target")
        return Cell(str(label) if label not in (None, "") else f"#{value}", f"/records/{target}/{value}")
    return Cell(field.field_type.display(field, value))


def shown_changes(
    connection: Connection, schema: Schema, definition: ObjectDef, changes: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each change with its old and new values as the page shows values: a picklist's label, a user's name, a link
    to a looked-up record (by id: its title could name a record the reader may not see), a date in their format."""
    users = [change[side] for change in changes for side in ("old", "new")
             if change["field"] in definition.fields and definition.fields[change["field"]].field_type.widget == "user"
             and change[side] is not None]  # fmt: skip
    names = user_names(connection, users)
    for change in changes:
        field = definition.fields.get(change["field"])
        for side in ("old", "new"):
            value = change[side]
            change[f"{side}_cell"] = (
                Cell("" if value is None else str(value)) if field is None
                else cell(schema, field, {field.name: value}, names)
            )  # fmt: skip
    return changes
