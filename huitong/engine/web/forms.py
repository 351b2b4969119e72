"""Forms from metadata: which fields a form shows, and reading what the browser posted back as record input.

Each field type names its widget; the widget decides how a posted value reads (a checkbox posts nothing when
cleared, a multi-select posts several values, an empty box means "no value").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, select
from starlette.datastructures import FormData

from huitong.engine import formatting
from huitong.engine.meta.model import FieldDef, ObjectDef
from huitong.engine.system_tables import users

READ_ONLY_WIDGETS = frozenset({"readonly"})
# Widgets with a whole row: long text reads badly in half a form.
WIDE_WIDGETS = frozenset({"textarea", "richtext", "multiselect"})


def form_fields(definition: ObjectDef) -> list[FieldDef]:
    """The fields a person fills in (ownership changes through transfer, auto-numbers fill themselves, fields a
    module declares ``computed`` are kept by its hooks)."""
    return [f for f in definition.user_fields
            if f.field_type.widget not in READ_ONLY_WIDGETS and not f.options.get("computed")]  # fmt: skip


def read_form(form: FormData, fields: list[FieldDef]) -> dict[str, Any]:
    """The posted values of the editable ``fields`` as the record service takes them."""
    data: dict[str, Any] = {}
    for field in fields:
        if not field.writable:
            continue
        widget = field.field_type.widget
        values = [value for value in form.getlist(field.name) if isinstance(value, str)]
        if widget == "checkbox":
            data[field.name] = bool(values) and values[-1] == "true"
        elif widget == "multiselect":
            data[field.name] = [value for value in values if value]
        elif field.name in form:
            text = values[-1].strip() if values else ""
            if text and widget == "datetime":
                text = formatting.from_local_input(text)
            data[field.name] = text if text else None
    return data


def form_values(definition: ObjectDef, record: Mapping[str, Any]) -> dict[str, Any]:
    """A record's values as the form's inputs show them (JSON forms: ISO dates, decimal strings, ids)."""
    return {name: value for name, value in record.items() if name in definition.fields}


def active_users(connection: Connection) -> list[tuple[int, str]]:
    rows = connection.execute(
        select(users.c.id, users.c.display_name).where(users.c.active.is_(True)).order_by(users.c.display_name)
    )
    return [(int(row.id), row.display_name) for row in rows]
