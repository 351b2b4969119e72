"""Text-like fields: text, long_text, email, phone, url."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from sqlalchemy import String, Text
from sqlalchemy.types import TypeEngine

from huitong.engine.errors import FieldError
from huitong.engine.i18n import _
from huitong.engine.meta.types.base import EQUALITY, TEXTUAL, FieldType, FilterEnv, ValueProblem, register
from huitong.engine.search.terms import digit_terms, text_terms

if TYPE_CHECKING:
    from huitong.engine.meta.model import FieldDef


class TextLike(FieldType):
    operators = TEXTUAL
    default_max_length: ClassVar[int] = 255
    largest_max_length: ClassVar[int] = 4000
    can_be_unique = True

    def max_length(self, field: FieldDef) -> int:
        return int(field.options.get("max_length") or self.default_max_length)

    def column_type(self, field: FieldDef) -> TypeEngine[Any]:
        return String(self.max_length(field))

    def option_errors(self, field: FieldDef) -> list[FieldError]:
        value = field.options.get("max_length")
        if value is None:
            return []
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= self.largest_max_length:
            return [
                FieldError(
                    "max_length",
                    "invalid_option",
                    _("max_length must be a whole number from 1 to %(limit)s.") % {"limit": self.largest_max_length},
                )
            ]
        return []

    def option_schema(self) -> dict[str, Any]:
        return {"max_length": {"type": "integer", "minimum": 1, "maximum": self.largest_max_length}}

    def coerce(self, field: FieldDef, raw: Any) -> Any:
        if raw is None:
            return None
        if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
            raise ValueProblem("invalid_type", _("Enter text."))
        text = str(raw).strip()
        if "\x00" in text:
            raise ValueProblem("invalid_value", _("Text may not contain NUL characters."))
        if len(text) > self.max_length(field):
            raise ValueProblem(
                "too_long", _("At most %(limit)s characters are allowed.") % {"limit": self.max_length(field)}
            )
        return self.normalize(text) if text else None

    def normalize(self, text: str) -> str:
        return text

    def coerce_for_filter(self, field: FieldDef, raw: Any, env: FilterEnv) -> Any:
        if raw is None or raw == "":
            raise ValueProblem("invalid_value", _("Use is_null to look for empty values."))
        if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
            raise ValueProblem("invalid_type", _("Enter text."))
        return str(raw)

    def value_schema(self, field: FieldDef) -> dict[str, Any]:
        return {"type": "string", "maxLength": self.max_length(field)}

    def from_cursor(self, field: FieldDef, value: Any) -> Any:
        return None if value is None else str(value)

    def search_terms(self, field: FieldDef, value: Any) -> list[tuple[str, bool]]:
        return text_terms(str(value)) if value else []


@register
class TextType(TextLike):
    name = "text"


@register
class LongTextType(TextLike):
    name = "long_text"
    widget = "textarea"
    default_max_length = 32000
    largest_max_length = 131072
    sortable = False
    groupable = False
    can_be_unique = False

    def column_type(self, field: FieldDef) -> TypeEngine[Any]:
        return Text()


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@register
class EmailType(TextLike):
    name = "email"
    widget = "email"
    default_max_length = 254
    largest_max_length = 254
    searchable_by_default = True

    def normalize(self, text: str) -> str:
        if not EMAIL.match(text):
            raise ValueProblem("invalid_email", _("Enter an email address such as name@example.com."))
        local, _sep, domain = text.rpartition("@")
        return f"{local}@{domain.lower()}"


PHONE_CHARACTERS = re.compile(r"^\+?[0-9 ()\-./]+(?:\s*(?:ext\.?|x|转)\s*[0-9]+)?$", re.IGNORECASE)


@register
class PhoneType(TextLike):
    name = "phone"
    widget = "tel"
    default_max_length = 40
    largest_max_length = 40
    searchable_by_default = True

    def search_terms(self, field: FieldDef, value: Any) -> list[tuple[str, bool]]:
        return digit_terms(str(value)) if value else []

    def normalize(self, text: str) -> str:
        digits = sum(character.isdigit() for character in text)
        if not PHONE_CHARACTERS.match(text) or not 3 <= digits <= 20:
            raise ValueProblem("invalid_phone", _("Enter a phone number such as 138 0013 8000 or +86 21 5555 1234."))
        return text


@register
class UrlType(TextLike):
    name = "url"
    widget = "url"
    default_max_length = 1024
    largest_max_length = 2048
    operators = EQUALITY | {"contains", "starts_with", "ends_with"}

    def normalize(self, text: str) -> str:
        candidate = text if "://" in text else "https://" + text
        parts = urlsplit(candidate)
        if parts.scheme not in ("http", "https") or "." not in (parts.hostname or "") or " " in candidate:
            raise ValueProblem("invalid_url", _("Enter a web address such as https://example.com."))
        return candidate
