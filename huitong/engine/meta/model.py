"""Immutable descriptions of objects and fields, as stored in ``meta_objects`` / ``meta_fields``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from huitong.engine.meta.types.base import FieldType

Labels = Mapping[str, str]

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
CUSTOM_PREFIX = "x_"
TABLE_PREFIX = "obj_"

# Columns every record table has; the names are reserved for every object.
SYSTEM_FIELD_NAMES = ("id", "owner", "created_at", "created_by", "updated_at", "updated_by", "version", "deleted_at")


@dataclass(frozen=True)
class FieldDef:
    name: str
    type: str
    label: Labels
    is_custom: bool = False
    is_system: bool = False
    required: bool = False
    unique: bool = False
    indexed: bool = False
    tracked: bool = False
    default: Any = None
    help: Labels | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    position: int = 0
    id: int | None = None
    read_only: bool = False  # for one user, by field-level security; never stored
    searchable: bool | None = None  # found by global search; None: as the type says (and on for the title field)

    @cached_property
    def field_type(self) -> FieldType:
        from huitong.engine.meta.types import field_type

        return field_type(self.type)

    @property
    def writable(self) -> bool:
        return not self.is_system and not self.read_only and self.field_type.writable

    @property
    def has_index(self) -> bool:
        return self.indexed or self.unique or self.field_type.always_indexed

    def with_changes(self, **changes: Any) -> FieldDef:
        return replace(self, **changes)


@dataclass(frozen=True)
class ObjectDef:
    name: str
    label: Labels
    fields: Mapping[str, FieldDef]
    title_field: str
    plural_label: Labels | None = None
    is_custom: bool = False
    module: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    id: int | None = None

    @property
    def table_name(self) -> str:
        return TABLE_PREFIX + self.name

    def field(self, name: str) -> FieldDef | None:
        return self.fields.get(name)

    @cached_property
    def user_fields(self) -> list[FieldDef]:
        """Fields a user defines values for (everything but the system columns), in display order."""
        return sorted((f for f in self.fields.values() if not f.is_system), key=lambda f: f.position)

    def is_searchable(self, definition: FieldDef) -> bool:
        """Whether global search finds records by this field: as the field says, else as its type says; the
        title field is searchable unless it says otherwise."""
        kind = definition.field_type
        if not kind.can_be_searched:
            return False
        if definition.searchable is not None:
            return definition.searchable
        return kind.searchable_by_default or definition.name == self.title_field

    @cached_property
    def searchable_fields(self) -> list[FieldDef]:
        return [f for f in self.fields.values() if self.is_searchable(f)]

    def with_field(self, definition: FieldDef) -> ObjectDef:
        return replace(self, fields={**self.fields, definition.name: definition})

    def without_field(self, name: str) -> ObjectDef:
        return replace(self, fields={key: value for key, value in self.fields.items() if key != name})
