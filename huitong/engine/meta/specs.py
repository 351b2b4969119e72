"""Read object and field definitions sent by clients (JSON) into FieldDef / ObjectDef, with precise errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from huitong.engine.errors import FieldError, validation_failed
from huitong.engine.i18n import LOCALES, _
from huitong.engine.meta.model import FieldDef, ObjectDef
from huitong.engine.meta.schema import system_fields
from huitong.engine.meta.types import field_type, field_types

FIELD_KEYS = {
    "name", "type", "label", "help", "required", "unique", "indexed", "tracked", "default", "position", "searchable",
}  # fmt: skip
FLAG_KEYS = ("required", "unique", "indexed", "tracked")
# Options any type may carry; each type declares its own through option_schema().
TYPE_OPTION_KEYS = {"max_length", "min", "max", "scale", "currency", "values", "target", "pattern", "master_detail"}
OBJECT_KEYS = {"name", "label", "plural_label", "title_field", "fields"}
USER_TYPES = [name for name in field_types() if name not in ("id", "user")]


def read_labels(raw: Any, key: str, *, required: bool) -> tuple[dict[str, str] | None, list[FieldError]]:
    if raw is None and not required:
        return None, []
    if isinstance(raw, str) and raw.strip():
        raw = {"en": raw.strip(), "zh_CN": raw.strip()}
    if not isinstance(raw, dict) or not raw:
        return None, [FieldError(key, "invalid_label", _('Give a label such as {"en": "…", "zh_CN": "…"}.'))]
    labels: dict[str, str] = {}
    for locale, text in raw.items():
        if locale not in LOCALES or not isinstance(text, str) or not text.strip() or len(text) > 120:
            return None, [
                FieldError(key, "invalid_label", _("Labels are texts of at most 120 characters for en and zh_CN."))
            ]
        labels[locale] = text.strip()
    return labels, []


def read_field(raw: Any, *, custom: bool, position: int, partial: FieldDef | None = None) -> FieldDef:
    """A FieldDef from client JSON; with ``partial``, the JSON is a patch on that field."""
    if not isinstance(raw, dict):
        raise validation_failed([FieldError(None, "invalid_body", _("Send a JSON object."))])
    errors: list[FieldError] = []
    allowed = FIELD_KEYS | TYPE_OPTION_KEYS
    errors += [FieldError(key, "unknown_key", _("Unknown property.")) for key in raw if key not in allowed]
    if partial is not None:
        errors += [
            FieldError(key, "read_only", _("This property cannot be changed."))
            for key in ("name", "type")
            if key in raw and raw[key] != getattr(partial, key)
        ]
    kind = raw.get("type", partial.type if partial else None)
    if kind not in USER_TYPES:
        errors.append(
            FieldError("type", "invalid_type", _("Choose a type: %(types)s.") % {"types": ", ".join(USER_TYPES)})
        )
    name = raw.get("name", partial.name if partial else None)
    if not isinstance(name, str):
        errors.append(FieldError("name", "required", _("A field needs a name.")))
    label, label_errors = read_labels(raw.get("label", partial.label if partial else None), "label", required=True)
    help_text, help_errors = read_labels(raw.get("help", partial.help if partial else None), "help", required=False)
    errors += label_errors + help_errors
    flags = {}
    for key in FLAG_KEYS:
        value = raw.get(key, getattr(partial, "unique" if key == "unique" else key) if partial else False)
        if not isinstance(value, bool):
            errors.append(FieldError(key, "invalid_type", _("Enter true or false.")))
        flags[key] = bool(value)
    searchable = raw.get("searchable", partial.searchable if partial else None)
    if searchable is not None and not isinstance(searchable, bool):
        errors.append(FieldError("searchable", "invalid_type", _("Enter true, false or null.")))
    position_value = raw.get("position", partial.position if partial else position)
    if not isinstance(position_value, int) or isinstance(position_value, bool):
        errors.append(FieldError("position", "invalid_type", _("Enter a whole number.")))
    if errors:
        raise validation_failed(errors)
    options = dict(partial.options) if partial else {}
    declared = set(field_type(str(kind)).option_schema())
    for key in TYPE_OPTION_KEYS & set(raw):
        if key not in declared:
            errors.append(FieldError(key, "unknown_option", _("This option does not apply to this type of field.")))
        options[key] = raw[key]
    if errors:
        raise validation_failed(errors)
    return FieldDef(
        name=str(name),
        type=str(kind),
        label=label or {},
        help=help_text,
        is_custom=custom if partial is None else partial.is_custom,
        default=raw.get("default", partial.default if partial else None),
        options=options,
        position=int(position_value),
        id=partial.id if partial else None,
        searchable=searchable,
        **flags,
    )


def read_object(raw: Any, *, custom: bool) -> ObjectDef:
    if not isinstance(raw, dict):
        raise validation_failed([FieldError(None, "invalid_body", _("Send a JSON object."))])
    errors = [FieldError(key, "unknown_key", _("Unknown property.")) for key in raw if key not in OBJECT_KEYS]
    label, label_errors = read_labels(raw.get("label"), "label", required=True)
    plural, plural_errors = read_labels(raw.get("plural_label"), "plural_label", required=False)
    errors += label_errors + plural_errors
    name = raw.get("name")
    if not isinstance(name, str):
        errors.append(FieldError("name", "required", _("An object needs a name.")))
    raw_fields = raw.get("fields", [])
    if not isinstance(raw_fields, list):
        errors.append(FieldError("fields", "invalid_type", _("fields is a list of field definitions.")))
    if errors:
        raise validation_failed(errors)
    fields = dict(system_fields())
    for position, raw_field in enumerate(raw_fields):
        definition = read_field(raw_field, custom=custom, position=position)
        fields[definition.name] = definition
    title = raw.get("title_field") or next((f.name for f in fields.values() if f.type == "text"), "id")
    return ObjectDef(
        name=str(name), label=label or {}, plural_label=plural, fields=fields, title_field=title, is_custom=custom
    )


def patch_object(definition: ObjectDef, raw: Any) -> ObjectDef:
    from dataclasses import replace

    if not isinstance(raw, dict):
        raise validation_failed([FieldError(None, "invalid_body", _("Send a JSON object."))])
    errors = [
        FieldError(key, "unknown_key", _("Unknown property.")) for key in raw if key not in OBJECT_KEYS - {"fields"}
    ]
    if "name" in raw and raw["name"] != definition.name:
        errors.append(FieldError("name", "read_only", _("This property cannot be changed.")))
    label, label_errors = read_labels(raw.get("label", definition.label), "label", required=True)
    plural, plural_errors = read_labels(
        raw.get("plural_label", definition.plural_label), "plural_label", required=False
    )
    title = raw.get("title_field", definition.title_field)
    if not isinstance(title, str):
        errors.append(FieldError("title_field", "invalid_type", _("Enter text.")))
    errors += label_errors + plural_errors
    if errors:
        raise validation_failed(errors)
    return replace(definition, label=label or {}, plural_label=plural, title_field=str(title))


def field_json(definition: FieldDef, owner: ObjectDef | None = None) -> dict[str, Any]:
    """A field as the metadata API shows it (``searchable``: whether search finds records by it, in ``owner``)."""
    kind = definition.field_type
    if owner is not None:
        searchable = owner.is_searchable(definition)
    else:
        searchable = kind.can_be_searched and (
            kind.searchable_by_default if definition.searchable is None else definition.searchable
        )
    return {
        "name": definition.name,
        "type": definition.type,
        "label": dict(definition.label),
        "help": dict(definition.help) if definition.help else None,
        "custom": definition.is_custom,
        "system": definition.is_system,
        "required": definition.required,
        "unique": definition.unique,
        "indexed": definition.has_index,
        "tracked": definition.tracked,
        "searchable": searchable,
        "default": definition.default,
        "position": definition.position,
        "writable": definition.writable,
        "operators": sorted(definition.field_type.operators),
        **{key: value for key, value in definition.options.items()},
    }


def object_json(definition: ObjectDef, *, with_fields: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": definition.name,
        "label": dict(definition.label),
        "plural_label": dict(definition.plural_label) if definition.plural_label else None,
        "custom": definition.is_custom,
        "module": definition.module,
        "title_field": definition.title_field,
    }
    if with_fields:
        ordered = sorted(definition.fields.values(), key=lambda f: (f.position, f.name))
        body["fields"] = [field_json(f, definition) for f in ordered]
    return body


def as_mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}
