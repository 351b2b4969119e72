"""Numeric fields: integer, decimal, currency, percent. Decimals are exact and travel as strings."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import BigInteger, Numeric
from sqlalchemy.types import TypeEngine

from huitong.engine import formatting
from huitong.engine.errors import FieldError
from huitong.engine.i18n import _
from huitong.engine.meta.types.base import ORDERING, FieldType, FilterEnv, ValueProblem, register

if TYPE_CHECKING:
    from huitong.engine.meta.model import FieldDef

INTEGER_LIMIT = 2**53  # what JSON clients can hold exactly
DECIMAL_DIGITS = 18


class NumberType(FieldType):
    operators = ORDERING
    summable = True
    comparable = True
    can_be_unique = True

    def bounds_errors(self, field: FieldDef) -> list[FieldError]:
        errors = []
        for key in ("min", "max"):
            value = field.options.get(key)
            if value is None:
                continue
            try:
                self.coerce(field.with_changes(options={}), value)
            except ValueProblem:
                errors.append(FieldError(key, "invalid_option", _("min and max must be numbers of the field's type.")))
        low, high = field.options.get("min"), field.options.get("max")
        if not errors and low is not None and high is not None and Decimal(str(low)) > Decimal(str(high)):
            errors.append(FieldError("min", "invalid_option", _("min must not be greater than max.")))
        return errors

    def check_bounds(self, field: FieldDef, value: Decimal | int) -> None:
        low, high = field.options.get("min"), field.options.get("max")
        if low is not None and value < Decimal(str(low)):
            raise ValueProblem("too_small", _("The value must be at least %(min)s.") % {"min": low})
        if high is not None and value > Decimal(str(high)):
            raise ValueProblem("too_large", _("The value must be at most %(max)s.") % {"max": high})

    def option_errors(self, field: FieldDef) -> list[FieldError]:
        return self.bounds_errors(field)

    def option_schema(self) -> dict[str, Any]:
        return {"min": {"type": ["number", "string"]}, "max": {"type": ["number", "string"]}}

    def number(self, field: FieldDef, raw: Any) -> Any:
        """The number ``raw`` stands for, exactly as given (None when empty); ``coerce`` adds the field's rules."""
        raise NotImplementedError

    def coerce_for_filter(self, field: FieldDef, raw: Any, env: FilterEnv) -> Any:
        # A filter compares: its value is neither rounded to the field's scale nor held to its min and max.
        value = self.number(field, raw)
        if value is None:
            raise ValueProblem("invalid_value", _("Use is_null to look for empty values."))
        return value


@register
class IntegerType(NumberType):
    name = "integer"
    widget = "number"

    def display(self, field: FieldDef, value: Any) -> str:
        return "" if value is None else formatting.number(value, 0)

    def column_type(self, field: FieldDef) -> TypeEngine[Any]:
        return BigInteger()

    def coerce(self, field: FieldDef, raw: Any) -> Any:
        value = self.number(field, raw)
        if value is not None:
            self.check_bounds(field, value)
        return value

    def number(self, field: FieldDef, raw: Any) -> Any:
        if raw is None:
            return None
        if isinstance(raw, bool):
            raise ValueProblem("invalid_type", _("Enter a whole number."))
        if isinstance(raw, str):
            raw = raw.strip()
            if raw == "":
                return None
        try:
            number = Decimal(str(raw))
        except InvalidOperation:
            raise ValueProblem("invalid_type", _("Enter a whole number.")) from None
        if not number.is_finite() or number != number.to_integral_value():
            raise ValueProblem("invalid_type", _("Enter a whole number."))
        value = int(number)
        if abs(value) >= INTEGER_LIMIT:
            raise ValueProblem("too_large", _("The number is too large."))
        return value

    def value_schema(self, field: FieldDef) -> dict[str, Any]:
        return {"type": "integer"}


class DecimalLike(NumberType):
    default_scale: ClassVar[int] = 2
    widget = "decimal"

    def display(self, field: FieldDef, value: Any) -> str:
        return "" if value is None else formatting.number(value, self.scale(field))

    def scale(self, field: FieldDef) -> int:
        return int(field.options.get("scale", self.default_scale))

    def column_type(self, field: FieldDef) -> TypeEngine[Any]:
        return Numeric(DECIMAL_DIGITS, self.scale(field), asdecimal=True)

    def option_errors(self, field: FieldDef) -> list[FieldError]:
        scale = field.options.get("scale", self.default_scale)
        if not isinstance(scale, int) or isinstance(scale, bool) or not 0 <= scale <= 8:
            return [FieldError("scale", "invalid_option", _("scale must be a whole number from 0 to 8."))]
        return self.bounds_errors(field)

    def option_schema(self) -> dict[str, Any]:
        return {**super().option_schema(), "scale": {"type": "integer", "minimum": 0, "maximum": 8}}

    def coerce(self, field: FieldDef, raw: Any) -> Any:
        number = self.number(field, raw)
        if number is None:
            return None
        value = number.quantize(Decimal(1).scaleb(-self.scale(field)), rounding=ROUND_HALF_UP)
        self.check_bounds(field, value)
        return value

    def number(self, field: FieldDef, raw: Any) -> Any:
        if raw is None:
            return None
        if isinstance(raw, bool) or not isinstance(raw, (str, int, float, Decimal)):
            raise ValueProblem("invalid_type", _("Enter a number such as 1999.50."))
        text = str(raw).strip().replace(",", "")
        if text == "":
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueProblem("invalid_type", _("Enter a number such as 1999.50.")) from None
        if not number.is_finite():
            raise ValueProblem("invalid_type", _("Enter a number such as 1999.50."))
        if number.adjusted() >= DECIMAL_DIGITS - self.scale(field):
            raise ValueProblem("too_large", _("The number is too large."))
        return number

    def from_db(self, field: FieldDef, stored: Any) -> Any:
        if stored is None:
            return None
        # SQLite keeps NUMERIC as a binary float; rounding to the field's scale restores the exact value.
        return Decimal(str(stored)).quantize(Decimal(1).scaleb(-self.scale(field)), rounding=ROUND_HALF_UP)

    def to_json(self, field: FieldDef, value: Any) -> Any:
        return None if value is None else str(value)

    def value_schema(self, field: FieldDef) -> dict[str, Any]:
        return {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}

    def input_schema(self, field: FieldDef) -> dict[str, Any]:
        return {"type": ["string", "number"]}


@register
class DecimalType(DecimalLike):
    name = "decimal"


@register
class CurrencyType(DecimalLike):
    name = "currency"
    widget = "currency"

    def display(self, field: FieldDef, value: Any) -> str:
        if value is None:
            return ""
        return formatting.money(value, str(field.options.get("currency", "CNY")), self.scale(field))

    def option_errors(self, field: FieldDef) -> list[FieldError]:
        currency = field.options.get("currency", "CNY")
        errors = super().option_errors(field)
        if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha() and currency.isupper()):
            errors.append(FieldError("currency", "invalid_option", _("currency must be a code such as CNY or USD.")))
        return errors

    def option_schema(self) -> dict[str, Any]:
        return {**super().option_schema(), "currency": {"type": "string", "pattern": "^[A-Z]{3}$"}}


@register
class PercentType(DecimalLike):
    """A percentage as written by people: 12.5 means 12.5 %."""

    name = "percent"
    widget = "percent"

    def display(self, field: FieldDef, value: Any) -> str:
        return "" if value is None else f"{formatting.number(value)}%"
