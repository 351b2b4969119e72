"""A compact way for modules to declare standard objects in code (synced into the database on migrate)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from huitong.engine.meta.model import FieldDef, ObjectDef
from huitong.engine.meta.schema import system_fields


def field(name: str, kind: str, en: str, zh: str, **options: Any) -> FieldDef:
    flags = {
        key: options.pop(key)
        for key in ("required", "unique", "indexed", "tracked", "default", "searchable")
        if key in options
    }
    return FieldDef(name=name, type=kind, label={"en": en, "zh_CN": zh}, options=options, **flags)


def choices(*values: tuple[str, str, str]) -> list[dict[str, Any]]:
    """Picklist values as (value, English label, Chinese label)."""
    return [{"value": value, "label": {"en": en, "zh_CN": zh}, "active": True} for value, en, zh in values]


def standard_object(
    name: str,
    en: str,
    zh: str,
    fields: Sequence[FieldDef],
    *,
    module: str,
    title_field: str = "name",
    plural_en: str | None = None,
) -> ObjectDef:
    declared = {f.name: f.with_changes(position=index) for index, f in enumerate(fields)}
    return ObjectDef(
        name=name,
        label={"en": en, "zh_CN": zh},
        plural_label={"en": plural_en or en + "s", "zh_CN": zh},
        fields={**system_fields(), **declared},
        title_field=title_field,
        module=module,
    )
