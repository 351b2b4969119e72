"""References to other records: lookup (to any object) and user."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger
from sqlalchemy.types import TypeEngine

from huitong.engine.errors import FieldError
from huitong.engine.i18n import _
from huitong.engine.meta.types.base import EQUALITY, FieldType, ValueProblem, register

if TYPE_CHECKING:
    from huitong.engine.meta.model import FieldDef

ID_LIMIT = 2**53


def coerce_id(raw: Any) -> int:
    if isinstance(raw, bool):
        raise ValueProblem("invalid_type", _("Give the id of a record."))
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw.strip())
    if not isinstance(raw, int) or not 0 < raw < ID_LIMIT:
        raise ValueProblem("invalid_type", _("Give the id of a record."))
    return raw


class ReferenceType(FieldType):
    operators = EQUALITY
    always_indexed = True

    def column_type(self, field: FieldDef) -> TypeEngine[Any]:
        return BigInteger()

    def coerce(self, field: FieldDef, raw: Any) -> Any:
        return None if raw in ("", None) else coerce_id(raw)

    def value_schema(self, field: FieldDef) -> dict[str, Any]:
        return {"type": "integer", "minimum": 1}

    def target(self, field: FieldDef) -> str:
        raise NotImplementedError


@register
class LookupType(ReferenceType):
    name = "lookup"
    widget = "lookup"

    def target(self, field: FieldDef) -> str:
        return str(field.options.get("target", ""))

    def option_errors(self, field: FieldDef) -> list[FieldError]:
        if not isinstance(field.options.get("target"), str) or not field.options.get("target"):
            return [FieldError("target", "invalid_option", _("A lookup needs the object it points to (target)."))]
        if not isinstance(field.options.get("master_detail", False), bool):
            return [FieldError("master_detail", "invalid_type", _("Enter true or false."))]
        return []

    def option_schema(self) -> dict[str, Any]:
        # master_detail: records of this object are seen and changed by whoever may see and change the record
        # the lookup points to (its master)
        return {"target": {"type": "string"}, "master_detail": {"type": "boolean"}}


@register
class UserType(ReferenceType):
    """A user of the CRM (owner, created_by …); users live in the system table ``users``."""

    name = "user"
    widget = "user"

    def target(self, field: FieldDef) -> str:
        return "user"
