"""Plan metadata changes: compare what is wanted with what exists and return typed actions or errors.

Everything here is pure: no database, no exceptions for bad input, no mutation. The executor applies a plan.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from huitong.engine.errors import FieldError
from huitong.engine.i18n import _
from huitong.engine.meta.model import CUSTOM_PREFIX, NAME_PATTERN, SYSTEM_FIELD_NAMES, FieldDef, ObjectDef
from huitong.engine.meta.schema import Schema
from huitong.engine.meta.types import ValueProblem, field_types


@dataclass(frozen=True)
class CreateObject:
    definition: ObjectDef


@dataclass(frozen=True)
class UpdateObject:
    before: ObjectDef
    after: ObjectDef


@dataclass(frozen=True)
class DeleteObject:
    definition: ObjectDef


@dataclass(frozen=True)
class AddField:
    object_name: str
    definition: FieldDef


@dataclass(frozen=True)
class UpdateField:
    object_name: str
    before: FieldDef
    after: FieldDef


@dataclass(frozen=True)
class DeleteField:
    object_name: str
    definition: FieldDef


Action = CreateObject | UpdateObject | DeleteObject | AddField | UpdateField | DeleteField


@dataclass(frozen=True)
class Plan:
    actions: tuple[Action, ...] = ()
    errors: tuple[FieldError, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


def refuse(*errors: FieldError) -> Plan:
    return Plan(errors=tuple(errors))


# -- names -----------------------------------------------------------------------------------------------------
def name_errors(name: object, *, custom: bool, what: str) -> list[FieldError]:
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        return [FieldError("name", "invalid_name", _("Use lower-case letters, digits and _, starting with a letter."))]
    if custom and not name.startswith(CUSTOM_PREFIX):
        message = (
            _("Custom object names start with x_ (for example x_equipment).")
            if what == "object"
            else _("Custom field names start with x_ (for example x_wechat_id).")
        )
        return [FieldError("name", "custom_prefix_required", message)]
    if not custom and name.startswith(CUSTOM_PREFIX):
        return [FieldError("name", "reserved_prefix", _("Names starting with x_ are kept for custom objects."))]
    if what == "field" and name in SYSTEM_FIELD_NAMES:
        return [FieldError("name", "reserved_name", _("%(name)s is a system field.") % {"name": name})]
    return []


def field_errors(schema: Schema, owner: ObjectDef | None, definition: FieldDef) -> list[FieldError]:
    """Everything that is wrong with one field definition, without looking at data."""
    if definition.type not in field_types() or (definition.type in ("id", "user") and definition.is_custom):
        return [FieldError("type", "invalid_type", _("Unknown field type %(type)s.") % {"type": definition.type})]
    errors = definition.field_type.option_errors(definition)
    if definition.type == "lookup" and not errors:
        target = str(definition.options["target"])
        own_name = owner.name if owner else None
        if target not in schema.objects and target != own_name:
            errors.append(
                FieldError("target", "unknown_target", _("There is no object named %(name)s.") % {"name": target})
            )
    if definition.unique and not definition.field_type.can_be_unique:
        errors.append(FieldError("unique", "invalid_option", _("Fields of this type cannot be unique.")))
    if definition.searchable and not definition.field_type.can_be_searched:
        errors.append(
            FieldError("searchable", "invalid_option", _("Search cannot find records by this type of field."))
        )
    if definition.default is not None:
        try:
            definition.field_type.coerce(definition, definition.default)
        except ValueProblem as problem:
            errors.append(FieldError("default", "invalid_default", problem.message))
    return errors


# -- plans -----------------------------------------------------------------------------------------------------
def plan_create_object(schema: Schema, definition: ObjectDef) -> Plan:
    errors = name_errors(definition.name, custom=definition.is_custom, what="object")
    if not errors and definition.name in schema.objects:
        errors.append(FieldError("name", "already_exists", _("An object with this name already exists.")))
    for field_definition in definition.user_fields:
        errors += [_prefixed(field_definition.name, e) for e in field_errors(schema, definition, field_definition)]
    if definition.title_field not in definition.fields:
        errors.append(
            FieldError("title_field", "unknown_field", _("The title field must be one of the object's fields."))
        )
    return refuse(*errors) if errors else Plan(actions=(CreateObject(definition),))


def plan_add_field(schema: Schema, object_name: str, definition: FieldDef) -> Plan:
    owner = schema.object(object_name)
    errors = name_errors(definition.name, custom=definition.is_custom, what="field")
    if not errors and definition.name in owner.fields:
        errors.append(FieldError("name", "already_exists", _("This object already has a field with this name.")))
    errors += field_errors(schema, owner, definition)
    if errors:
        return refuse(*errors)
    actions: list[Action] = [AddField(object_name, definition)]
    if owner.title_field == "id" and definition.type == "text":
        actions.append(UpdateObject(owner, replace(owner, title_field=definition.name)))
    return Plan(actions=tuple(actions))


def plan_update_field(schema: Schema, object_name: str, before: FieldDef, after: FieldDef) -> Plan:
    owner = schema.object(object_name)
    if after.type != before.type:
        return refuse(
            FieldError("type", "type_change", _("A field's type cannot be changed; add a new field instead."))
        )
    errors = field_errors(schema, owner, after)
    if after.type in ("picklist", "multi_picklist"):
        kept = {entry["value"] for entry in after.options.get("values") or []}
        removed = [entry["value"] for entry in before.options.get("values") or [] if entry["value"] not in kept]
        if removed:
            errors.append(
                FieldError(
                    "values",
                    "value_removed",
                    _("Values cannot be removed, records may use them; mark them inactive instead: %(values)s")
                    % {"values": ", ".join(removed)},
                )
            )
    if after.type == "lookup" and after.options.get("target") != before.options.get("target"):
        errors.append(FieldError("target", "target_change", _("A lookup's target cannot be changed.")))
    old_length, new_length = before.options.get("max_length"), after.options.get("max_length")
    if old_length and new_length and new_length < old_length:
        errors.append(FieldError("max_length", "shrink", _("max_length can grow but not shrink.")))
    return refuse(*errors) if errors else Plan(actions=(UpdateField(object_name, before, after),))


def plan_delete_field(schema: Schema, object_name: str, field_name: str) -> Plan:
    owner = schema.object(object_name)
    definition = owner.fields[field_name]
    reasons = []
    if definition.is_system or not definition.is_custom:
        reasons.append(_("Only custom fields can be deleted; standard fields are part of the product."))
    if owner.title_field == field_name:
        reasons.append(_("It is the object's title field; choose another title field first."))
    if reasons:
        return refuse(*(FieldError(field_name, "in_use", reason) for reason in reasons))
    return Plan(actions=(DeleteField(object_name, definition),))


def plan_delete_object(schema: Schema, object_name: str) -> Plan:
    owner = schema.object(object_name)
    if not owner.is_custom:
        return refuse(FieldError(None, "standard_object", _("Standard objects cannot be deleted.")))
    users = [f"{other.name}.{f.name}" for other, f in schema.lookups_to(object_name) if other.name != object_name]
    if users:
        return refuse(
            FieldError(
                None,
                "in_use",
                _("Lookup fields point to this object: %(fields)s. Delete them first.") % {"fields": ", ".join(users)},
            )
        )
    return Plan(actions=(DeleteObject(owner),))


def plan_update_object(schema: Schema, before: ObjectDef, after: ObjectDef) -> Plan:
    if after.title_field not in after.fields or after.fields[after.title_field].type in ("multi_picklist", "long_text"):
        return refuse(
            FieldError("title_field", "unknown_field", _("The title field must be one of the object's fields."))
        )
    return Plan(actions=(UpdateObject(before, after),))


def plan_sync(schema: Schema, declared: list[ObjectDef]) -> Plan:
    """Bring standard objects declared in code into the database.

    New objects and fields are added; picklist values new in code are appended; the options the code owns
    (``CODE_OWNED_OPTIONS``) follow it. Nothing else of an existing field is touched, so that an administrator's changes (labels, required, tracked, extra values) survive upgrades,
    and nothing is dropped: a field removed from code keeps its column and data.
    """
    actions: list[Action] = []
    errors: list[FieldError] = []
    for definition in declared:
        current = schema.objects.get(definition.name)
        if current is None:
            others = {d.name: d for d in declared if d.name != definition.name}
            plan = plan_create_object(Schema(schema.version, {**others, **schema.objects}), definition)
            actions += plan.actions
            errors += plan.errors
            continue
        for wanted in definition.user_fields:
            existing = current.fields.get(wanted.name)
            if existing is None:
                actions.append(AddField(definition.name, wanted))
            elif (merged := _merged_values(existing, wanted)) is not None:
                actions.append(UpdateField(definition.name, existing, merged))
    return Plan(actions=tuple(actions), errors=tuple(errors))


# Options that say how the CRM keeps a field, not how a company uses it: they follow the code on every upgrade.
CODE_OWNED_OPTIONS = ("computed", "index_with")


def _merged_values(existing: FieldDef, wanted: FieldDef) -> FieldDef | None:
    options = dict(existing.options)
    for name in CODE_OWNED_OPTIONS:
        if wanted.options.get(name) != existing.options.get(name):
            options.pop(name, None)
            if wanted.options.get(name) is not None:
                options[name] = wanted.options[name]
    if existing.type in ("picklist", "multi_picklist"):
        have = {entry["value"] for entry in existing.options.get("values") or []}
        new = [entry for entry in wanted.options.get("values") or [] if entry["value"] not in have]
        if new:
            options["values"] = [*(existing.options.get("values") or []), *new]
    return None if options == dict(existing.options) else existing.with_changes(options=options)


def _prefixed(field_name: str, error: FieldError) -> FieldError:
    return FieldError(f"{field_name}.{error.field}" if error.field else field_name, error.code, error.message)
