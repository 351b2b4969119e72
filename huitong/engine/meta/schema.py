"""A snapshot of all metadata at one version, with the SQLAlchemy tables it describes."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Connection, Index, MetaData, Table, select
from sqlalchemy.types import TypeEngine

from huitong.engine.errors import not_found
from huitong.engine.i18n import _
from huitong.engine.meta.model import FieldDef, ObjectDef
from huitong.engine.system_tables import IdType, meta_fields, meta_objects, meta_state

_BUILDING = threading.Lock()

SYSTEM_LABELS: dict[str, dict[str, str]] = {
    "id": {"en": "ID", "zh_CN": "编号"},
    "owner": {"en": "Owner", "zh_CN": "负责人"},
    "created_at": {"en": "Created at", "zh_CN": "创建时间"},
    "created_by": {"en": "Created by", "zh_CN": "创建人"},
    "updated_at": {"en": "Updated at", "zh_CN": "最后修改时间"},
    "updated_by": {"en": "Updated by", "zh_CN": "最后修改人"},
    "version": {"en": "Version", "zh_CN": "版本"},
    "deleted_at": {"en": "Deleted at", "zh_CN": "删除时间"},
}
SYSTEM_TYPES = {
    "id": "id",
    "owner": "user",
    "created_at": "datetime",
    "created_by": "user",
    "updated_at": "datetime",
    "updated_by": "user",
    "version": "integer",
    "deleted_at": "datetime",
}


def system_fields() -> dict[str, FieldDef]:
    return {
        name: FieldDef(
            name=name,
            type=SYSTEM_TYPES[name],
            label=SYSTEM_LABELS[name],
            is_system=True,
            indexed=name in ("owner", "created_at", "updated_at"),
            position=-100 + index,
        )
        for index, name in enumerate(SYSTEM_LABELS)
    }


def index_name(table_name: str, field_name: str) -> str:
    return f"ix_{table_name}_{field_name}"[:63]


def unique_index_name(table_name: str, field_name: str) -> str:
    return f"uq_{table_name}_{field_name}"[:63]


def owner_index_name(table_name: str, field_name: str) -> str:
    return f"ox_{table_name}_{field_name}"[:63]


def role_index_name(table_name: str, field_name: str) -> str:
    return f"rx_{table_name}_{field_name}"[:63]


# Every record keeps its owner's role beside the owner (not a field: the engine writes it, nobody reads it out), so
# that the records of everyone in a role are read in a list's order from one (owner_role, field, id) index
# (decisions/0017). The record service writes it with the owner; changing a user's role rewrites their records'.
OWNER_ROLE = "owner_role"


def has_owner_index(definition: FieldDef) -> bool:
    """Whether a field also has an (owner, field, id) index: one the administrator asked for (indexed or unique)
    on a sortable field. A list of the records of a few owners reads it per owner, in order (decisions/0006)."""
    return (
        definition.name not in ("id", "owner")
        and (definition.indexed or definition.unique)
        and definition.field_type.sortable
    )


def column_for(definition: FieldDef) -> Column[Any]:
    if definition.name == "id":
        return Column("id", IdType, primary_key=True)
    column_type: TypeEngine[Any] = definition.field_type.column_type(definition)
    return Column(definition.name, column_type, nullable=definition.name not in ("version", "created_at"))


INDEX_WITH = "index_with"


def index_specs(table: Table, definition: FieldDef, dialect: str) -> list[Index]:
    """The indexes a field needs, not yet attached to any table.

    A unique field gets a unique index. An indexed field gets one on (field, id), which also serves keyset pages
    sorted by it. Sorting treats empty values as the smallest (SQLite's own order); PostgreSQL's indexes are
    declared NULLS FIRST so that they serve the same order. See ``has_owner_index`` for (owner, field, id).
    """
    if definition.name == "id":
        return []
    column = table.c[definition.name]
    leading = column.asc().nulls_first() if dialect == "postgresql" else column
    found = []
    if definition.unique:
        found.append(Index(unique_index_name(table.name, definition.name), column, unique=True))
    elif definition.has_index:
        found.append(Index(index_name(table.name, definition.name), leading, table.c.id))
    if has_owner_index(definition):
        found.append(Index(owner_index_name(table.name, definition.name), table.c.owner, leading, table.c.id))
        found.append(Index(role_index_name(table.name, definition.name), table.c[OWNER_ROLE], leading, table.c.id))
    if definition.name == "owner":  # the records of a role in the order of their ids
        found.append(Index(index_name(table.name, OWNER_ROLE), table.c[OWNER_ROLE], table.c.id))
    # A module's hint for reports that filter this field by equality and another by range ("won deals closing this
    # quarter"): (field, other, id). Made by ``huitong migrate`` once both columns exist.
    for other in definition.options.get(INDEX_WITH) or ():
        if other in table.c:
            found.append(Index(f"cx_{table.name}_{definition.name}_{other}"[:63], column, table.c[other], table.c.id))
    return found


def build_table(definition: ObjectDef, metadata: MetaData) -> Table:
    ordered = sorted(definition.fields.values(), key=lambda f: (f.position, f.name))
    return Table(definition.table_name, metadata, *(column_for(f) for f in ordered), Column(OWNER_ROLE, IdType))


@dataclass(frozen=True)
class Schema:
    version: int
    objects: Mapping[str, ObjectDef]
    _tables: dict[str, Table] = field(default_factory=dict, compare=False, repr=False)

    def object(self, name: str) -> ObjectDef:
        found = self.objects.get(name)
        if found is None:
            raise not_found(_("There is no object named %(name)s.") % {"name": name[:63]})
        return found

    def table(self, name: str) -> Table:
        return self._built_tables()[name]

    def _built_tables(self) -> dict[str, Table]:
        # Threads share one snapshot: build aside and publish whole, so no reader sees a half-filled dict.
        if not self._tables:
            with _BUILDING:
                if not self._tables:
                    metadata = MetaData()
                    built = {name: build_table(definition, metadata) for name, definition in self.objects.items()}
                    self._tables.update(built)
        return self._tables

    def restricted(self, objects: Mapping[str, ObjectDef]) -> Schema:
        """The same version and tables with other object definitions (one user's view of the fields)."""
        return Schema(version=self.version, objects=objects, _tables=self._built_tables())

    def lookups_to(self, target: str) -> list[tuple[ObjectDef, FieldDef]]:
        return [
            (definition, field_definition)
            for definition in self.objects.values()
            for field_definition in definition.fields.values()
            if field_definition.type == "lookup" and field_definition.options.get("target") == target
        ]


def load_schema(connection: Connection) -> Schema:
    version = connection.execute(select(meta_state.c.version).where(meta_state.c.id == 1)).scalar_one()
    field_rows: dict[int, list[FieldDef]] = {}
    for row in connection.execute(select(meta_fields).order_by(meta_fields.c.position, meta_fields.c.id)):
        field_rows.setdefault(row.object_id, []).append(field_from_row(dict(row._mapping)))
    objects = {}
    for row in connection.execute(select(meta_objects).order_by(meta_objects.c.id)):
        fields = {**system_fields(), **{f.name: f for f in field_rows.get(row.id, [])}}
        objects[row.name] = ObjectDef(
            name=row.name,
            label=row.label,
            plural_label=row.plural_label,
            fields=fields,
            title_field=row.title_field,
            is_custom=row.is_custom,
            module=row.module,
            options=row.options or {},
            id=row.id,
        )
    return Schema(version=version, objects=objects)


def field_from_row(row: Mapping[str, Any]) -> FieldDef:
    return FieldDef(
        name=row["name"],
        type=row["type"],
        label=row["label"],
        help=row["help"],
        is_custom=row["is_custom"],
        required=row["required"],
        unique=row["is_unique"],
        indexed=row["indexed"],
        tracked=row["tracked"],
        default=row["default_value"],
        options=row["options"] or {},
        position=row["position"],
        id=row["id"],
        searchable=row.get("searchable"),
    )


def field_row(definition: FieldDef) -> dict[str, Any]:
    return {
        "name": definition.name,
        "type": definition.type,
        "label": dict(definition.label),
        "help": dict(definition.help) if definition.help else None,
        "is_custom": definition.is_custom,
        "required": definition.required,
        "is_unique": definition.unique,
        "indexed": definition.indexed,
        "tracked": definition.tracked,
        "default_value": definition.default,
        "options": dict(definition.options),
        "position": definition.position,
        "searchable": definition.searchable,
    }
