"""The base class every field type derives from, and the registry."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, false, not_, or_, true
from sqlalchemy.types import TypeEngine

from huitong.engine.errors import FieldError
from huitong.engine.i18n import _

if TYPE_CHECKING:
    from huitong.engine.meta.model import FieldDef

ALL_OPERATORS = frozenset(
    {
        "eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "contains",
        "starts_with", "ends_with", "is_null", "between",
    }
)  # fmt: skip
EQUALITY = frozenset({"eq", "ne", "in", "not_in", "is_null"})
ORDERING = EQUALITY | {"lt", "lte", "gt", "gte", "between"}
TEXTUAL = EQUALITY | {"contains", "starts_with", "ends_with"}
MAX_IN_VALUES = 1000


@dataclass(frozen=True)
class FilterEnv:
    """What a filter may depend on besides its own values: the current instant and the company's time zone."""

    now: datetime
    zone: ZoneInfo

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()


class ValueProblem(Exception):
    """A value that a field cannot take; the record service adds the field name."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class FieldType:
    """How one type of field is stored, checked, filtered, described in the API and shown.

    ``coerce`` turns API input into the Python value written to the column; ``to_json`` turns a column value into
    the API representation. Filter values pass through ``filter_value`` and become SQL in ``condition``.
    """

    name: ClassVar[str]
    operators: ClassVar[frozenset[str]] = EQUALITY
    writable: ClassVar[bool] = True
    always_indexed: ClassVar[bool] = False
    sortable: ClassVar[bool] = True
    groupable: ClassVar[bool] = True
    summable: ClassVar[bool] = False
    comparable: ClassVar[bool] = False  # min/max make sense
    can_be_unique: ClassVar[bool] = False
    searchable_by_default: ClassVar[bool] = False  # found by global search unless the field says otherwise
    # The form control that edits a value (a macro in the web templates: text, textarea, number, select…).
    widget: ClassVar[str] = "text"

    # -- definition --------------------------------------------------------------------------------------------
    def column_type(self, field: FieldDef) -> TypeEngine[Any]:
        raise NotImplementedError

    def option_errors(self, field: FieldDef) -> list[FieldError]:
        """Problems with a field definition's type-specific options (empty when it is sound)."""
        return []

    def option_schema(self) -> dict[str, Any]:
        """JSON-schema properties for the options this type accepts when a field is defined."""
        return {}

    # -- values ------------------------------------------------------------------------------------------------
    def coerce(self, field: FieldDef, raw: Any) -> Any:
        raise NotImplementedError

    def to_json(self, field: FieldDef, value: Any) -> Any:
        return value

    def from_db(self, field: FieldDef, stored: Any) -> Any:
        return stored

    def json_reader(self, field: FieldDef) -> Callable[[Any], Any] | None:
        """Column value → API JSON for many rows at once; None when the column value already is the JSON."""
        kind = type(self)
        if kind.from_db is FieldType.from_db and kind.to_json is FieldType.to_json:
            return None
        return lambda stored: self.to_json(field, self.from_db(field, stored))

    def value_schema(self, field: FieldDef) -> dict[str, Any]:
        raise NotImplementedError

    def input_schema(self, field: FieldDef) -> dict[str, Any]:
        """What the API accepts on write; usually what it returns."""
        return self.value_schema(field)

    def display(self, field: FieldDef, value: Any) -> str:
        """A value (in its JSON form) as people read it in the current locale."""
        return "" if value is None else str(value)

    def is_empty(self, value: Any) -> bool:
        return value is None or value == ""

    # -- search ------------------------------------------------------------------------------------------------
    def search_terms(self, field: FieldDef, value: Any) -> list[tuple[str, bool]]:
        """The terms global search finds a stored value by: (normalized term, starts the value); see search.terms."""
        return []

    @property
    def can_be_searched(self) -> bool:
        return type(self).search_terms is not FieldType.search_terms

    # -- filtering ---------------------------------------------------------------------------------------------
    def filter_value(self, field: FieldDef, operator: str, raw: Any, env: FilterEnv) -> Any:
        if operator == "is_null":
            if not isinstance(raw, bool):
                raise ValueProblem("invalid_value", _("is_null takes true or false."))
            return raw
        if operator in ("in", "not_in"):
            if not isinstance(raw, list) or not raw:
                raise ValueProblem("invalid_value", _("This operator takes a non-empty list of values."))
            if len(raw) > MAX_IN_VALUES:
                raise ValueProblem("invalid_value", _("Too many values in the list (at most 1000)."))
            return [self.coerce_for_filter(field, item, env) for item in raw]
        if operator == "between":
            if not isinstance(raw, list) or len(raw) != 2:
                raise ValueProblem("invalid_value", _("between takes a list of two values: [low, high]."))
            return [self.coerce_for_filter(field, item, env) for item in raw]
        return self.coerce_for_filter(field, raw, env)

    def coerce_for_filter(self, field: FieldDef, raw: Any, env: FilterEnv) -> Any:
        value = self.coerce(field, raw)
        if value is None:  # null, "" or blanks: an empty value, which only is_null looks for
            raise ValueProblem("invalid_value", _("Use is_null to look for empty values."))
        return value

    def condition(self, column: Any, operator: str, value: Any) -> ColumnElement[bool]:
        """SQL for ``column <operator> value``; ``value`` has passed ``filter_value``."""
        if operator == "is_null":
            return column.is_(None) if value else column.is_not(None)
        if operator == "eq":
            return column == value
        if operator == "ne":
            return or_(column != value, column.is_(None))
        if operator == "in":
            return column.in_(value)
        if operator == "not_in":
            return or_(column.not_in(value), column.is_(None))
        if operator == "lt":
            return column < value
        if operator == "lte":
            return column <= value
        if operator == "gt":
            return column > value
        if operator == "gte":
            return column >= value
        if operator == "between":
            low, high = value
            return and_(column >= low, column <= high)
        if operator in ("contains", "starts_with", "ends_with"):
            pattern = _like_escape(str(value))
            pattern = {
                "contains": f"%{pattern}%",
                "starts_with": f"{pattern}%",
                "ends_with": f"%{pattern}",
            }[operator]
            return column.ilike(pattern, escape="\\")
        raise ValueError(operator)

    # -- sorting -----------------------------------------------------------------------------------------------
    def cursor_value(self, field: FieldDef, value: Any) -> Any:
        """A JSON-safe form of a sort value for a pagination cursor."""
        return self.to_json(field, value)

    def from_cursor(self, field: FieldDef, value: Any) -> Any:
        return None if value is None else self.coerce(field, value)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def boolean_literal(value: bool) -> ColumnElement[bool]:
    return true() if value else false()


def negate(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return not_(condition)


_REGISTRY: dict[str, FieldType] = {}
T = TypeVar("T", bound=type[FieldType])


def register(cls: T) -> T:
    _REGISTRY[cls.name] = cls()
    return cls


def field_type(name: str) -> FieldType:
    return _REGISTRY[name]


def field_types() -> Sequence[str]:
    return list(_REGISTRY)


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """Allow null beside ``schema`` (OpenAPI 3.1 type arrays)."""
    kind = schema.get("type")
    if isinstance(kind, str):
        return {**schema, "type": [kind, "null"]}
    if isinstance(kind, list):
        return {**schema, "type": [*kind, "null"]}
    return {"anyOf": [schema, {"type": "null"}]}
