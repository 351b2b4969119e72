"""Types the platform fills in itself: the record id, audit stamps and auto-numbers."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, String
from sqlalchemy.types import TypeEngine

from huitong.engine.errors import FieldError
from huitong.engine.i18n import _
from huitong.engine.meta.types.base import ORDERING, TEXTUAL, FieldType, ValueProblem, register
from huitong.engine.meta.types.reference import coerce_id
from huitong.engine.search.terms import text_terms

if TYPE_CHECKING:
    from huitong.engine.meta.model import FieldDef

PATTERN_TOKEN = re.compile(r"\{(YYYY|YY|MM|DD|0+)\}")


@register
class IdType(FieldType):
    name = "id"
    widget = "readonly"
    operators = ORDERING - {"is_null"}
    writable = False
    comparable = True

    def column_type(self, field: FieldDef) -> TypeEngine[Any]:
        return BigInteger()

    def coerce(self, field: FieldDef, raw: Any) -> Any:
        return coerce_id(raw)

    def value_schema(self, field: FieldDef) -> dict[str, Any]:
        return {"type": "integer"}


@register
class AutoNumberType(FieldType):
    """A number the platform gives each new record from a pattern such as ``OPP-{YYYY}-{0000}``.

    The counter restarts when the date part of the pattern changes (each year for ``{YYYY}``).
    """

    name = "auto_number"
    widget = "readonly"
    operators = TEXTUAL
    writable = False
    always_indexed = True
    searchable_by_default = True

    def column_type(self, field: FieldDef) -> TypeEngine[Any]:
        return String(64)

    def option_errors(self, field: FieldDef) -> list[FieldError]:
        pattern = field.options.get("pattern")
        if not isinstance(pattern, str) or len(pattern) > 40 or not re.search(r"\{0+\}", pattern):
            return [
                FieldError(
                    "pattern",
                    "invalid_option",
                    _("An auto-number needs a pattern with a number part, such as OPP-{YYYY}-{0000}."),
                )
            ]
        return []

    def option_schema(self) -> dict[str, Any]:
        return {"pattern": {"type": "string", "maxLength": 40}}

    def coerce(self, field: FieldDef, raw: Any) -> Any:
        if raw is None:
            return None
        if isinstance(raw, bool) or not isinstance(raw, (str, int)):
            raise ValueProblem("invalid_type", _("Enter text."))
        return str(raw).strip() or None

    def value_schema(self, field: FieldDef) -> dict[str, Any]:
        return {"type": "string"}

    def search_terms(self, field: FieldDef, value: Any) -> list[tuple[str, bool]]:
        return text_terms(str(value)) if value else []
