"""Turn client input into column values and rows into API JSON, field type by field type.

Values move through three forms: client JSON → ``coerce`` → column value (what is written and compared) →
``from_db`` → Python value → ``to_json`` → client JSON.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from huitong.engine.errors import FieldError
from huitong.engine.i18n import _
from huitong.engine.meta.model import FieldDef, ObjectDef
from huitong.engine.meta.types import ValueProblem

# Keys a client may send that are not field values.
CONTROL_KEYS = frozenset({"version", "id"})
HIDDEN_IN_RECORDS = frozenset({"deleted_at"})


def read_input(definition: ObjectDef, data: Mapping[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    """Coerce client values; unknown or read-only fields are errors, never silently dropped.

    ``owner`` is accepted here; whether this actor may choose it is the access policy's call (``check_owner``).
    """
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    for name, raw in data.items():
        if name in CONTROL_KEYS:
            continue
        field = definition.fields.get(name)
        if field is None:
            errors.append(FieldError(name, "unknown_field", _("This object has no such field.")))
            continue
        if not field.writable and name != "owner":
            errors.append(FieldError(name, "read_only", _("This field is filled in by the system.")))
            continue
        try:
            values[name] = field.field_type.coerce(field, raw)
        except ValueProblem as problem:
            errors.append(FieldError(name, problem.code, problem.message))
    return values, errors


def apply_defaults(definition: ObjectDef, values: dict[str, Any]) -> None:
    for field in definition.user_fields:
        if field.name not in values and field.default is not None:
            values[field.name] = field.field_type.coerce(field, field.default)


def required_errors(fields: Iterable[FieldDef], values: Mapping[str, Any]) -> list[FieldError]:
    return [
        FieldError(field.name, "required", _("This field is required."))
        for field in fields
        if field.required and field.field_type.is_empty(values.get(field.name))
    ]


def row_values(definition: ObjectDef, row: Mapping[str, Any]) -> dict[str, Any]:
    """Python values of a stored row (e.g. multi-picklists as lists, decimals exact)."""
    values = {}
    for name, stored in row.items():
        field = definition.fields.get(name)
        # str(): SQLAlchemy's column names are a str subclass that JSON encoders refuse as keys.
        values[str(name)] = field.field_type.from_db(field, stored) if field else stored
    return values


def record_json(definition: ObjectDef, values: Mapping[str, Any], *, include_deleted: bool = False) -> dict[str, Any]:
    """Only the fields of ``definition`` appear: a user's restricted definition leaves out what they may not read."""
    body: dict[str, Any] = {}
    for name, value in values.items():
        field = definition.fields.get(name)
        if field is None or (name in HIDDEN_IN_RECORDS and not include_deleted):
            continue
        body[name] = field.field_type.to_json(field, value)
    return body


def json_value(field: FieldDef, value: Any) -> Any:
    return field.field_type.to_json(field, value)


def title_of(definition: ObjectDef, values: Mapping[str, Any]) -> str:
    value = values.get(definition.title_field)
    if value is None or value == "":
        return f"#{values.get('id')}"
    return str(json_value(definition.fields[definition.title_field], value))[:255]


@dataclass(frozen=True)
class Record:
    """A record's Python values with the definition that reads them."""

    definition: ObjectDef
    values: dict[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def json(self) -> dict[str, Any]:
        return record_json(self.definition, self.values)
