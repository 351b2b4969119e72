"""Choice fields: boolean, picklist, multi_picklist."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, ColumnElement, String, Text, and_, func, not_, or_
from sqlalchemy.types import TypeEngine

from huitong.engine.errors import FieldError
from huitong.engine.i18n import _, localized
from huitong.engine.meta.types.base import FieldType, FilterEnv, ValueProblem, register

if TYPE_CHECKING:
    from huitong.engine.meta.model import FieldDef

VALUE_PATTERN = re.compile(r"^[A-Za-z0-9_\-.]{1,64}$")
SEPARATOR = ";"


@register
class BooleanType(FieldType):
    name = "boolean"
    widget = "checkbox"

    def display(self, field: FieldDef, value: Any) -> str:
        return "" if value is None else (_("Yes") if value else _("No"))

    operators = frozenset({"eq", "ne", "is_null"})

    def column_type(self, field: FieldDef) -> TypeEngine[Any]:
        return Boolean()

    def coerce(self, field: FieldDef, raw: Any) -> Any:
        if raw is None or isinstance(raw, bool):
            return raw
        if isinstance(raw, int) and raw in (0, 1):
            return bool(raw)
        if isinstance(raw, str) and raw.strip().lower() in ("true", "false", "1", "0", "yes", "no"):
            return raw.strip().lower() in ("true", "1", "yes")
        raise ValueProblem("invalid_type", _("Enter true or false."))

    def value_schema(self, field: FieldDef) -> dict[str, Any]:
        return {"type": "boolean"}


def picklist_values(field: FieldDef) -> list[Mapping[str, Any]]:
    return list(field.options.get("values") or [])


def picklist_value_errors(field: FieldDef) -> list[FieldError]:
    values = field.options.get("values")
    if not isinstance(values, list) or not values:
        return [FieldError("values", "invalid_option", _("A picklist needs at least one value."))]
    seen: set[str] = set()
    for entry in values:
        value = entry.get("value") if isinstance(entry, dict) else None
        if not isinstance(value, str) or not VALUE_PATTERN.match(value):
            return [
                FieldError(
                    "values",
                    "invalid_option",
                    _("Each picklist value needs a code of letters, digits, _ - or . (at most 64)."),
                )
            ]
        label = entry.get("label")
        if label is not None and not (isinstance(label, dict) and all(isinstance(v, str) for v in label.values())):
            return [FieldError("values", "invalid_option", _("A value's label maps locales to text."))]
        if "active" in entry and not isinstance(entry["active"], bool):
            return [FieldError("values", "invalid_option", _("active must be true or false."))]
        if value in seen:
            return [
                FieldError("values", "duplicate_value", _("The value %(value)s is listed twice.") % {"value": value})
            ]
        seen.add(value)
    return []


class ChoiceType(FieldType):
    def label(self, field: FieldDef, value: str) -> str:
        for entry in picklist_values(field):
            if entry["value"] == value:
                return localized(entry.get("label"), value)
        return value

    def option_errors(self, field: FieldDef) -> list[FieldError]:
        return picklist_value_errors(field)

    def option_schema(self) -> dict[str, Any]:
        return {
            "values": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["value"],
                    "properties": {
                        "value": {"type": "string"},
                        "label": {"type": "object", "additionalProperties": {"type": "string"}},
                        "active": {"type": "boolean"},
                    },
                },
            }
        }

    def from_cursor(self, field: FieldDef, value: Any) -> Any:
        return None if value is None else str(value)

    def check_value(self, field: FieldDef, value: Any, *, active_only: bool) -> str:
        for entry in picklist_values(field):
            if entry["value"] == value and (entry.get("active", True) or not active_only):
                return str(value)
        raise ValueProblem(
            "invalid_choice", _("%(value)s is not one of this field's values.") % {"value": str(value)[:64]}
        )


@register
class PicklistType(ChoiceType):
    name = "picklist"
    widget = "select"

    def display(self, field: FieldDef, value: Any) -> str:
        return "" if value is None else self.label(field, value)

    can_be_unique = False

    def column_type(self, field: FieldDef) -> TypeEngine[Any]:
        return String(64)

    def coerce(self, field: FieldDef, raw: Any) -> Any:
        if raw is None or raw == "":
            return None
        if not isinstance(raw, str):
            raise ValueProblem("invalid_type", _("Choose one of the field's values."))
        return self.check_value(field, raw, active_only=True)

    def coerce_for_filter(self, field: FieldDef, raw: Any, env: FilterEnv) -> Any:
        if not isinstance(raw, str):
            raise ValueProblem("invalid_type", _("Choose one of the field's values."))
        return self.check_value(field, raw, active_only=False)

    def value_schema(self, field: FieldDef) -> dict[str, Any]:
        return {"type": "string", "enum": [entry["value"] for entry in picklist_values(field)]}


@register
class MultiPicklistType(ChoiceType):
    """Several values of a list, stored as ``;a;b;`` so that one substring test finds a value on both databases."""

    name = "multi_picklist"
    widget = "multiselect"

    def display(self, field: FieldDef, value: Any) -> str:
        return "、".join(self.label(field, item) for item in value or [])

    operators = frozenset({"contains", "in", "not_in", "is_null"})
    sortable = False
    groupable = False

    def column_type(self, field: FieldDef) -> TypeEngine[Any]:
        return Text()

    def coerce(self, field: FieldDef, raw: Any) -> Any:
        if raw is None or raw == []:
            return None
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            raise ValueProblem("invalid_type", _("Give a list of the field's values."))
        chosen = [self.check_value(field, item, active_only=True) for item in raw]
        order = [entry["value"] for entry in picklist_values(field)]
        unique = sorted(set(chosen), key=order.index)
        return SEPARATOR + SEPARATOR.join(unique) + SEPARATOR

    def from_db(self, field: FieldDef, stored: Any) -> Any:
        return [] if not stored else [item for item in stored.split(SEPARATOR) if item]

    def is_empty(self, value: Any) -> bool:
        return value is None or value == [] or value == ""

    def to_json(self, field: FieldDef, value: Any) -> Any:
        return list(value or [])

    def coerce_for_filter(self, field: FieldDef, raw: Any, env: FilterEnv) -> Any:
        if not isinstance(raw, str):
            raise ValueProblem("invalid_type", _("Choose one of the field's values."))
        return self.check_value(field, raw, active_only=False)

    def condition(self, column: Any, operator: str, value: Any) -> ColumnElement[bool]:
        if operator == "is_null":
            return super().condition(column, operator, value)
        values = value if isinstance(value, list) else [value]
        if operator == "not_in":
            return or_(column.is_(None), and_(*(not_(_holds(column, v)) for v in values)))
        return or_(*(_holds(column, v) for v in values))

    def value_schema(self, field: FieldDef) -> dict[str, Any]:
        return {
            "type": "array",
            "items": {"type": "string", "enum": [entry["value"] for entry in picklist_values(field)]},
        }


def _holds(column: Any, value: str) -> ColumnElement[bool]:
    """Whether a stored ``;a;b;`` holds ``value``, compared exactly on both databases.

    Not LIKE: it reads ``_`` in a value such as ``a_b`` as a wildcard, and ignores case on SQLite.
    """
    token = f"{SEPARATOR}{value}{SEPARATOR}"
    return func.replace(column, token, "") != column
